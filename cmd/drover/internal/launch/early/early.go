// Package early starts drover's worker from the supervisor (see
// cmd/drover/supervise_linux.go) before the Go runtime when the program
// is linked with EntryFlag (drover_entry, entry_linux.go), else as soon
// as a Go program can: in an init
// function that Go runs right after package syscall's, before package os
// and everything else drover links. Go initialises a package once its
// imports are, the first by import path among those ready; this one
// imports syscall and a few packages that need nothing, and so comes
// about 0.2 ms sooner than package launch, which needs os and os/signal.
// The rest of the supervisor's preparations (catching the stop signals)
// then overlap the worker's start; package launch does them and waits.
//
// Package os is not initialised yet here: this package reads its
// arguments and environment from the kernel and package syscall.
//
// Elsewhere than on Linux it does nothing.
package early

// EntryFlag is the linker flag (go build -ldflags=...) that makes
// drover_entry the program's entry point, on Linux; make build passes it.
// Where HasEntry says, drover_entry starts the worker before the Go
// runtime, and stands as the supervisor without one (see entry_linux.go):
// a supervised run then starts in about the time of one process;
// elsewhere on Linux it is the runtime's entry point. A program linked
// without it works the same, its worker started from this package's init,
// 1-2 ms later.
const EntryFlag = "-E=drover_entry"

// HasEntry reports whether drover_entry is written for goos/goarch, not
// only a jump to the runtime's entry point.
func HasEntry(goos, goarch string) bool { return goos == "linux" && goarch == "amd64" }

// Ready is the first byte a supervisor writes on the worker's pipe (see
// package launch); drover_entry writes it before the worker exists.
const Ready = 0

// WorkerVar marks the worker: it holds the inode of the pipe on
// descriptor ControlFd, and the worker removes it from its environment at
// once, so that the processes it starts never take themselves for
// workers.
const WorkerVar = "DROVER_WORKER"

// ControlFd is the worker's descriptor of the supervisor's pipe.
const ControlFd = 3

// WorkRootVar gives the worker the directory, named by the supervisor, in
// which the jobs' ${work} directories are made (see package launch).
const WorkRootVar = "DROVER_WORK_ROOT"

// ProcsVar, set to 1 in a worker's environment beside GOMAXPROCS=1, says
// that the supervisor set that GOMAXPROCS, the user having set none (see
// launch.OneProc).
const ProcsVar = "DROVER_WORKER_PROCS"

// NoSupervisorVar, set to 1, runs "drover run" as one process, without
// the supervisor that ends every process of its scripts when drover is
// killed (Linux).
const NoSupervisorVar = "DROVER_NO_SUPERVISOR"

// The worker this process started, as a supervisor: Pid is 0 when it
// started none (it is no supervisor, or could not start one: drover then
// does the work itself).
var (
	Pid     int
	Control int    = -1 // the write end of the worker's pipe
	Root    string      // the directory of the jobs' ${work}, made by the worker if needed
)
