//go:build linux

package launch

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/drover-dev/drover/cmd/drover/internal/launch/early"
)

func init() {
	if IsWorker() {
		ignoredAtStart()
		if os.Getenv(ProcsVar) == "1" {
			OneProc, DefaultProcs = true, early.DefaultProcs
			_ = os.Unsetenv("GOMAXPROCS") // Never fails for a valid name.
		}
		_ = os.Unsetenv(ProcsVar)
		go catchEarly()
		return
	}
	// Package early started the worker, if it could (else drover does
	// the work itself): the supervisor's own preparations below (a
	// signal.Notify, a GOMAXPROCS) then overlap the worker's start
	// instead of delaying it by half a millisecond. The worker inherits
	// the dispositions drover was started with, as they still are.
	ignoredAtStart()
	if early.Pid == 0 {
		return
	}
	if early.Remover {
		signal.Ignore(StopSignals...)
		RemoveRoot(early.Root)
		os.Exit(0) // Its parent, drover_entry, has the exit code.
	}
	Started = &Worker{Pid: early.Pid, Control: os.NewFile(uintptr(early.Control), "worker"), Root: early.Root, Signals: make(chan os.Signal, 4)}
	if early.Reaped {
		// drover_entry waited for the worker, and could not end what it
		// left by itself: with no worker to stop, a stop signal would only
		// end this process before it ends what is left. It ignores them
		// until its exit, as drover_entry did before the runtime started.
		signal.Ignore(StopSignals...)
		ws := early.Status
		Started.Exited = &ws
		return
	}
	// The supervisor only waits: one P spares it the threads, and the CPU
	// the worker needs, that an idle second P costs whenever it blocks
	// (0.93x the wall time of a one-step run). GOMAXPROCS set in the
	// environment wins; the worker, started with the environment, is not
	// affected either way.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
	Started.supervise()
}

// ignoredAtStart sets IgnoredAtStart, before any signal.Notify of this
// process.
func ignoredAtStart() {
	IgnoredAtStart = map[os.Signal]bool{}
	for n := 1; n < 65; n++ {
		if sig := syscall.Signal(n); signal.Ignored(sig) {
			IgnoredAtStart[sig] = true
		}
	}
}

// Caught is closed, in a worker, once catchEarly has caught the stop
// signals and SIGPIPE: the worker starts no process before (cmd/drover's
// awaitSupervisor).
var Caught = make(chan struct{})

// catchEarly catches, in a worker, the signals it must not die of: the
// stop signals, which it acts on only when the supervisor relays them
// (cmd/drover's attachSupervisor), and SIGPIPE (a closed stdout must not
// kill it before it ends its scripts' processes). The first
// signal.Notify of each signal starts the runtime's signal thread and
// hands the signal to it, a round trip between threads each, a quarter
// of a millisecond in all; done here, from an init function, by a
// goroutine of its own, it runs when main first waits, and main waits
// for Caught only before it starts processes, its scripts read: main
// catches nothing itself, which would only wait for this one's lock
// (0.02-0.05 ms of a one-step run; 2 processors from the start, for the
// catching to overlap the parse, cost a one-job run more in the stop of
// the world that gives it one back). The channel is never read: Notify
// drops what does not fit. A stop signal before Caught ends the worker
// by default, which has then started nothing; its supervisor exits as
// the worker did. Caught waits for that end too, when another thread
// has the signal in hand (settleSignals).
//
// It also has package os probe that pidfds work, which it does once,
// before its first process start, with a process of its own (clone,
// exit, wait): os.FindProcess runs the probe too. The first job's spawn
// then starts its process at once, 0.1 ms sooner. The probe has a
// goroutine of its own, beside the signals': the clone does not give up
// its processor, and main, woken by Caught, would wait behind it. Its
// thread blocks the signals meanwhile: the probe's process shares this
// one's memory and, unlike a process package os starts, takes signals
// with the Go runtime's handlers, and a stop signal sent to drover's
// process group reaches it too, whose handler then crashes the worker
// ("fatal: morestack on gsignal"). Blocked, it stays pending in that
// process, which exits.
func catchEarly() {
	go blockingSignals(func() {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Release() // Its pidfd: nothing else to release.
		}
	})
	signal.Notify(make(chan os.Signal, 1), append([]os.Signal{syscall.SIGPIPE}, StopSignals...)...)
	settleSignals(time.Second)
	close(Caught)
}

// blockingSignals runs f on a thread of its own that blocks every signal
// that comes from outside meanwhile (SIGKILL and SIGSTOP cannot be): a
// process cloned there starts with them blocked. The signals of a fault
// (SIGSEGV, SIGBUS, ...) are left alone: blocked, a fault in f would kill
// the program instead of panicking.
func blockingSignals(f func()) {
	runtime.LockOSThread() // The signal mask is the thread's.
	defer runtime.UnlockOSThread()
	var all, was unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^all.Val[i]
	}
	bits := int(unsafe.Sizeof(all.Val[0])) * 8 // 32 or 64, by system
	for _, sig := range faultSignals {
		n := int(sig) - 1
		all.Val[n/bits] &^= 1 << (n % bits)
	}
	if unix.PthreadSigmask(unix.SIG_BLOCK, &all, &was) == nil {
		defer func() { _ = unix.PthreadSigmask(unix.SIG_SETMASK, &was, nil) }()
	}
	f()
}

