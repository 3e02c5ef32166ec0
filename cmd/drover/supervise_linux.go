//go:build linux

package main

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
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

// Linked with launch/early's EntryFlag (make build), the program starts
// at drover_entry, which for drover run is the supervisor before any Go
// code: it forks the worker, relays the stop signals and exits with the
// worker's code, starting the Go runtime only when the worker left
// something to end (see package early). Otherwise the supervisor starts
// its worker in package launch/early's init function, right after
// package syscall is initialised; then, in package launch's, it catches
// the stop signals, tells the worker so (the byte launch.Ready on the
// pipe: the worker starts nothing before it), relays them and waits for
// the worker. Either way it comes to main only when the worker left
// processes behind, to end them (supervise). See package launch.

// workRoot is, in a worker, the directory the supervisor named for the
// jobs' ${work}, made by the first of them; "" elsewhere.
var workRoot string

// supervise ends what worker w, which package launch started and has
// seen exit, left behind, and returns drover's exit code. Package launch
// relays the stop signals and waits for the worker; it exits at once
// when the worker leaves no process, and only else is this called.
func supervise(w *launch.Worker) int {
	_ = exec.BecomeSubreaper()      // Done already by launch; this starts the reaper of orphans.
	defer launch.RemoveRoot(w.Root) // After every process below is gone.
	endDescendants()
	runtime.KeepAlive(w.Control) // Closed only by this process's exit: the worker's end of file.
	if w.Exited == nil {
		return exitFailed // Cannot happen: the worker is this process's child, waited for once.
	}
	return launch.ExitCode(*w.Exited)
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

// leave, at the end of a worker that exits with code, removes the work
// root if a job made it and no process is left that could still write in
// it, and tells the supervisor whether it is still there: a supervisor
// started at drover_entry then comes to remove it (package early). When
// nothing is left, it tells that supervisor the code, which it exits with
// at once (launch.Done).
func leave(code int) {
	children := launch.HasChildren()
	if _, err := os.Lstat(workRoot); err == nil && !children {
		launch.RemoveRoot(workRoot)
	}
	_, err := os.Lstat(workRoot)
	launch.RootLeft(err == nil)
	if err != nil && !children {
		launch.Done(code)
	}
}

// relayed is where the worker delivers the stop signals its supervisor
// relays: the channel of the running interrupts, if any.
var relayed struct {
	sync.Mutex
	to chan<- os.Signal
}

// supervisorReady is closed, in a worker, when the supervisor has said
// launch.Ready: it catches the stop signals, and the worker may start
// processes (awaitSupervisor).
var supervisorReady = make(chan struct{})

// waitSupervisor waits, in a worker, for its supervisor to catch the
// stop signals, which it does while the worker starts: most often done
// long before. Should the supervisor die first, killed by a signal it
// did not catch yet, followSupervisor ends the worker, which has then
// started nothing. It waits too for the worker's own catch of those
// signals, begun before main (launch.Caught).
func waitSupervisor() {
	<-supervisorReady
	<-launch.Caught
}

// attachSupervisor makes this process a supervisor's worker, if it is
// one: it removes workerVar from the environment, keeps the pipe from
// its children, and from then on takes the stop signals from the pipe
// alone. It reports whether it is a worker.
func attachSupervisor() bool {
	if !launch.IsWorker() {
		_ = os.Unsetenv(launch.WorkerVar) // A stray one.
		_ = os.Unsetenv(launch.ProcsVar)
		return false
	}
	_ = os.Unsetenv(launch.WorkerVar) // Never fails for a valid name.
	root, hasRoot := os.LookupEnv(launch.WorkRootVar)
	_ = os.Unsetenv(launch.WorkRootVar)
	unix.CloseOnExec(launch.ControlFd)
	if hasRoot {
		workRoot = root
	}
	// The stop signals are caught already, or being caught, by package
	// launch (launch.Caught); the pipe says which to act on.
	awaitSupervisor = waitSupervisor
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
	// Non-blocking, so that the runtime's poller waits on it, not a
	// thread of its own in read(2) for the worker's whole life.
	_ = syscall.SetNonblock(launch.ControlFd, true)                 // Else a blocking read: the same, with a thread.
	go followSupervisor(os.NewFile(launch.ControlFd, "supervisor")) // For the worker's whole life.
	return true
}

// followSupervisor reads the signals the supervisor relays on f and
// delivers them; with no run to stop, it ends the worker as the signal
// would. The first byte is launch.Ready. At end of file, the supervisor
// is gone: it kills every process the worker started and exits.
func followSupervisor(f *os.File) {
	buf := make([]byte, 16)
	ready := false
	for {
		n, err := f.Read(buf)
		for _, b := range buf[:n] {
			if !ready && b == launch.Ready {
				ready = true
				close(supervisorReady)
				continue
			}
			sig := syscall.Signal(b)
			relayed.Lock()
			to := relayed.to
			if to == nil {
				// No run to stop: not begun, or over. The lock stays
				// held, so that none begins (notifyStop waits for it)
				// and starts processes while this one exits.
				exec.KillAll()
				os.Exit(signalCode(sig))
			}
			relayed.Unlock()
			select {
			case to <- sig:
			default: // Two are pending already: the run is being killed.
			}
		}
		if err != nil {
			exec.KillAll()
			if workRoot != "" {
				time.Sleep(10 * time.Millisecond) // The killed take a moment to die.
				launch.RemoveRoot(workRoot)       // If made: best effort, exiting.
			}
			os.Exit(signalCode(syscall.SIGKILL))
		}
	}
}
