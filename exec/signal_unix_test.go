//go:build unix

package exec

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Every signal the system has, as its shell names them, is known by its
// number: the shell's kill -l is a witness apart from the table.
func TestSignalNamesAreTheSystems(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	// Below 32: above are the real-time signals, which have no names.
	var script strings.Builder
	for n := 1; n < 32; n++ {
		script.WriteString("kill -l " + strconv.Itoa(n) + " 2>/dev/null || echo -\n")
	}
	out, err := exec.Command("bash", "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range strings.Fields(string(out)) {
		n := syscall.Signal(i + 1)
		name = strings.TrimPrefix(name, "SIG")
		if name == "-" || strings.Contains(name, "RTMIN") {
			continue
		}
		if got := SignalName(n); got != "SIG"+name {
			t.Errorf("SignalName(%d) = %q, bash says SIG%s", n, got, name)
		}
		if sig, err := ParseSignal(name); err != nil || sig != n {
			t.Errorf("ParseSignal(%q) = %v, %v; want %d", name, sig, err, n)
		}
	}
	for _, name := range []string{"FPE", "BUS", "SEGV", "ABRT", "ILL", "TRAP", "SYS", "XCPU", "XFSZ", "VTALRM", "PROF", "URG", "IO", "WINCH"} {
		if !slices.Contains(SignalNames(), name) {
			t.Errorf("SignalNames() lacks %s", name)
		}
	}
}
