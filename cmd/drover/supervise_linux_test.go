package main

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
)

// childrenOf lists the children of process pid.
func childrenOf(pid int) []int {
	var kids []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(s); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// supervisors are the binaries of drover's two ways to start its worker:
// "entry", before the Go runtime (drover_entry, as make build links it
// here), and "exec", from package early's init; only "exec" where
// drover_entry is not written.
func supervisors() []struct{ name, bin string } {
	if droverExec == drover {
		return []struct{ name, bin string }{{"exec", drover}}
	}
	return []struct{ name, bin string }{{"entry", drover}, {"exec", droverExec}}
}

// eachSupervisor runs test, in parallel, with the binary of each of
// supervisors.
func eachSupervisor(t *testing.T, test func(t *testing.T, bin string)) {
	t.Helper()
	for _, sup := range supervisors() {
		t.Run(sup.name, func(t *testing.T) {
			t.Parallel()
			test(t, sup.bin)
		})
	}
}

// workersOf lists the children of drover process pid that run drover
// binary bin: its worker, if it has one.
func workersOf(t *testing.T, pid int, bin string) []int {
	t.Helper()
	exe, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	var workers []int
	for _, kid := range childrenOf(pid) {
		if st, err := os.Stat("/proc/" + strconv.Itoa(kid) + "/exe"); err == nil && os.SameFile(st, exe) {
			workers = append(workers, kid)
		}
	}
	return workers
}

// alive reports whether pid runs (a zombie counts as dead).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// SIGKILL of drover, the process the user started or the worker it runs
// the scripts in, leaves no process of any script running within 2 s:
// not under a terminal, not on pipes, not in a group of its own, not a
// daemon that double-forked and called setsid. Nor does it when drover
// was started with SIGCHLD ignored, which makes the kernel reap a child
// itself and say nothing to its parent.
func TestKilledDroverLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, sup := range supervisors() {
		for _, victim := range []string{"supervisor", "worker", "worker, then stop signals", "worker, SIGCHLD ignored"} {
			t.Run(sup.name+"/"+victim, func(t *testing.T) {
				t.Parallel()
				killDrover(t, sup.bin, victim)
			})
		}
	}
}

// killDrover runs a script of processes of every kind with drover binary
// bin, kills its victim with SIGKILL, and checks that nothing is left.
func killDrover(t *testing.T, droverBin, victim string) {
	marker := uniqueSleep()
	dir := t.TempDir()
	path, n := mixedScript(t, dir, marker, false)
	var cmd *osexec.Cmd
	var out *bytes.Buffer
	if victim == "worker, SIGCHLD ignored" {
		cmd, out = startCmd(t, helperProcess("ignore-sigchld", droverBin, "run", path), dir)
	} else {
		cmd, out = startBinaryWith(t, droverBin, dir, nil, "run", path)
	}
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, n)
	workers := workersOf(t, cmd.Process.Pid, droverBin)
	if len(workers) != 1 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("want one worker, the supervisor's child; found %v\n%s", workers, out)
	}
	worker := workers[0]
	work := workOf(t, marker)
	pid := cmd.Process.Pid
	if victim != "supervisor" {
		pid = worker
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if victim == "worker, then stop signals" {
		// While the supervisor ends what the worker left: it must not
		// die of them before it has.
		for time.Since(began) < 50*time.Millisecond {
			for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT} {
				_ = syscall.Kill(cmd.Process.Pid, sig)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	for (len(processesWith(t, "sleep\x00"+marker)) > 0 || alive(worker)) && time.Since(began) < 2*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	left := processesWith(t, "sleep\x00"+marker)
	if alive(worker) {
		left = append(left, "the worker, "+strconv.Itoa(worker))
	}
	awaitExit(t, cmd, out)
	if len(left) > 0 {
		for _, p := range append(processesWith(t, "sleep\x00"+marker), strconv.Itoa(worker)+":") {
			pid, _, _ := strings.Cut(p, ":")
			if n, err := strconv.Atoi(pid); err == nil {
				_ = syscall.Kill(n, syscall.SIGKILL) // Leave the machine clean.
			}
		}
		t.Fatalf("kill -9 of the %s: after 2s these are left: %v\n%s", victim, left, out)
	}
	for _, err := os.Lstat(work); err == nil && time.Since(began) < 2*time.Second; _, err = os.Lstat(work) {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Lstat(work); !os.IsNotExist(err) {
		t.Errorf("kill -9 of the %s: its ${work}, %s, is left: %v", victim, work, err)
	}
	// The root the worker made for the jobs' ${work} goes too.
	root := filepath.Dir(work)
	for _, err := os.Lstat(root); err == nil && time.Since(began) < 2*time.Second; _, err = os.Lstat(root) {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Lstat(root); !strings.HasPrefix(filepath.Base(root), "drover-run-") || !os.IsNotExist(err) {
		t.Errorf("kill -9 of the %s: the root of the ${work}, %s, is left: %v", victim, root, err)
	}
	if victim != "supervisor" {
		if st := exitStatus(cmd); st != "exit 137" {
			t.Errorf("the supervisor: %s, want exit 137 (128+SIGKILL)\n%s", st, out)
		}
	}
}

// What a script starts never inherits the supervisor's pipe or the
// variable that marks its worker.
func TestWorkerLeavesNoTrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "trace.yaml", `name: trace
steps:
  - run: {shell: "echo worker=$$DROVER_WORKER.; for fd in 3 4 5 6 7 8 9; do readlink /proc/$$$$/fd/$$fd; done; true", capture: seen}
  - log: seen ${seen}
`)
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 0 || !strings.Contains(out, "seen worker=.") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out, "pipe:") {
		t.Errorf("the script's shell inherited a pipe:\n%s", out)
	}
}

// workOf returns the ${work} of the job running sleep marker in it: the
// working directory of that process.
func workOf(t *testing.T, marker string) string {
	t.Helper()
	for _, p := range processesWith(t, "sleep\x00"+marker) {
		pid, _, _ := strings.Cut(p, ":")
		if cwd, err := os.Readlink("/proc/" + pid + "/cwd"); err == nil && strings.Contains(cwd, "drover-work-") {
			return cwd
		}
	}
	t.Fatalf("no process sleep %s runs in a ${work}", marker)
	return ""
}

// Variables that mark a worker, inherited by a drover that is none (a
// script of drover's that runs drover, say), are strays: drover still
// runs under a supervisor of its own, with a ${work} of its own.
func TestStrayWorkerVariables(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		dir := t.TempDir()
		stray := filepath.Join(dir, "stray-root")
		path := writeScript(t, dir, "stray.yaml", `name: stray
steps:
  - run: {shell: "echo work=$$PWD; echo worker=$$DROVER_WORKER.", dir: "${work}", capture: seen}
  - log: seen ${seen}
`)
		cmd, out := startBinaryWith(t, bin, dir, []string{"DROVER_WORKER=1", "DROVER_WORK_ROOT=" + stray}, "run", path)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil || !strings.Contains(out.String(), "worker=.") {
				t.Fatalf("%v\n%s", err, out)
			}
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // Its group: every drover it started.
			<-done
			t.Fatalf("drover with stray worker variables still runs after 20s\n%s", out)
		}
		if strings.Contains(out.String(), "work="+stray) {
			t.Errorf("the job's ${work} is in the stray root:\n%s", out)
		}
	})
}

