//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/drover-dev/drover/script"
)

// These tests stop drover with signals, and kill it, through the binary:
// whatever ends it, no process of its scripts may outlive it.

// mixedScript writes to dir a script that starts a process of every kind,
// each a sleep whose argument is marker: one under a terminal, one on
// pipes, one in a process group of its own (bash's job control), and a
// daemon that left by a double fork and setsid. The script's last step
// is a run step that sleeps too: a signal then arrives mid-step. With
// stubborn, one more process under a terminal ignores SIGTERM, so that
// terminating the job takes the whole grace. It returns the script's path
// and the number of sleeps to wait for.
func mixedScript(t *testing.T, dir, marker string, stubborn bool) (string, int) {
	t.Helper()
	need(t, "bash", "setsid")
	const daemon = `setsid -f sh -c 'echo > ready; exec sleep @' </dev/null >/dev/null 2>&1; while [ ! -e ready ]; do sleep 0.01; done; echo started`
	src := `name: mixed
timeout: 5m
steps:
  - spawn: {name: tty, cmd: [sh, -c, "echo up; exec sleep @"]}
  - expect: up
  - spawn: {name: pipe, cmd: [sleep, "@"], tty: false, dir: "${work}"}
  - spawn: {name: group, cmd: [bash, -c, "set -m; sleep @ & echo grouped; wait"], tty: false}
  - expect: grouped
  - spawn: {name: daemon, cmd: [sh, -c, "` + strings.ReplaceAll(daemon, `"`, `\"`) + `"], tty: false}
  - expect: started
`
	n := 5
	if stubborn {
		src += `  - spawn: {name: stubborn, cmd: [sh, -c, "trap '' TERM HUP; echo stubborn; exec sleep @"]}
  - expect: stubborn
`
		n++
	}
	src += `  - run: {shell: "exec sleep @"}
`
	return writeScript(t, dir, "mixed.yaml", strings.ReplaceAll(src, "@", marker)), n
}

// startDroverWith starts the built binary in dir with env added to its
// environment, in a process group of its own (so that a test can signal
// it as a terminal would), its stdout and stderr collected in out.
func startDroverWith(t *testing.T, dir string, env []string, args ...string) (*osexec.Cmd, *bytes.Buffer) {
	t.Helper()
	return startBinaryWith(t, drover, dir, env, args...)
}

// startBinaryWith is startDroverWith of the drover binary bin.
func startBinaryWith(t *testing.T, bin, dir string, env []string, args ...string) (*osexec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := osexec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return startCmd(t, cmd, dir)
}

// startCmd starts cmd, drover or what runs it, as startBinaryWith does.
func startCmd(t *testing.T, cmd *osexec.Cmd, dir string) (*osexec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// exitStatus describes how cmd ended, for messages: "exit N" or the
// signal that killed it.
func exitStatus(cmd *osexec.Cmd) string {
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit %d", cmd.ProcessState.ExitCode())
}

// supervisorModes are the two ways drover runs on Linux: as a supervisor
// and its worker, and as one process (DROVER_NO_SUPERVISOR=1).
var supervisorModes = []struct {
	name string
	env  []string
}{
	{"supervised", nil},
	{"alone", []string{"DROVER_NO_SUPERVISOR=1"}},
}

// SIGHUP, SIGQUIT, SIGTERM and SIGINT each stop drover as Ctrl-C does:
// the running job is terminated with its whole tree, daemon included, the
// report is still written, and drover exits 128 plus the signal's number.
func TestStopSignals(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT} {
			t.Run(mode.name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				marker := uniqueSleep()
				dir := t.TempDir()
				path, n := mixedScript(t, dir, marker, false)
				js := filepath.Join(dir, "r.json")
				cmd, out := startDroverWith(t, dir, mode.env, "run", "--report", "json="+js, path)
				awaitProcesses(t, cmd, out, "sleep\x00"+marker, n)
				_ = cmd.Process.Signal(sig)
				awaitExit(t, cmd, out)
				if want := fmt.Sprintf("exit %d", 128+int(sig)); exitStatus(cmd) != want {
					t.Errorf("%s, want %s\n%s", exitStatus(cmd), want, out)
				}
				waitNoneLeft(t, "sleep\x00"+marker, out.String())
				if !strings.Contains(out.String(), "terminating running jobs") || strings.Contains(out.String(), "drover: killed") {
					t.Errorf("not one graceful stop:\n%s", out)
				}
				if r := readJSON(t, js); len(r.Jobs) != 1 || r.Jobs[0].Status != "interrupted" {
					t.Errorf("report after %v: %+v\n%s", sig, r, out)
				}
			})
		}
	}
}

