//go:build linux

package main

import (
	"errors"
	"os"
	osexec "os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/drover-dev/drover/exec"
)

// On Linux "drover run" is two processes, so that no process of a script
// outlives drover even when drover is killed with SIGKILL, by hand or by
// the OOM killer. The process the user starts is a supervisor that only
// waits; its child, the worker, is the same program and does the work.
//
//   - The supervisor is a child subreaper. When the worker dies, however
//     it dies, every process it started, daemons included, is handed to
//     the supervisor, which kills them all, reaps them, and exits with
//     the worker's status (128 plus the signal that killed it).
//   - The worker reads a pipe, on descriptor 3, whose write end only the
//     supervisor holds. End of file means the supervisor is gone: the
//     worker kills every process it started (exec.KillAll) and exits.
//
// The stop signals (stopSignals) reach the worker through that pipe: the
// supervisor catches them and writes each one's number. The worker
// catches them too, so that its children start with the default
// dispositions, but acts only on what the pipe says: Ctrl-C on a
// terminal signals both processes (they share a process group, the
// terminal's foreground group), and acting on both would make one Ctrl-C
// count as two.

// workerVar marks the worker: it holds the inode of the pipe on
// descriptor 3, and the worker removes it from its environment at once,
// so that the processes it starts never take themselves for workers.
const workerVar = "DROVER_WORKER"

// controlFd is the worker's descriptor of the supervisor's pipe.
const controlFd = 3

// workRootVar gives the worker the directory, made by the supervisor, in
// which the jobs' ${work} directories are made: whichever of the two
// outlives the other removes it, so that a drover killed with SIGKILL
// leaves no work directory behind either. The worker removes it from its
// environment, as workerVar.
const workRootVar = "DROVER_WORK_ROOT"

// workRoot is, in a worker, the supervisor's directory for the jobs'
// ${work}; "" elsewhere.
var workRoot string

// supervise runs drover as the supervisor of a worker that runs the
// scripts, and returns the exit code once the worker and every process
// below it are gone. ok is false when the supervisor cannot be set up
// (no subreaper, /proc/self/exe unusable): the caller then does the work
// itself. ignored are the signals drover was started with ignored: the
// supervisor catches them, so that the worker gets the default, but does
// not relay them.
func supervise(ignored map[os.Signal]bool) (code int, ok bool) {
	if exec.BecomeSubreaper() != nil {
		return 0, false
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false
	}
	st, err := r.Stat()
	if err != nil {
		return 0, false
	}
	ino := st.Sys().(*syscall.Stat_t).Ino
	env := append(os.Environ(), workerVar+"="+strconv.FormatUint(ino, 10))
	root, err := os.MkdirTemp("", "drover-run-")
	if err == nil {
		defer os.RemoveAll(root) // After every process below is gone.
		env = append(env, workRootVar+"="+root)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, stopSignals...) // Before the worker starts: it then gets the defaults.
	worker := &osexec.Cmd{
		Path:       "/proc/self/exe",
		Args:       os.Args,
		Env:        env,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{r},
	}
	err = worker.Start()
	_ = r.Close() // The worker's now.
	if err != nil {
		signal.Stop(sigs)
		_ = w.Close() // Never written.
		return 0, false
	}
	go func() { // It lives as long as the supervisor: signals may come until it exits.
		for sig := range sigs {
			if n, ok := sig.(syscall.Signal); ok && !ignored[sig] {
				_, _ = w.Write([]byte{byte(n)}) // EPIPE: the worker has exited.
			}
		}
	}()
	_ = worker.Wait() // Its status is in ProcessState.
	endDescendants()
	runtime.KeepAlive(w) // Closed only by this process's exit: the worker's end of file.
	ws := worker.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return signalCode(ws.Signal()), true
	}
	return ws.ExitStatus(), true
}

// endDescendants kills every process below this one and reaps those
// handed to it, until none is left (or, for a process that cannot die,
// 10 s have passed): each is killed before it can notice its parent's
// death and fork again. The worker is reaped already, so every child
// left is an orphan of its tree, and this process waits for nothing
// else: reaping any child is safe.
func endDescendants() {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if errors.Is(err, syscall.ECHILD) {
				return // No child left: most often at once, the worker having ended its own.
			}
			if pid <= 0 || err != nil {
				break
			}
		}
		// The tree alone: the supervisor started nothing marked itself, so
		// KillAll's look at every process's environment would find nothing.
		exec.KillDescendants()
		time.Sleep(time.Millisecond) // Killed processes take a moment to die.
	}
}

// relayed is where the worker delivers the stop signals its supervisor
// relays: the channel of the running interrupts, if any.
var relayed struct {
	sync.Mutex
	to chan<- os.Signal
}

// attachSupervisor makes this process a supervisor's worker, if it is
// one: it removes workerVar from the environment, keeps the pipe from
// its children, catches the stop signals, and from then on takes them
// from the pipe alone. It reports whether it is a worker.
func attachSupervisor() bool {
	v, ok := os.LookupEnv(workerVar)
	if !ok {
		return false
	}
	_ = os.Unsetenv(workerVar) // Never fails for a valid name.
	root, hasRoot := os.LookupEnv(workRootVar)
	_ = os.Unsetenv(workRootVar)
	var st unix.Stat_t
	if err := unix.Fstat(controlFd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO || strconv.FormatUint(st.Ino, 10) != v {
		return false // Not the supervisor's pipe: a stray variable.
	}
	unix.CloseOnExec(controlFd)
	if hasRoot {
		workRoot = root
	}
	signal.Notify(make(chan os.Signal, 1), stopSignals...) // Never read: the pipe says which to act on.
	notifyStop = func(c chan<- os.Signal) func() {
		relayed.Lock()
		defer relayed.Unlock()
		relayed.to = c
		return func() {
			relayed.Lock()
			defer relayed.Unlock()
			if relayed.to == c {
				relayed.to = nil
			}
		}
	}
	go followSupervisor(os.NewFile(controlFd, "supervisor")) // For the worker's whole life.
	return true
}

// followSupervisor reads the signals the supervisor relays on f and
// delivers them; with no run to stop, it ends the worker as the signal
// would. At end of file, the supervisor is gone: it kills every process
// the worker started and exits.
func followSupervisor(f *os.File) {
	buf := make([]byte, 16)
	for {
		n, err := f.Read(buf)
		for _, b := range buf[:n] {
			sig := syscall.Signal(b)
			relayed.Lock()
			to := relayed.to
			relayed.Unlock()
			if to == nil {
				exec.KillAll()
				os.Exit(signalCode(sig))
			}
			select {
			case to <- sig:
			default: // Two are pending already: the run is being killed.
			}
		}
		if err != nil {
			exec.KillAll()
			if workRoot != "" {
				time.Sleep(10 * time.Millisecond) // The killed take a moment to die.
				_ = os.RemoveAll(workRoot)        // Best effort: exiting.
			}
			os.Exit(signalCode(syscall.SIGKILL))
		}
	}
}