// The root of the jobs' ${work}, which the supervisor names, is made only
// when a job first uses a ${work}: a run that uses none makes no
// directory at all. Once made it is the user's only, and it is gone after
// the run.
func TestWorkRootWhenUsed(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		dir := t.TempDir()
		tmp := filepath.Join(dir, "tmp")
		if err := os.Mkdir(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		path := writeScript(t, dir, "root.yaml", `name: root
steps:
  - run: {shell: 'ls -A "$$TMPDIR"', stdout: {equals: ""}}
  - run: {shell: 'up=$$(dirname "$$PWD"); echo "root=$$(basename "$$up") in=$$(dirname "$$up") mode=$$(stat -c %a "$$up")"', dir: "${work}", capture: seen}
  - log: seen ${seen}
`)
		cmd, out := startBinaryWith(t, bin, dir, []string{"TMPDIR=" + tmp}, "run", path)
		awaitExit(t, cmd, out)
		if cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("%s\n%s", exitStatus(cmd), out)
		}
		if !regexp.MustCompile(`seen root=drover-run-\w+ in=` + regexp.QuoteMeta(tmp) + ` mode=700\b`).MatchString(out.String()) {
			t.Errorf("the ${work} is not in a root of mode 700 in $TMPDIR:\n%s", out)
		}
		if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
			t.Errorf("left in $TMPDIR after the run: %v", entries)
		}
	})
}

// The supervisor's GOMAXPROCS of 1 is its own: the worker, and so every
// process of a script, gets the environment as it was, GOMAXPROCS unset
// or as the user set it, even beside a stray DROVER_WORKER_PROCS, the
// variable by which a supervisor tells its worker that it set it.
func TestSupervisorKeepsGOMAXPROCS(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		dir := t.TempDir()
		path := writeScript(t, dir, "procs.yaml", `name: procs
steps:
  - run: {shell: 'echo "procs=[$${GOMAXPROCS-unset}]"', capture: seen}
  - log: seen ${seen}
`)
		for _, c := range []struct{ env, want string }{
			{"", "seen procs=[unset]"},
			{"GOMAXPROCS=3", "seen procs=[3]"},
			{"GOMAXPROCS=3 " + launch.ProcsVar + "=1", "seen procs=[3]"},
		} {
			var env []string
			if c.env != "" {
				env = strings.Fields(c.env)
			} else if _, set := os.LookupEnv("GOMAXPROCS"); set {
				continue // The test's own environment sets it.
			}
			cmd, out := startBinaryWith(t, bin, dir, env, "run", path)
			awaitExit(t, cmd, out)
			if cmd.ProcessState.ExitCode() != 0 || !strings.Contains(out.String(), c.want) {
				t.Errorf("with %q: %s, want %q in\n%s", c.env, exitStatus(cmd), c.want, out)
			}
		}
	})
}