// A stop signal sent to drover's process group (Ctrl-C on a terminal)
// also reaches a process drover is starting, still in that group until
// it makes a session of its own; the job's step then fails with its
// process killed by the signal, at about the time drover catches the
// same signal. That job was stopped, not failed: drover exits 128 plus
// the signal's number, and the report says interrupted. The script plays
// the race's unlucky end: its process dies of SIGTERM, and only then
// does drover get it (the test sends it to drover's group once the
// process said it was about to die). A process killed by it when drover
// is not stopped still fails its job. The same goes for a setup (its jobs
// are interrupted) and for a job's finally: steps.
func TestStopKillsStartingProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signals drover's process group")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		for _, c := range []struct {
			stop  bool
			block string
		}{{true, "steps"}, {false, "steps"}, {true, "setup"}, {true, "finally"}} {
			stop := c.stop
			t.Run(fmt.Sprintf("%s/%s/stop=%v", mode.name, c.block, stop), func(t *testing.T) {
				t.Parallel()
				marker := uniqueSleep()
				dir := t.TempDir()
				js := filepath.Join(dir, "r.json")
				fifo := filepath.Join(dir, "dying")
				if err := syscall.Mkfifo(fifo, 0o600); err != nil {
					t.Fatal(err)
				}
				dying := `  - run: {shell: 'echo dying > ` + fifo + `; kill -TERM $$$$'} # $$ is drover's escape of $.
`
				src := "name: starting\nsteps:\n" + dying + `  - run: [sleep, "` + marker + `"]
`
				switch c.block {
				case "setup":
					src = "name: starting\nsetup:\n" + dying + `steps:
  - run: [sleep, "` + marker + `"]
`
				case "finally": // The steps pass; the clean-up is stopped.
					src = "name: starting\nsteps:\n  - log: done\nfinally:\n" + dying + `  - run: [sleep, "` + marker + `"]
`
				}
				path := writeScript(t, dir, "starting.yaml", src)
				cmd, out := startDroverWith(t, dir, mode.env, "run", "--report", "json="+js, path)
				f, err := os.Open(fifo) // Until the script opens it.
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.ReadAll(f) // Until it closed it, about to die.
				_ = f.Close()
				if stop {
					time.Sleep(20 * time.Millisecond) // Dead by now: drover sees the death first.
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				}
				awaitExit(t, cmd, out)
				waitNoneLeft(t, "sleep\x00"+marker, out.String())
				want, status := "exit 1", "failed"
				if stop {
					want, status = "exit 143", "interrupted"
				}
				if st := exitStatus(cmd); st != want {
					t.Errorf("%s, want %s\n%s", st, want, out)
				}
				if r := readJSON(t, js); len(r.Jobs) != 1 || string(r.Jobs[0].Status) != status {
					t.Errorf("report: %+v, want the job %s\n%s", r.Jobs, status, out)
				}
			})
		}
	}
}

// Ctrl-C on a terminal signals drover's whole process group: under the
// supervisor, both it and its worker get SIGINT, which must count as one
// interrupt, not as the second that kills at once. A second one, sent to
// the group too, then kills at once.
func TestInterruptGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		for _, twice := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/twice=%v", mode.name, twice), func(t *testing.T) {
				t.Parallel()
				marker := uniqueSleep()
				dir := t.TempDir()
				path, n := mixedScript(t, dir, marker, twice)
				cmd, out := startDroverWith(t, dir, mode.env, "run", path)
				awaitProcesses(t, cmd, out, "sleep\x00"+marker, n)
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
				if twice {
					time.Sleep(100 * time.Millisecond)
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
				}
				awaitExit(t, cmd, out)
				if st := exitStatus(cmd); st != "exit 130" {
					t.Errorf("%s, want exit 130\n%s", st, out)
				}
				waitNoneLeft(t, "sleep\x00"+marker, out.String())
				if killed := strings.Contains(out.String(), "drover: killed"); killed != twice {
					t.Errorf("killed at once: %v, want %v (%s)\n%s", killed, twice, exitStatus(cmd), out)
				}
			})
		}
	}
}

