//go:build linux

package early

import (
	"runtime"
	"strconv"
	"syscall"
)

// drover_entry (entry_linux_amd64.s) runs before the Go runtime. For
// drover run, unless DROVER_NO_SUPERVISOR=1, it makes the process a
// child subreaper, makes the worker's pipe and writes Ready on it, blocks
// the signals (but for job control's and faults'), to take the stop
// signals that are not ignored, SIGCHLD and SIGPIPE, and forks:
//
//   - The child, the worker, gets its signal mask back and starts the Go
//     runtime: no exec, and no wait for the supervisor's runtime.
//   - The parent, the supervisor, never starts the Go runtime in the
//     common case: it waits for signals with rt_sigtimedwait, writes the
//     number of each stop signal on the pipe, and when the worker has
//     exited with a code, left no process (waitid) and no work root
//     (its word on a shared page), exits with that code. Else (the worker
//     was killed, or left something) it ignores the stop signals from then
//     on, since there is no worker to stop, and starts the Go runtime,
//     whose package launch and main end what is left (cmd/drover's
//     supervise).
//
// So a supervised run costs about what one process does: the supervisor
// is a few system calls, not a second Go runtime.

// What drover_entry leaves; it writes them before the runtime starts,
// which does not clear them.
var (
	entryRan     int64            // 1: the program started at drover_entry
	entryForked  int64            // 1: it forked a worker (this process or its parent)
	entryPid     int64            // the worker's pid, in the supervisor; 0 in the worker
	entryPipe    [2]int32         // the worker's pipe: read end, write end
	entryRandom  [8]byte          // the work root's name, the same in both processes
	entryReady   byte     = Ready // written first on the pipe
	entryAction  [4]uint64
	entryBlocked uint64 // the signals the supervisor takes
	entryAll     uint64 // the signals it blocks
	entryMask    uint64 // the signal mask the program was started with
	entryInfo    [128]byte
	entrySignal  byte
	entryStatus  int32 // the worker's wait status, once reaped
	entryReaped  int64 // 1: the supervisor reaped the worker
	// entryWord is on a page the supervisor and the worker share: the
	// worker keeps it 1 while it may leave a work root that is still
	// there, which the supervisor would have to remove.
	entryWord *uint32
)

// Reaped says, in a supervisor that came to Go after drover_entry waited
// for the worker, that the worker has exited with Status.
var (
	Reaped bool
	Status syscall.WaitStatus
)

// fromEntry takes over from drover_entry.
func fromEntry() {
	if entryForked != 1 {
		return // Drover alone.
	}
	// The worker's pid, which both processes know, keeps the name of each
	// run's root its own should getrandom have given nothing (zeros: no
	// entropy yet, early in a boot): two runs at once never share one.
	worker := entryPid
	if worker == 0 {
		worker = int64(syscall.Getpid())
	}
	root := rootName(salted(entryRandom, uint64(worker)))
	if entryPid != 0 {
		Pid, Control, Root = int(entryPid), int(entryPipe[1]), root
		Reaped, Status = entryReaped == 1, syscall.WaitStatus(entryStatus)
		return
	}
	r, w := int(entryPipe[0]), int(entryPipe[1])
	_ = syscall.Close(w) // The supervisor's end: its end of file is the supervisor's.
	if r != ControlFd {
		if err := syscall.Dup3(r, ControlFd, syscall.O_CLOEXEC); err != nil {
			return // Cannot be: drover then works as if alone, as far as it can.
		}
		_ = syscall.Close(r)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(ControlFd, &st); err != nil {
		return
	}
	// What a worker started by start has in its environment.
	_ = syscall.Setenv(WorkerVar, strconv.FormatUint(st.Ino, 10))
	_ = syscall.Setenv(WorkRootVar, root)
	if _, set := syscall.Getenv("GOMAXPROCS"); set {
		_ = syscall.Unsetenv(ProcsVar) // A stray one.
	} else {
		runtime.GOMAXPROCS(1)
		_ = syscall.Setenv(ProcsVar, "1")
	}
	*entryWord = 1
}

// rootName is the work root's name: in TMPDIR, where os.TempDir says.
func rootName(random [8]byte) string {
	tmp, _ := syscall.Getenv("TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	var n uint64
	for _, b := range random {
		n = n<<8 | uint64(b)
	}
	return tmp + "/drover-run-" + strconv.FormatUint(n, 36)
}

// salted is random with salt mixed in.
func salted(random [8]byte, salt uint64) [8]byte {
	for i := range random {
		random[7-i] ^= byte(salt >> (8 * i))
	}
	return random
}

// RootLeft tells, in a worker started by drover_entry, whether the work
// root may still be there when the worker exits (it is, until told
// otherwise): the supervisor then removes it.
func RootLeft(left bool) {
	if entryForked != 1 || entryPid != 0 || entryWord == nil {
		return
	}
	if left {
		*entryWord = 1
	} else {
		*entryWord = 0
	}
}