// A worker starts nothing before its supervisor says launch.Ready, which
// the supervisor does once it catches the stop signals, after the
// worker's start: a supervisor killed before that (by a signal it did
// not catch yet) leaves a worker that exits having started nothing. The
// test plays the supervisor: the pipe on descriptor 3 and the variable
// that names it.
func TestWorkerAwaitsSupervisor(t *testing.T) {
	t.Parallel()
	for _, ready := range []bool{true, false} {
		name := "gone"
		if ready {
			name = "ready"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			marker := filepath.Join(dir, "started")
			path := writeScript(t, dir, "ready.yaml", `name: ready
steps:
  - run: [touch, `+marker+`]
`)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Fstat(int(r.Fd()), &st); err != nil {
				t.Fatal(err)
			}
			cmd := osexec.Command(droverExec, "run", path)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), launch.WorkerVar+"="+strconv.FormatUint(st.Ino, 10))
			cmd.ExtraFiles = []*os.File{r} // Descriptor 3.
			out := new(bytes.Buffer)
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			_ = r.Close()
			// Time enough for a worker that does not wait to run the script.
			deadline := time.Now().Add(500 * time.Millisecond)
			for time.Now().Before(deadline) {
				if _, err := os.Stat(marker); err == nil {
					_ = w.Close()
					_ = cmd.Wait()
					t.Fatalf("the worker ran the script before the supervisor was ready\n%s", out)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if ready {
				_, _ = w.Write([]byte{launch.Ready})
			} else {
				_ = w.Close()
			}
			awaitExit(t, cmd, out)
			_ = w.Close() // Kept open until the worker's exit: its end of file says the supervisor is gone.
			_, err = os.Stat(marker)
			if ready && (cmd.ProcessState.ExitCode() != 0 || err != nil) {
				t.Errorf("%s, %v: want exit 0 and the script run once the supervisor is ready\n%s", exitStatus(cmd), err, out)
			}
			if !ready && (cmd.ProcessState.ExitCode() == 0 || err == nil) {
				t.Errorf("%s, %v: want the worker ended, the script never run, when its supervisor is gone\n%s", exitStatus(cmd), err, out)
			}
		})
	}
}

// The worker runs with the arguments drover was given, as they are, read
// before package os is initialised (launch/early): a value with spaces,
// an empty one.
func TestWorkerGetsArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "args.yaml", `name: args
vars: {spaced: "", empty: x}
steps:
  - log: "got [${spaced}] [${empty}]"
`)
	code, out, errs := droverRun(t, dir, "run", "--var", "spaced= a  b ", "--var", "empty=", path)
	if code != 0 || !strings.Contains(out, "got [ a  b ] []") {
		t.Errorf("exit %d, want the values as given\n%s%s", code, out, errs)
	}
}

// A stop signal to the supervisor at any moment of its start either ends
// drover before any script began (the signal came before the supervisor
// caught it, and drover dies of it; or before the run began, and drover
// exits 143) or stops the run gracefully, with its exit code and its
// report; never a script in the middle without its report. No process is left either
// way. The delays sweep the start, the signals' catching among them. The
// signal goes to the supervisor alone (kill PID), or to the worker too
// (kill -PGID, or Ctrl-C on a terminal): the worker, which catches its
// signals while it reads the scripts, starts none before.
func TestSignalAtStart(t *testing.T) {
	t.Parallel()
	for _, sup := range supervisors() {
		for i := range 48 {
			group, k := i%2 == 1, i/2
			delay := time.Duration(k*k) * 25 * time.Microsecond // 0 to 13 ms, densest early
			name := sup.name + "/" + delay.String()
			if group {
				name += "/group"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				marker := uniqueSleep()
				dir := t.TempDir()
				started := filepath.Join(dir, "started")
				js := filepath.Join(dir, "r.json")
				path := writeScript(t, dir, "early.yaml", `name: early
steps:
  - run: [touch, `+started+`]
  - run: [sleep, "`+marker+`"]
`)
				cmd, out := startBinaryWith(t, sup.bin, dir, nil, "run", "--report", "json="+js, path)
				time.Sleep(delay)
				if group {
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				} else {
					_ = cmd.Process.Signal(syscall.SIGTERM)
				}
				awaitExit(t, cmd, out)
				waitNoneLeft(t, "sleep\x00"+marker, out.String())
				_, err := os.Stat(started)
				ran := err == nil
				ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
				switch {
				case ws.Signaled() && ws.Signal() == syscall.SIGTERM:
					if ran {
						t.Errorf("drover died of the signal after the script began\n%s", out)
					}
				case ws.Exited() && ws.ExitStatus() == 143:
					if !ran {
						break // Stopped before the run began: no job to report.
					}
					if _, err := os.Stat(js); err != nil {
						t.Fatalf("the script began, and no report: %v\n%s", err, out)
					}
					if r := readJSON(t, js); len(r.Jobs) != 1 || r.Jobs[0].Status != "interrupted" {
						t.Errorf("report: %+v\n%s", r, out)
					}
				default:
					t.Errorf("%s, want exit 143 or killed by SIGTERM\n%s", exitStatus(cmd), out)
				}
			})
		}
	}
}