// sigIgnRe finds the mask of ignored signals in /proc/PID/status.
var sigIgnRe = regexp.MustCompile(`mask=SigIgn:\s*([0-9a-f]+)`)

// childSigIgn runs, through sh with the given trap command first, drover
// on a script whose run step prints its /proc/self/status SigIgn mask,
// and returns the mask.
func childSigIgn(t *testing.T, dir string, env []string, trap string) uint64 {
	t.Helper()
	path := writeScript(t, dir, "sigign.yaml", `name: sigign
steps:
  - run: {cmd: [grep, SigIgn, /proc/self/status], capture: mask}
  - log: mask=${mask}
`)
	cmd := osexec.Command("sh", "-c", trap+`; exec "$0" run "$1"`, drover, path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	m := sigIgnRe.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no SigIgn mask in the output:\n%s", b)
	}
	mask, err := strconv.ParseUint(string(m[1]), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return mask
}

// Started with SIGHUP, SIGINT and SIGQUIT ignored (nohup, a background
// job of a script), drover still starts its children with the default
// dispositions, as systemd does for its services.
func TestChildrenGetDefaultSignals(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			base := childSigIgn(t, dir, mode.env, "true")
			got := childSigIgn(t, dir, mode.env, `trap "" HUP INT QUIT`)
			for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT} {
				if got&(1<<(sig-1)) != 0 {
					t.Errorf("the child starts with %v ignored (SigIgn %016x)", sig, got)
				}
			}
			if got != base {
				t.Errorf("the child's SigIgn is %016x, %016x when drover ignores nothing", got, base)
			}
		})
	}
}

// Started with SIGHUP ignored, as nohup starts it, drover does not stop
// when it gets one (a closed terminal): the user asked it to survive.
func TestNohupSurvivesHangup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			marker := uniqueSleep()
			dir := t.TempDir()
			path := writeScript(t, dir, "nohup.yaml", fmt.Sprintf(`name: nohup
steps:
  - spawn: {cmd: [sleep, "%s"], tty: false}
  - sleep: 1500ms
  - log: survived
`, marker))
			cmd := osexec.Command("sh", "-c", `trap "" HUP; exec "$0" run "$1"`, drover, path)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), mode.env...)
			out := new(bytes.Buffer)
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
			_ = cmd.Process.Signal(syscall.SIGHUP)
			awaitExit(t, cmd, out)
			if st := exitStatus(cmd); st != "exit 0" || !strings.Contains(out.String(), "survived") {
				t.Errorf("%s, want exit 0 and the script done\n%s", st, out)
			}
			waitNoneLeft(t, "sleep\x00"+marker, out.String())
		})
	}
}

// On a terminal, Ctrl-C and a hangup (the terminal closed) reach every
// process of the foreground group, under the supervisor both it and its
// worker: each stops the run once, gracefully, with its exit code.
func TestTerminalStops(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, mode := range supervisorModes {
		for _, how := range []string{"ctrl-c", "hangup"} {
			t.Run(mode.name+"/"+how, func(t *testing.T) {
				t.Parallel()
				marker := uniqueSleep()
				dir := t.TempDir()
				path, n := mixedScript(t, dir, marker, false)
				js := filepath.Join(dir, "r.json")
				cmd := osexec.Command(drover, "run", "--report", "json="+js, path)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), mode.env...)
				tty, err := pty.Start(cmd)
				if err != nil {
					t.Fatal(err)
				}
				// The output is read only after a Ctrl-C: a read in progress
				// would delay the close of the terminal, its hangup, until
				// drover next writes.
				out := new(bytes.Buffer)
				drained := make(chan struct{})
				awaitProcesses(t, cmd, out, "sleep\x00"+marker, n)
				want := 130
				if how == "ctrl-c" {
					go func() {
						defer close(drained)
						_, _ = io.Copy(out, tty) // EIO once drover has exited.
					}()
					_, _ = tty.Write([]byte{3}) // VINTR: SIGINT to the foreground group.
				} else {
					close(drained)
					_ = tty.Close() // SIGHUP to the session leader and the foreground group.
					want = 129
				}
				awaitExit(t, cmd, nil)
				<-drained
				_ = tty.Close()
				if st := exitStatus(cmd); st != fmt.Sprintf("exit %d", want) {
					t.Errorf("%s, want exit %d\n%s", st, want, out)
				}
				waitNoneLeft(t, "sleep\x00"+marker, out.String())
				if r := readJSON(t, js); len(r.Jobs) != 1 || r.Jobs[0].Status != "interrupted" {
					t.Errorf("report after %s: %+v\n%s", how, r, out)
				}
				if strings.Contains(out.String(), "drover: killed") {
					t.Errorf("one %s counted as two:\n%s", how, out)
				}
			})
		}
	}
}

