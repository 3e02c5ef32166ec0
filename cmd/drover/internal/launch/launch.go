// Package launch is the supervisor's side of drover run (see
// cmd/drover/supervise_linux.go), once package early has started the
// worker: in an init function, it catches the stop signals, relays them
// to the worker and waits for it, and exits here when the worker left no
// process behind: then the rest of the program is never initialised in
// the supervisor. (Started at drover_entry, the supervisor does that
// before the Go runtime, and comes here only with the worker reaped,
// having left something: see package early.) It imports little, so that it is initialised early: Go
// initialises a package once its imports are, the first by import path
// among those ready.
//
// Elsewhere than on Linux it does nothing.
package launch

import (
	"os"
	"syscall"

	"github.com/drover-dev/drover/cmd/drover/internal/launch/early"
)

// StopSignals stop a run (see cmd/drover's stopSignals).
var StopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// WorkerVar marks the worker: it holds the inode of the pipe on
// descriptor ControlFd, and the worker removes it from its environment at
// once, so that the processes it starts never take themselves for
// workers.
const WorkerVar = early.WorkerVar

// ControlFd is the worker's descriptor of the supervisor's pipe.
const ControlFd = early.ControlFd

// Ready is the first byte the supervisor writes on the worker's pipe,
// once it catches the stop signals; each byte after it is the number of
// a stop signal the supervisor got. The worker starts nothing before it
// reads Ready (see Worker.supervise).
const Ready = early.Ready

// WorkRootVar gives the worker the directory, named by the supervisor, in
// which the jobs' ${work} directories are made: the worker makes it when
// a job first needs one, if ever, and whichever of the two outlives the
// other removes it (RemoveRoot), so that a drover killed with SIGKILL
// leaves no work directory behind either. The worker removes it from its
// environment, as WorkerVar.
const WorkRootVar = early.WorkRootVar

// ProcsVar, set to 1 in a worker's environment beside GOMAXPROCS=1,
// says that the supervisor set that GOMAXPROCS, the user having set none:
// the worker removes both from its environment at once (see OneProc).
const ProcsVar = early.ProcsVar

// OneProc is, in a worker, whether its supervisor started it with one Go
// processor (GOMAXPROCS=1, not the user's). A one-job run keeps it: it
// needs no more, and lowering GOMAXPROCS is a stop of the world that
// cost a one-step run 0.1-0.2 ms, raising it a few microseconds. A run
// of more jobs at once gets the runtime's default back (cmd/drover's
// fitProcs). The processes the worker starts never see the variables.
var OneProc bool

// DefaultProcs is, in a OneProc worker that drover_entry started, the
// runtime's default GOMAXPROCS before it was set to 1; 0 where it is not
// known (the worker was started with GOMAXPROCS=1 in its environment).
var DefaultProcs int

// NoSupervisorVar, set to 1, runs "drover run" as one process, without
// the supervisor that ends every process of its scripts when drover is
// killed (Linux).
const NoSupervisorVar = early.NoSupervisorVar

// IgnoredAtStart is the set of signals drover was started with ignored:
// SIGHUP under nohup, SIGINT and SIGQUIT in the background of a shell
// without job control. It is read before any signal.Notify, which would
// hide it.
var IgnoredAtStart map[os.Signal]bool

// Started is, in a supervisor, the worker it started, which has exited
// leaving processes behind (else the supervisor has exited already); nil
// in a worker, in drover run as one process, and in every other command.
var Started *Worker

// Worker is a worker the supervisor started, and has seen exit: when it
// left processes behind, main ends them.
type Worker struct {
	Pid     int
	Control *os.File            // the write end of the worker's pipe
	Root    string              // the directory of the jobs' ${work}, made by the worker if needed
	Signals chan os.Signal      // the stop signals, caught once the worker is started
	Exited  *syscall.WaitStatus // nil if it could not be waited for
}

// ExitCode is drover's exit code for a worker that ended as ws says: its
// own, or 128 plus the number of the signal that killed it, as a shell
// reports a process killed by it.
func ExitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// IsWorker reports whether this process is a supervisor's worker:
// WorkerVar names the pipe on ControlFd. A stray variable does not.
func IsWorker() bool { return early.IsWorker() }
