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

// TestStdinFromInFinally: a finally: step may read, through stdin_from,
// the stdout of a process the steps spawned, as a step may; check and run
// know that process feeds a pipe.
func TestStdinFromInFinally(t *testing.T) {
	t.Parallel()
	code, out, _ := runScript(t, `name: pipe in finally
steps:
  - spawn: {name: w, tty: false, cmd: [sh, -c, "echo from-w"]}
  - sleep: 10ms
finally:
  - spawn: {name: r, tty: false, cmd: [cat], stdin_from: w}
  - expect: {text: from-w, on: r}
  - wait: {on: r}
`)
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	dir := t.TempDir()
	writeScript(t, dir, "tty.yaml", `steps:
  - spawn: {name: w, cmd: [echo, hi]}
finally:
  - spawn: {name: r, tty: false, cmd: [cat], stdin_from: w}
`)
	const want = "tty.yaml:4:58: spawn: stdin_from: w is spawned under a tty (line 2), and a process that feeds stdin_from needs tty: false"
	if code, out, errs := droverRun(t, dir, "check", "tty.yaml"); code != 2 || !strings.Contains(errs, want) {
		t.Errorf("check: exit %d, want 2 and %q\n%s%s", code, want, out, errs)
	}
}

// TestCheckCRWarning: under a tty, drover check warns about a regular
// expression that needs "\r\n", which never matches there, and not about
// one where the \r may be left out, as scripts ported from pexpect write
// it: those match, as drover run shows.
func TestCheckCRWarning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "optional.yaml", `steps:
  - spawn: [printf, 'line\r\nline\r\nline\r\n']
  - expect: {re: 'line\r?\n'}
  - expect: {re: 'line[\r]?\n'}
  - expect: {re: 'line(\r|)\n'}
  - wait:
`)
	writeScript(t, dir, "needed.yaml", `steps:
  - spawn: [printf, 'line\r\n']
  - expect: {re: 'line\r\n'}
`)
	code, out, errs := droverRun(t, dir, "check", "optional.yaml", "needed.yaml")
	const want = `needed.yaml:3:18: warning: expect: re: "printf" runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r next to \n never matches there; match \n instead`
	if code != 0 || strings.TrimSpace(errs) != want {
		t.Errorf("drover check: exit %d, want 0 and only the warning\n%s\nstdout:\n%s\nstderr:\n%s", code, want, out, errs)
	}
	if code, out, errs := droverRun(t, dir, "run", "optional.yaml"); code != 0 {
		t.Errorf("drover run optional.yaml: exit %d, want 0\n%s%s", code, out, errs)
	}
}
