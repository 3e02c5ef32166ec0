//go:build linux

package early

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// drover_entry (entry_linux_amd64.s) runs before the Go runtime. For
// drover run, unless DROVER_NO_SUPERVISOR=1, it makes the process a
// child subreaper, makes the worker's pipe and writes Ready on it, blocks
// the signals (but for job control's and faults'), to take the stop
// signals that are not ignored, SIGCHLD and SIGPIPE, sets SIGCHLD to its
// default (ignored, the worker's exit would say nothing), and forks:
//
//   - The child, the worker, gets its signal mask back and starts the Go
//     runtime: no exec, and no wait for the supervisor's runtime.
//   - The parent, the supervisor, never starts the Go runtime but to
//     remove a work root the worker left: it waits for signals with
//     rt_sigtimedwait and writes the number of each stop signal on the
//     pipe. Once it reaped the worker, it ignores the stop signals (there
//     is no worker to stop, and what the worker left must be ended), kills
//     every child it has, orphans of the worker's tree, reaps them and
//     does it again until none is left, then exits with the worker's code
//     (128 plus the signal that killed it). If the work root the worker
//     names on a page they share is still there, a child of it in a
//     process group of its own starts the Go runtime only to remove it
//     (package launch), while it waits: a signal in the child's first
//     moment, before launch ignores them again (the runtime catches
//     SIGTERM and SIGQUIT however they were left), could only leave that
//     directory, never a process, nor change drover's exit code. (Should
//     /proc/thread-self be missing, or processes still be there after
//     10 s, the supervisor itself starts the Go runtime, whose package
//     launch and main go on as cmd/drover's supervise.) A worker that
//     leaves nothing says so before it exits (Done): the supervisor then
//     exits with its code at once, instead of waiting for the kernel to
//     free the worker's memory (0.3 ms).
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
	// entryPage is a page the supervisor and the worker share: the worker
	// keeps the work root's name there (NUL-terminated) while it may leave
	// the root behind, for the supervisor to remove, and clears it once it
	// removed it or made none. Its last four bytes are the word of Done.
	entryPage *[4096]byte
	// The supervisor's, ending what a worker left.
	entryLeft int32      // a wait status
	entryBuf  [4096]byte // /proc/thread-self/children, read
	entryNap  [2]int64   // a millisecond, as a timespec
	entryStat [144]byte  // a struct stat
	// 1 in the child the supervisor starts to remove the work root.
	entryRemover int64
)

// workerRoot is, in a worker drover_entry started, its work root's name;
// supervisor is its supervisor's pid.
var (
	workerRoot string
	supervisor int
)

// doneAt is where Done's word is on the page: after the longest name.
const doneAt = len(entryPage) - 4

// DefaultProcs is, in a worker drover_entry started that set its
// GOMAXPROCS to 1, the runtime's default it had before: what launch's
// OneProc worker gets back for several jobs.
var DefaultProcs int

// Reaped says, in a supervisor that came to Go after drover_entry waited
// for the worker, that the worker has exited with Status. Remover says
// this process is the child such a supervisor started only to remove
// Root, every process being ended.
var (
	Reaped  bool
	Status  syscall.WaitStatus
	Remover bool
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
		Remover = entryRemover == 1
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
	workerRoot, supervisor = root, syscall.Getppid()
	if _, set := syscall.Getenv("GOMAXPROCS"); set {
		_ = syscall.Unsetenv(ProcsVar) // A stray one.
	} else {
		DefaultProcs = runtime.GOMAXPROCS(1)
		_ = syscall.Setenv(ProcsVar, "1")
	}
	RootLeft(true)
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
	if entryForked != 1 || entryPid != 0 || entryPage == nil {
		return
	}
	root := workerRoot
	if !left || root == "" {
		entryPage[0] = 0
		return
	}
	if len(root) >= doneAt {
		root = "/" // Cannot be (PATH_MAX): a name that is there, so the supervisor comes to look.
	}
	entryPage[copy(entryPage[:], root)] = 0
}

// Done tells, in a worker drover_entry started, that it is about to exit
// with code, leaving no process and no work root (RootLeft(false) came
// first). Its supervisor, woken by a SIGCHLD, then exits with that code
// at once: the rest of the worker's exit, the kernel freeing its memory,
// is a third of a millisecond that no user waits for. The word is 0x100
// plus the code's low byte, what exit_group keeps of it.
func Done(code int) {
	if entryForked != 1 || entryPid != 0 || entryPage == nil || entryPage[0] != 0 {
		return
	}
	if supervisor <= 1 || syscall.Getppid() != supervisor {
		return // Its supervisor is gone: the worker is on its own.
	}
	// What reads drover's output (a pipe, a test's buffer) sees its end
	// with drover's, not the worker's: nothing is written after this.
	for fd := range 3 {
		_ = syscall.Close(fd)
	}
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&entryPage[doneAt])), 0x100|uint32(code&0xff))
	_ = syscall.Kill(supervisor, syscall.SIGCHLD)
}
