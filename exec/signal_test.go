package exec

import (
	"strings"
	"testing"
)

// Every name the scripts may use has a number here, and back, once.
func TestSignalNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, name := range SignalNames() {
		if seen[name] || name == "" || name != strings.ToUpper(name) || strings.HasPrefix(name, "SIG") {
			t.Errorf("name %q: empty, repeated, lower case or with SIG", name)
		}
		seen[name] = true
		for _, in := range []string{name, "SIG" + name, strings.ToLower(name)} {
			sig, err := ParseSignal(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := SignalName(sig); got != "SIG"+name {
				t.Errorf("SignalName(ParseSignal(%q)) = %q", in, got)
			}
		}
	}
	if _, err := ParseSignal("FOO"); err == nil {
		t.Error("ParseSignal(FOO) succeeded")
	}
}
