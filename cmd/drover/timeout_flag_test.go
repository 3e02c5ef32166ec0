package main

import (
	"strings"
	"testing"
)

// TestTimeoutFlagPositive: --timeout given must be greater than 0, as a
// script's timeout: must; 0 is a usage error, not a --timeout left out.
func TestTimeoutFlagPositive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "t.yaml", "timeout: 1s\nsteps:\n  - log: hi\n")
	for _, args := range [][]string{
		{"--timeout", "0"}, {"--timeout", "0s"}, {"--timeout=0"}, {"--timeout", "-1s"},
	} {
		code, out, errs := droverRun(t, dir, append(append([]string{"run"}, args...), "t.yaml")...)
		d := strings.TrimPrefix(args[len(args)-1], "--timeout=")
		if d == "0" {
			d = "0s"
		}
		want := "drover run: --timeout must be greater than 0, got " + d + "\n"
		if code != 2 || errs != want || out != "" {
			t.Errorf("drover run %s t.yaml: exit %d, want 2 and %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errs)
		}
	}
	if code, out, errs := droverRun(t, dir, "run", "--timeout", "30s", "t.yaml"); code != 0 {
		t.Errorf("drover run --timeout 30s: exit %d, want 0\n%s%s", code, out, errs)
	}
}