// settleSignals waits, right after a signal.Notify of the stop signals,
// until no other thread of this process runs a signal handler, for at
// most timeout: a stop signal that came before the Notify may be in the
// hands of another thread, whose handler, having found it not caught
// yet, kills the process with it (the runtime's dieFromSignal) however
// late it gets the CPU back, long after Notify has returned. Under load,
// that took milliseconds: enough for a supervisor to say Ready, and die
// of the signal once its worker had started a script. A handler that
// begins after the Notify finds the signal caught, and only delivers it.
//
// The Go runtime masks every signal while its handler runs, the fault
// signals included, which its threads otherwise never block (but for the
// moment of a thread's creation, a fork, or its exit; blockingSignals
// leaves them too): a thread with SIGSEGV or SIGBUS blocked is in a
// handler. Only the threads there are now can be: one made later finds
// the signals caught. Without /proc, it waits for nothing.
func settleSignals(timeout time.Duration) {
	fd, err := syscall.Open("/proc/self/task", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	var tids []string
	buf := make([]byte, 4096)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			break
		}
		_, _, tids = syscall.ParseDirent(buf[:n], -1, tids)
	}
	_ = syscall.Close(fd) // Read only.
	self := strconv.Itoa(syscall.Gettid())
	deadline := time.Now().Add(timeout)
	for _, tid := range tids {
		if tid == self {
			continue // Runs this, not a handler.
		}
		for inHandler(tid, buf) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Microsecond) // Its CPU, if it waits for one.
		}
	}
}

// handlerMask are the signals whose being blocked in a thread says that it
// runs a signal handler (see settleSignals).
const handlerMask = 1<<(syscall.SIGSEGV-1) | 1<<(syscall.SIGBUS-1)

// inHandler reports whether thread tid of this process blocks the fault
// signals, as in a signal handler, reading its stat into buf; false if
// it is gone or its stat unreadable. The stat's field of the blocked
// signals (the 32nd) has only the first 31, SIGSEGV and SIGBUS among
// them; the status's SigBlk has them all, and costs half as much again.
func inHandler(tid string, buf []byte) bool {
	fd, err := syscall.Open("/proc/self/task/"+tid+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	n, err := syscall.Read(fd, buf)
	if err != nil || n <= 0 {
		return false
	}
	s := string(buf[:n])
	i := strings.LastIndexByte(s, ')') // After the name, which may hold anything.
	if i < 0 {
		return false
	}
	fields := strings.Fields(s[i+1:]) // From the 3rd.
	if len(fields) < 30 {
		return false
	}
	blocked, err := strconv.ParseUint(fields[32-3], 10, 64)
	return err == nil && blocked&handlerMask != 0
}

// faultSignals are those a program's own faults raise.
var faultSignals = []syscall.Signal{syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL, syscall.SIGTRAP, syscall.SIGSYS}

// supervise catches the stop signals, tells the worker it may begin (the
// byte Ready on its pipe), relays the signals to it and waits for it to
// exit. When it leaves no process behind, the common case, the
// supervisor's work is done: it removes the work root and exits here,
// without initialising the rest of the program, which would only compete
// with the worker for the CPU. Else it returns, and main ends the
// processes left (cmd/drover's supervise), with package exec.
//
// The signals are caught after the worker's start, not before: the first
// signal.Notify of each costs about 0.1 ms (a round trip to the
// runtime's signal thread), which the worker's start now overlaps. A
// stop signal before they are caught ends the supervisor by default; the
// worker, which waits for Ready before it starts anything, then finds
// its pipe closed and exits having done nothing: as if the signal had
// come before the start. Ready waits for that end too, when another
// thread has the signal in hand (settleSignals). The signals drover was started with ignored
// are left ignored: they are not relayed.
func (w *Worker) supervise() {
	var stops []os.Signal
	for _, sig := range StopSignals {
		if !IgnoredAtStart[sig] {
			stops = append(stops, sig)
		}
	}
	signal.Notify(w.Signals, stops...)
	settleSignals(time.Second)
	_, _ = w.Control.Write([]byte{Ready}) // EPIPE: the worker has exited.
	// It lives as long as the supervisor: signals may come until it exits.
	go func() {
		for sig := range w.Signals {
			if n, ok := sig.(syscall.Signal); ok {
				_, _ = w.Control.Write([]byte{byte(n)}) // EPIPE: the worker has exited.
			}
		}
	}()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(w.Pid, &ws, 0, nil)
		if err == nil {
			w.Exited = &ws
		}
		if err != syscall.EINTR {
			break
		}
	}
	if w.Exited == nil || HasChildren() {
		return
	}
	RemoveRoot(w.Root)    // Best effort: exiting.
	os.Exit(ExitCode(ws)) // Closes Control: nobody reads it any more.
}

// HasChildren reports whether this process has a child, running or not
// yet reaped, without reaping it (waitid's WNOWAIT); in doubt, yes. Once
// the worker is reaped, a child is a process of its tree that it left.
// package exec has its own (peekChild): this package cannot import exec,
// nor golang.org/x/sys, without being initialised after them.
func HasChildren() bool {
	const pAll = 0 // P_ALL, which package syscall lacks
	var si [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&si)), syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT|syscall.WALL, 0, 0)
		if errno != syscall.EINTR {
			return errno != syscall.ECHILD
		}
	}
}

// RemoveRoot removes root, the jobs' work root that the worker makes
// when first needed, if it is there and this user's: not what another
// user may have put under its name, which the worker refused to use. In
// a directory with the sticky bit, such as /tmp, nobody else can replace
// this user's directory between the check and the removal.
func RemoveRoot(root string) {
	var st syscall.Stat_t
	if root == "" || syscall.Lstat(root, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR || int(st.Uid) != os.Geteuid() {
		return
	}
	_ = os.RemoveAll(root) // Best effort: exiting.
}

// RootLeft tells, in a worker, whether the work root may still be there
// when it exits (see package early).
func RootLeft(left bool) { early.RootLeft(left) }

// Done tells, in a worker, that it exits with code and leaves nothing: no
// process, no work root (see package early).
func Done(code int) { early.Done(code) }
