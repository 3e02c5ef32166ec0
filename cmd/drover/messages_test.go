package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goInternals are texts of Go's libraries that must never reach a user:
// they say how drover is built, not what happened.
var goInternals = []string{
	"context canceled", "context deadline exceeded", "signal: killed",
	`exec: "`, "fork/exec", "executable file not found in $PATH", "os/exec",
}

// checkNoGoInternals fails t if out holds one of goInternals.
func checkNoGoInternals(t *testing.T, out string) {
	t.Helper()
	for _, g := range goInternals {
		if strings.Contains(out, g) {
			t.Errorf("the output shows Go's %q:\n%s", g, out)
		}
	}
}

// TestMessagesInWords fails scripts every way a step can be cut short or
// fail to start: each message says what happened in words, never in Go's.
func TestMessagesInWords(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"sleep past the script timeout", "timeout: 300ms\nsteps:\n  - sleep: 5s\n",
			"sleep: script timeout 300ms reached"},
		{"run timeout", "steps:\n  - run: {cmd: [sleep, \"5\"], timeout: 300ms}\n",
			"run: sleep 5 did not exit: timed out after 300ms"},
		{"run past the script timeout", "timeout: 300ms\nsteps:\n  - run: [sleep, \"5\"]\n",
			"run: sleep 5 did not exit: script timeout 300ms reached"},
		{"run retried", "steps:\n  - run: {cmd: [sleep, \"5\"], timeout: 200ms, retry: {attempts: 2, delay: 10ms}}\n",
			"failed 2 attempts; the last: sleep 5 did not exit: timed out after 200ms"},
		{"wait timeout", "steps:\n  - spawn: [sleep, \"5\"]\n  - wait: {timeout: 300ms}\n",
			"wait: sleep did not exit: timed out after 300ms"},
		{"wait past the script timeout", "timeout: 300ms\nsteps:\n  - spawn: [sleep, \"5\"]\n  - wait: {timeout: 5s}\n",
			"wait: sleep did not exit: script timeout 300ms reached"},
		{"expect timeout", "steps:\n  - spawn: [sleep, \"5\"]\n  - expect: {text: x, timeout: 300ms}\n",
			`expect: sleep: timed out after 300ms waiting for "x" on stdout`},
		{"expect past the script timeout", "timeout: 300ms\nsteps:\n  - spawn: [sleep, \"5\"]\n  - expect: {text: x, timeout: 5s}\n",
			"(script timeout 300ms reached)"},
		{"wait_port timeout", "steps:\n  - wait_port: {addr: \"127.0.0.1:1\", timeout: 300ms}\n",
			"wait_port: nothing listening on 127.0.0.1:1 after"},
		{"wait_port past the script timeout", "timeout: 300ms\nsteps:\n  - wait_port: {addr: \"127.0.0.1:1\", timeout: 5s}\n",
			"(script timeout 300ms reached)"},
		{"script timeout during finally", "timeout: 300ms\nsteps:\n  - log: hi\nfinally:\n  - run: [sleep, \"5\"]\n",
			"finally: hostile.yaml:5:5: run: sleep 5 did not exit: script timeout 300ms reached"},
		{"program not installed", "vars: {p: no-such-program-drover}\nsteps:\n  - run: [\"${p}\"]\n",
			`run: program "no-such-program-drover" is not installed (not found in PATH)`},
		{"spawn not installed", "vars: {p: no-such-program-drover}\nsteps:\n  - spawn: {cmd: [\"${p}\"], tty: false}\n",
			`spawn: program "no-such-program-drover" is not installed (not found in PATH)`},
		{"not executable", "steps:\n  - run: [./hostile.yaml]\n",
			`run: program "./hostile.yaml" is not executable (permission denied)`},
		{"no such directory", "steps:\n  - run: {cmd: [ls], dir: /no/such/dir}\n",
			"run: working directory /no/such/dir does not exist"},
		{"killed", "steps:\n  - run: [sh, -c, \"kill -KILL $$$$\"]\n",
			"run: want exit 0, got killed by SIGKILL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeScript(t, dir, "hostile.yaml", tt.src)
			code, out, errs := droverRun(t, dir, "run", filepath.Base(path))
			if code != 1 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want 1 and %q\n%s%s", code, tt.want, out, errs)
			}
			checkNoGoInternals(t, out+errs)
		})
	}
}

