package main

import (
	"flag"
	"fmt"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linked as make build links it, drover run's supervisor is
// drover_entry: one thread and little memory, no Go runtime, while the
// worker runs the scripts; a supervisor that started the Go runtime has
// several threads and megabytes.
func TestEntrySupervisorIsSmall(t *testing.T) {
	t.Parallel()
	if droverExec == drover {
		t.Skip("drover_entry is not written for " + runtime.GOOS + "/" + runtime.GOARCH)
	}
	marker := uniqueSleep()
	dir := t.TempDir()
	path := writeScript(t, dir, "small.yaml", `name: small
steps:
  - run: [sleep, "`+marker+`"]
`)
	cmd, out := startDroverWith(t, dir, nil, "run", path)
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
	awaitExit(t, cmd, out)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Threads:\s+1$`).Match(status) {
		t.Errorf("the supervisor has more than one thread:\n%s", status)
	}
	// 144 KiB static (16 of them its own), 1.2 MiB linked with the C
	// library as this test builds it; a Go supervisor has 5.5 MiB.
	if m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB$`).FindSubmatch(status); m == nil {
		t.Errorf("no VmRSS in the supervisor's status:\n%s", status)
	} else if kb, _ := strconv.Atoi(string(m[1])); kb > 3<<10 {
		t.Errorf("the supervisor's RSS is %d KiB, want under 3 MiB", kb)
	}
	if st := exitStatus(cmd); st != "exit 143" {
		t.Errorf("after SIGTERM, relayed to the worker: %s, want exit 143\n%s", st, out)
	}
}

// The processes of a script start with no signal blocked, however
// drover started its worker: drover_entry blocks them in the supervisor,
// never in the worker. (Their dispositions: TestChildrenGetDefaultSignals.)
func TestScriptsGetSignalMask(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		dir := t.TempDir()
		path := writeScript(t, dir, "mask.yaml", `name: mask
steps:
  - run: {shell: "grep -E '^SigBlk' /proc/self/status | tr '\\n\\t' '  '", capture: seen}
  - log: seen ${seen}
`)
		cmd, out := startBinaryWith(t, bin, dir, nil, "run", path)
		awaitExit(t, cmd, out)
		if !strings.Contains(out.String(), "seen SigBlk: 0000000000000000") {
			t.Errorf("%s: want no signal blocked in a script's process\n%s", exitStatus(cmd), out)
		}
	})
}

// Signals drover does not act on (SIGUSR1, SIGALRM) leave a run alone,
// sent to the supervisor as to a Go program: they do not end it, nor its
// worker by the supervisor's end.
func TestSupervisorIgnoresOtherSignals(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		marker := uniqueSleep()
		dir := t.TempDir()
		path := writeScript(t, dir, "other.yaml", `name: other
steps:
  - run: [sh, -c, "sleep 1", "`+marker+`"]
`)
		cmd, out := startBinaryWith(t, bin, dir, nil, "run", path)
		awaitProcesses(t, cmd, out, "sleep 1\x00"+marker, 1)
		for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGALRM, syscall.SIGUSR2} {
			_ = syscall.Kill(cmd.Process.Pid, sig)
		}
		awaitExit(t, cmd, out)
		if cmd.ProcessState.ExitCode() != 0 {
			t.Errorf("%s, want exit 0: the run goes on\n%s", exitStatus(cmd), out)
		}
	})
}

// A daemon a job leaves in its ${work}, with a cleared environment, is
// ended at the run's end (exec.KillAll), and the work root goes too,
// whether the worker removes it, nothing being left, or leaves it to the
// supervisor, the daemon still dying as the worker exits.
func TestDaemonInWorkEnded(t *testing.T) {
	t.Parallel()
	eachSupervisor(t, func(t *testing.T, bin string) {
		marker := uniqueSleep()
		dir := t.TempDir()
		tmp := filepath.Join(dir, "tmp")
		if err := os.Mkdir(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		path := writeScript(t, dir, "daemon.yaml", `name: daemon
steps:
  - run: {shell: "setsid env -i sleep `+marker+` </dev/null >/dev/null 2>&1 &", dir: "${work}"}
`)
		cmd, out := startBinaryWith(t, bin, dir, []string{"TMPDIR=" + tmp}, "run", path)
		awaitExit(t, cmd, out)
		if cmd.ProcessState.ExitCode() != 0 {
			t.Errorf("%s, want exit 0\n%s", exitStatus(cmd), out)
		}
		waitNoneLeft(t, "sleep\x00"+marker, out.String())
		if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
			t.Errorf("left in $TMPDIR after the run: %v\n%s", entries, out)
		}
	})
}

// DROVER_NO_SUPERVISOR=1, and only that value, runs drover run as one
// process: no worker below the process started, the scripts' processes
// its own children. drover_entry reads it from the environment itself.
func TestNoSupervisorValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		value   string
		workers int
	}{{"1", 0}, {"10", 1}, {"", 1}} {
		t.Run("value="+c.value, func(t *testing.T) {
			t.Parallel()
			eachSupervisor(t, func(t *testing.T, bin string) {
				marker := uniqueSleep()
				dir := t.TempDir()
				path := writeScript(t, dir, "alone.yaml", "steps:\n  - run: [sleep, \""+marker+"\"]\n")
				cmd, out := startBinaryWith(t, bin, dir, []string{"DROVER_NO_SUPERVISOR=" + c.value}, "run", path)
				awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
				workers := workersOf(t, cmd.Process.Pid, bin)
				_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
				awaitExit(t, cmd, out)
				if len(workers) != c.workers {
					t.Errorf("DROVER_NO_SUPERVISOR=%q: workers %v below drover, want %d\n%s", c.value, workers, c.workers, out)
				}
			})
		})
	}
}