// A second stop signal while a setup: runs (its step ignores the first):
// the job running the setup is placed at the setup's step, the job that
// waits for the setup, at no step yet, is still reported, unplaced.
func TestSecondSignalInSetup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	marker := uniqueSleep()
	dir := t.TempDir()
	path := writeScript(t, dir, "hang.yaml", `name: hang
matrix:
  n: [1, 2]
setup:
  - run: [sh, -c, "trap '' TERM; sleep `+marker+`"]
steps:
  - log: never
`)
	cmd, out := startDrover(t, dir, "run", "-j", "2", path)
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
	time.Sleep(100 * time.Millisecond) // The second job waits for the setup.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	awaitExit(t, cmd, out)
	waitNoneLeft(t, "sleep\x00"+marker, out.String())
	got := out.String()
	placed := strings.Count(got, "hang.yaml:5:5: run: killed by a second interrupt")
	unplaced := regexp.MustCompile(`(?m)^    killed by a second interrupt$`).FindAllString(got, -1)
	if placed != 1 || len(unplaced) != 1 || !strings.Contains(got, "0 passed, 0 failed, 2 interrupted in ") {
		t.Errorf("want one job placed at the setup's step, one unplaced, both interrupted:\n%s", got)
	}
}

// A second stop signal kills every process and exits at once (the job's
// program ignores the first); the summary and the report still say what
// became of each job: the one running was interrupted, at the step it was
// at, those that never started were skipped, as after one signal, not
// interrupted too.
func TestSecondSignalReport(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	marker := uniqueSleep()
	dir := t.TempDir()
	path := writeScript(t, dir, "slow.yaml", `name: slow
matrix:
  n: [1, 2, 3, 4]
steps:
  - run: [sh, -c, "trap '' TERM; sleep `+marker+`"]
`)
	js := filepath.Join(dir, "r.json")
	cmd, out := startDrover(t, dir, "run", "-j", "1", "--report", "json="+js, path)
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	awaitExit(t, cmd, out)
	if want := fmt.Sprintf("exit %d", 128+int(syscall.SIGTERM)); exitStatus(cmd) != want {
		t.Errorf("%s, want %s\n%s", exitStatus(cmd), want, out)
	}
	waitNoneLeft(t, "sleep\x00"+marker, out.String())
	if !strings.Contains(out.String(), "drover: killed") || !strings.Contains(out.String(), "0 passed, 0 failed, 3 skipped, 1 interrupted in ") {
		t.Errorf("no kill, or no summary of it:\n%s", out)
	}
	if want := "slow.yaml:5:5: run: killed by a second interrupt"; !strings.Contains(out.String(), want) {
		t.Errorf("the job killed is not placed at its step: no %q in\n%s", want, out)
	}
	count := map[string]int{}
	for _, j := range readJSON(t, js).Jobs {
		count[string(j.Status)+": "+j.Reason]++
		if j.Status == script.Interrupted && (j.Error == nil || j.Error.Line != 5 || j.Error.Step != "run") {
			t.Errorf("report: the job killed has error %+v, want line 5, step run", j.Error)
		}
	}
	if want := map[string]int{"interrupted: ": 1, "skipped: interrupted before it started": 3}; !maps.Equal(count, want) {
		t.Errorf("report: %v, want %v\n%s", count, want, out)
	}
}
