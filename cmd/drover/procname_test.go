package main

import (
	"fmt"
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

// TestProcessNamedInFailures: a step that fails on a process (send,
// signal, resize, expect) names the process as the script does, not the
// program it runs, and says once which step failed: two sqlite3s are told
// apart, and one that has exited says how it ended.
func TestProcessNamedInFailures(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3")
	const spawn = `
  - spawn: {name: other, tty: false, cmd: [/usr/bin/sqlite3, ":memory:"]}
`
	tests := []struct {
		name, steps, want string // want: the failure's line, after the position
	}{
		{"send after exit", `
  - spawn: {name: db, tty: false, cmd: [/usr/bin/sqlite3, ":memory:"]}
  - send: {on: db, text: .quit}
  - wait: {on: db}
  - send: {on: db, text: "select 1;"}
`, "send: db has exited (exit 0)"},
		{"send after exit under a tty", `
  - spawn: {name: db, cmd: [sh, -c, "exit 3"]}
  - wait: {on: db, exit: 3}
  - send: {on: db, text: hello}
`, "send: db has exited (exit 3)"},
		{"send eof after exit under a tty", `
  - spawn: {name: db, cmd: [sh, -c, "exit 3"]}
  - wait: {on: db, exit: 3}
  - send: {on: db, eof: true}
`, "send: db has exited (exit 3)"},
		{"send after eof", `
  - spawn: {name: db, tty: false, cmd: [/usr/bin/sqlite3, ":memory:"]}
  - send: {on: db, eof: true}
  - send: {on: db, text: "select 1;"}
`, "send: db: stdin was closed by an earlier EOF"},
		{"send to a stdin_from", `
  - spawn: {name: db, tty: false, stdin_from: other, cmd: [/usr/bin/sqlite3, ":memory:"]}
  - send: {on: db, text: "select 1;"}
`, "send: db: stdin is not connected to drover (it comes from another process)"},
		{"signal after a kill", `
  - spawn: {name: db, tty: false, cmd: [sh, -c, "exec sleep 60"]}
  - signal: {on: db, sig: TERM}
  - wait: {on: db, signal: TERM}
  - signal: {on: db, sig: INT}
`, "signal: db has exited (killed by SIGTERM)"},
		{"resize after exit", `
  - spawn: {name: db, cmd: [sh, -c, "exit 0"]}
  - wait: {on: db}
  - resize: {on: db, size: 30x100}
`, "resize: db has exited (exit 0)"},
		{"resize on pipes", `
  - spawn: {name: db, tty: false, cmd: [/usr/bin/sqlite3, ":memory:"]}
  - resize: {on: db, size: 30x100}
`, "resize: db runs on pipes (tty: false), so it has no terminal"},
		{"expect on stderr under a tty", `
  - spawn: {name: db, cmd: [/usr/bin/sqlite3, ":memory:"]}
  - expect: {on: db, stream: stderr, text: never}
`, "expect: db: stderr is not apart from stdout (under a tty, spawn with stderr: pipe)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := "steps:" + spawn + strings.TrimPrefix(tt.steps, "\n")
			path := writeScript(t, dir, "named.yaml", src)
			last := strings.Count(src, "\n") // The failing step is the last.
			want := fmt.Sprintf("named.yaml:%d:5: %s\n", last, tt.want)
			code, out, errs := droverRun(t, dir, "run", path)
			if code != 1 || !strings.Contains(out, want) {
				t.Errorf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
			}
			if strings.Contains(out, "/usr/bin/sqlite3") {
				t.Errorf("the message names the program:\n%s", out)
			}
		})
	}
}
