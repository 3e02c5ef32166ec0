package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStdinFromTTY: a stdin_from whose source runs under a tty is an
// error of the script, which check and run both report at the stdin_from,
// exit 2, before any step runs.
func TestStdinFromTTY(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "sf.yaml", `steps:
  - run: [touch, ran]
  - spawn: {name: w, cmd: [echo, hi]}
  - spawn: {name: r, tty: false, cmd: [cat], stdin_from: w}
  - expect: {text: hi, on: r}
  - wait: {on: r}
`)
	const want = "sf.yaml:4:58: spawn: stdin_from: w is spawned under a tty (line 3), and a process that feeds stdin_from needs tty: false"
	for _, cmd := range []string{"check", "run"} {
		code, out, errs := droverRun(t, dir, cmd, "sf.yaml")
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("drover %s: exit %d, want 2 and %q\n%s%s", cmd, code, want, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("drover run ran a step of a script it should have rejected")
	}
}