// TestInterruptedInWords interrupts a job at every kind of step that
// waits: each says it was interrupted, in words.
func TestInterruptedInWords(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	marker := uniqueSleep()
	dir := t.TempDir()
	// In expect and wait, the marked process comes half a second into the
	// spawned program's life, so that the step after the spawn is waiting
	// by then: else the interrupt may come between the two steps.
	scripts := map[string]string{
		"sleep":     "steps:\n  - sleep: 1m\n",
		"run":       "steps:\n  - run: [sleep, \"@\"]\n",
		"expect":    "steps:\n  - spawn: [sh, -c, \"sleep 0.5; exec sleep @\"]\n  - expect: {text: x, timeout: 1m}\n",
		"wait":      "steps:\n  - spawn: [sh, -c, \"sleep 0.5; exec sleep @\"]\n  - wait: {timeout: 1m}\n",
		"retry":     "steps:\n  - run: {cmd: [sleep, \"@\"], retry: {attempts: 3, delay: 1s}}\n",
		"wait_port": "steps:\n  - wait_port: {addr: \"127.0.0.1:1\", timeout: 1m}\n",
		"finally":   "steps:\n  - sleep: 1m\nfinally:\n  - log: cleaned up\n",
	}
	for name, src := range scripts {
		writeScript(t, dir, name+".yaml", strings.ReplaceAll(src, "@", marker))
	}
	cmd, out := startDrover(t, dir, "run", "-j", "8", ".")
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 4)
	_ = cmd.Process.Signal(os.Interrupt)
	awaitExit(t, cmd, out)
	s := out.String()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, s)
	}
	for _, want := range []string{
		"sleep.yaml:2:5: sleep: interrupted (SIGINT)\n",
		"run.yaml:2:5: run: sleep " + marker + " did not exit: interrupted (SIGINT)\n",
		`expect.yaml:3:5: expect: sh: gave up after`,
		`waiting for "x" on stdout: interrupted (SIGINT)` + "\n",
		"wait.yaml:3:5: wait: sh did not exit: interrupted (SIGINT)\n",
		"retry.yaml:2:5: run: sleep " + marker + " did not exit: interrupted (SIGINT)\n",
		"wait_port.yaml:2:5: wait_port: ", // then what it saw, or only that it was interrupted
		"cleaned up\n    finally.yaml:2:5: sleep: interrupted (SIGINT)\n",
		"0 passed, 0 failed, 7 interrupted",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the output does not say %q\n%s", want, s)
		}
	}
	checkNoGoInternals(t, s)
	waitNoneLeft(t, "sleep\x00"+marker, s)
}

// TestUndefinedAtRun: a variable that only some runs define passes drover
// check; where a job leaves it undefined, the step that uses it fails
// saying why, with what is defined.
func TestUndefinedAtRun(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"captured in a branch not taken", `steps:
  - run: {shell: "echo no", capture: ans}
  - if: {var: ans, equals: "yes"}
    then: [{run: {shell: "echo hi", capture: got}}]
  - log: "got=${got}"
`, `hostile.yaml:5:5: log: undefined variable "got" (defined: ans): no step that sets it ran in this job (a branch not taken, an each: over no items)`},
		{"tested, captured in an any: branch not taken", `steps:
  - spawn: {cmd: [echo, two], tty: false}
  - expect:
      any:
        - {re: 'one (\d)', capture: [num]}
        - text: two
  - if: {var: num, equals: "1"}
    then: [{log: one}]
`, `hostile.yaml:7:5: if: undefined variable "num" (defined: match.index): no step that sets it ran in this job`},
		{"an axis a job made by include lacks", `matrix: {a: [1, 2], b: [x, y], include: [{a: 7, extra: e}]}
steps:
  - log: "${a} ${b}"
`, `hostile.yaml:3:5: log: undefined variable "b" (defined: a, extra): this job has no matrix value for it; a job that an include: entry makes on its own has only that entry's keys`},
		{"not in the environment", `steps:
  - log: "${env.DROVER_TEST_UNSET}"
`, `hostile.yaml:2:5: log: undefined variable "env.DROVER_TEST_UNSET": DROVER_TEST_UNSET is not in the job's environment`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeScript(t, dir, "hostile.yaml", tt.src)
			if code, out, errs := droverRun(t, dir, "check", filepath.Base(path)); code != 0 {
				t.Errorf("check: exit %d, want 0\n%s%s", code, out, errs)
			}
			code, out, errs := droverRun(t, dir, "run", filepath.Base(path))
			if code != 1 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want 1 and %q\n%s%s", code, tt.want, out, errs)
			}
		})
	}
}

