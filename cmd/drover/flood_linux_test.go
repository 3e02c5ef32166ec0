package main

import (
	"strings"
	"testing"
)

// TestFloodOnAPipe: a program that floods its stdout pipe has the pipe
// read in bulk (grown to 1 MiB, as the program itself sees it), loses
// none of it, and answers a send after the flood as it would have
// without one.
func TestFloodOnAPipe(t *testing.T) {
	t.Parallel()
	need(t, "python3")
	dir := t.TempDir()
	path := writeScript(t, dir, "flood.yaml", `name: flood
timeout: 1m
steps:
  - spawn:
      tty: false
      shell: |
        yes 0123456789abcde | head -c 32000000
        python3 -c 'import fcntl; print("pipe", fcntl.fcntl(1, 1032))'  # F_GETPIPE_SZ
  - wait: {stdout: {lines: 2000001, contains: "\npipe 1048576\n"}}
  - spawn:
      tty: false
      shell: |
        yes 0123456789abcde | head -c 32000000
        printf 'ready> '
        read x
        echo "got $x"
  - expect: "ready> "
  - send: one
  - expect: "got one"
  - wait:
`)
	if code, out, errs := droverRun(t, dir, "run", path); code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, strings.Join(lastLines(out, 20), "\n"), errs)
	}
}
