package main

import (
	"strings"
	"testing"
)

// TestDefaultProcessName: a process spawned without name: is named by the
// base name of the program it runs, its variables expanded, in messages,
// in the -v trace and in on:; check agrees where the value is known
// before the run, and --var does not break the script's on:.
func TestDefaultProcessName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "names.yaml", `name: names
vars: {bin: /bin/cat}
matrix:
  prog: [cat, tac]
steps:
  - spawn: {cmd: ["${bin}"], tty: false}
  - send: hello
  - expect: {text: hello, on: cat}
  - spawn: {cmd: ["${prog}"], tty: false}
  - expect: {text: never, timeout: 200ms}
`)
	code, out, errs := droverRun(t, dir, "check", path)
	if code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = droverRun(t, dir, "run", "-v", path)
	for _, want := range []string{
		"names.yaml:10:5: expect: cat: timed out after 200ms", // matrix value, known only when it runs
		"names.yaml:10:5: expect: tac: timed out after 200ms",
	} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
		}
	}
	if !strings.Contains(errs, "names [prog=cat] | cat > hello\n") || !strings.Contains(errs, "names [prog=cat] | cat < hello\n") || strings.Contains(out+errs, "${") {
		t.Errorf("-v trace:\n%s", errs)
	}
	// With another program, the process is named by it, and still
	// answers to the name the script uses.
	code, out, errs = droverRun(t, dir, "run", "--var", "bin=/usr/bin/tee", "--var", "prog=rev", path)
	if code != 1 || !strings.Contains(out, "names.yaml:10:5: expect: rev: timed out") || strings.Contains(out, "names.yaml:8:") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