// TestFinallyTerminateNotSpawned: a finally: that terminates a server the
// job failed before spawning is not a second failure: the job fails for
// its own reason, and a note says there was nothing to terminate. Outside
// finally:, a terminate of a process the job did not spawn still fails.
func TestFinallyTerminateNotSpawned(t *testing.T) {
	t.Parallel()
	code, out, _ := runScript(t, `name: cleanup
steps:
  - run: [sh, -c, "exit 3"]
  - spawn: {name: srv, cmd: [sleep, "30"], tty: false}
finally:
  - terminate: srv
  - terminate:
`)
	if code != 1 || !strings.Contains(out, "t.yaml:3:5: run: want exit 0, got exit 3") || strings.Contains(out, "finally:") ||
		!strings.Contains(out, "terminate: srv was not spawned in this job: nothing to terminate\n") ||
		!strings.Contains(out, "terminate: no process was spawned in this job: nothing to terminate\n") {
		t.Errorf("exit %d, want 1, the run's failure alone and two notes:\n%s", code, out)
	}
	code, out, _ = runScript(t, `name: branch
steps:
  - if: {var: env.HOME, equals: nowhere}
    then: [{spawn: {name: srv, cmd: [sleep, "30"], tty: false}}]
  - terminate: srv
`)
	if code != 1 || !strings.Contains(out, `t.yaml:5:5: terminate: no process named "srv" (spawned: )`) {
		t.Errorf("exit %d, want 1 and no such process:\n%s", code, out)
	}
}

// TestRunStdinUnread: a run step whose program exits without reading all
// its stdin is judged by its exit, under a tty as on pipes: more lines
// than a terminal's input queue holds, to a program that reads none.
func TestRunStdinUnread(t *testing.T) {
	t.Parallel()
	lines := strings.Repeat(`line\n`, 40000)
	for _, tty := range []string{"true", "false"} {
		code, out, _ := runScript(t, `name: unread
steps:
  - run: {cmd: [sh, -c, "sleep 0.2; exit 3"], stdin: "`+lines+`", tty: `+tty+`, exit: 3}
`)
		if code != 0 {
			t.Errorf("tty %s: exit %d, want 0:\n%s", tty, code, out)
		}
	}
}

// TestFinallyOwnTime: finally: gets the script's timeout again, whole: a
// job whose steps used all of theirs still cleans up, and only the steps'
// timeout is reported.
func TestFinallyOwnTime(t *testing.T) {
	t.Parallel()
	code, out, _ := runScript(t, `name: own time
timeout: 300ms
steps:
  - sleep: 5s
finally:
  - run: [sleep, "0.2"]
  - log: cleaned up
`)
	if code != 1 || !strings.Contains(out, "t.yaml:4:5: sleep: script timeout 300ms reached") ||
		!strings.Contains(out, "cleaned up") || strings.Contains(out, "finally:") {
		t.Errorf("exit %d, want 1, the steps' timeout alone and the clean-up done:\n%s", code, out)
	}
}