// A worker that leaves nothing tells its supervisor the code it exits
// with, just before its exit (launch.Done): drover exits with that code
// at once, not once the kernel has freed the worker's memory (a third of
// a millisecond, more for a larger heap). Seen from a subreaper above
// drover, the worker then ends after drover, an orphan of the subreaper;
// a supervisor that waits for its worker reaps it itself. The worker's
// end may win the race on a busy machine: one orphan in up to 20 runs
// says the supervisor did not wait. And what reads drover's output sees
// its end with drover's: a worker caught still running once drover has
// exited has its standard output closed.
func TestSupervisorExitsWhenWorkerIsDone(t *testing.T) {
	t.Parallel()
	if droverExec == drover {
		t.Skip("drover_entry is not written for " + runtime.GOOS + "/" + runtime.GOARCH)
	}
	dir := t.TempDir()
	// Some 40 MB of captured output: a worker whose memory takes the
	// kernel milliseconds to free, long enough to be seen running.
	var big strings.Builder
	for i := range 20 {
		fmt.Fprintf(&big, "  - run: {shell: \"head -c 2000000 /dev/zero | tr '\\\\0' x\", capture: c%d}\n", i)
	}
	path := writeScript(t, dir, "done.yaml", "name: done\nsteps:\n"+big.String()+"  - run: [sh, -c, \"exit 3\"]\n")
	for range 20 {
		out, err := helperProcess("subreaper", drover, "run", path).CombinedOutput()
		if err != nil {
			t.Fatalf("the subreaper: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "drover: exit 1\n") {
			t.Fatalf("want drover's exit 1 (a failed run), the worker's code\n%s", out)
		}
		if strings.Contains(string(out), "running, stdout open") {
			t.Fatalf("the worker still had its standard output open once drover exited\n%s", out)
		}
		if strings.Contains(string(out), "orphan: drover\n") && strings.Contains(string(out), "running, stdout closed") {
			return
		}
	}
	t.Error("in 20 runs, drover never exited while its worker still ran: the supervisor waits for the worker")
}

// helperProcess is this test binary run as the helper process mode of
// TestHelperProcess, with argv.
func helperProcess(mode string, argv ...string) *osexec.Cmd {
	self, err := os.Executable() // os.Args[0] may be relative, and the helper runs in a test's directory.
	if err != nil {
		self = os.Args[0]
	}
	cmd := osexec.Command(self, append([]string{"-test.run=^TestHelperProcess$", "--"}, argv...)...)
	cmd.Env = append(os.Environ(), helperVar+"="+mode)
	return cmd
}

// TestHelperProcess is a helper process, not a test (see helperVar):
//
//   - subreaper: a child subreaper that runs argv, prints "drover: exit
//     N" and, for each child it then has that still runs, "running,
//     stdout open" or "closed", then reaps what drover left, the orphans
//     of its tree, printing "orphan: COMM" for each;
//   - ignore-sigchld: execs argv with SIGCHLD ignored, as some programs
//     leave it to what they start.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperVar)
	if mode == "" {
		t.Skip("a helper process of other tests")
	}
	argv := flag.Args()
	switch mode {
	case "ignore-sigchld":
		signal.Ignore(syscall.SIGCHLD)
		err := syscall.Exec(argv[0], argv, os.Environ())
		t.Fatal(err)
	case "subreaper":
		subreaper(argv)
	}
	t.Fatalf("no helper %q", mode)
}

// subreaper is TestHelperProcess's subreaper.
func subreaper(argv []string) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	cmd := osexec.Command(argv[0], argv[1:]...)
	_ = cmd.Run() // Its code is what is seen.
	fmt.Printf("drover: exit %d\n", cmd.ProcessState.ExitCode())
	for _, pid := range childrenOf(os.Getpid()) {
		// A thread not yet a zombie: the last to exit frees the memory,
		// then closes the files, while the first may be a zombie already.
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*")
		for _, task := range tasks {
			if tid, _ := strconv.Atoi(filepath.Base(task)); alive(tid) {
				if _, err := os.Lstat(task + "/fd/1"); err == nil {
					fmt.Println("running, stdout open")
				} else {
					fmt.Println("running, stdout closed")
				}
				break
			}
		}
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		var si unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &si, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.ECHILD {
			os.Exit(0)
		}
		pid := int(*(*int32)(unsafe.Pointer(uintptr(unsafe.Pointer(&si)) + 16))) // si_pid, which unix.Siginfo does not name
		if err != nil || pid == 0 {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm") // A zombie's too.
		fmt.Printf("orphan: %s", comm)
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, 0, nil)
	}
	fmt.Println("orphans still there after 10 s")
	os.Exit(1)
}
