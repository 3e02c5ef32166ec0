package exec

import "testing"

// Every name the scripts may use has a number here, and back.
func TestSignalNames(t *testing.T) {
	t.Parallel()
	if len(signals) != len(signalNames) {
		t.Errorf("%d signals numbered, %d named", len(signals), len(signalNames))
	}
	for _, name := range SignalNames() {
		sig, err := ParseSignal("sig" + name)
		if err != nil {
			t.Fatal(err)
		}
		if got := SignalName(sig); got != "SIG"+name {
			t.Errorf("SignalName(ParseSignal(%q)) = %q", name, got)
		}
	}
	if _, err := ParseSignal("FOO"); err == nil {
		t.Error("ParseSignal(FOO) succeeded")
	}
}
