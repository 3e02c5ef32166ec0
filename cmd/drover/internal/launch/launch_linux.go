//go:build linux

package launch

import (
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// prSetChildSubreaper is Linux's PR_SET_CHILD_SUBREAPER, which package
// syscall lacks. Not taken from golang.org/x/sys/unix: importing it would
// initialise this package later.
const prSetChildSubreaper = 36

func init() {
	if IsWorker() {
		ignoredAtStart()
		if os.Getenv(ProcsVar) == "1" {
			OneProc = true
			_ = os.Unsetenv("GOMAXPROCS") // Never fails for a valid name.
		}
		_ = os.Unsetenv(ProcsVar)
		go catchEarly()
		return
	}
	if !supervised(os.Args[1:]) {
		ignoredAtStart()
		return
	}
	// The worker first: the supervisor's own preparations below (a
	// signal.Notify, a GOMAXPROCS) then overlap the worker's start
	// instead of delaying it by half a millisecond. The worker inherits
	// the dispositions drover was started with, as they still are.
	Started = start() // nil if it could not: drover then does the work itself.
	ignoredAtStart()
	if Started == nil {
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

// catchEarly catches, in a worker, the signals its main catches first
// thing, all the same (cmd/drover's attachSupervisor, keepIgnored and
// exec.BecomeSubreaper): the stop signals, SIGCHLD and SIGPIPE. The
// first signal.Notify of each signal starts the runtime's signal thread
// and hands the signal to it, a round trip between threads each; done
// here, from an init function, by a goroutine of its own, it overlaps the
// initialisation of the rest of the program instead of delaying main by
// a quarter of a millisecond. main's own signal.Notify calls then cost
// a map update each. The channel is never read: Notify drops what does
// not fit. In a worker, a stop signal is acted on only when the
// supervisor relays it, so catching them before main changes nothing.
//
// It also has package os probe that pidfds work, which it does once,
// before its first process start, with a process of its own (clone,
// exit, wait): os.FindProcess runs the probe too. The first job's spawn
// then starts its process at once, 0.1 ms sooner.
func catchEarly() {
	signal.Notify(make(chan os.Signal, 1), append([]os.Signal{syscall.SIGCHLD, syscall.SIGPIPE}, StopSignals...)...)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Release() // Its pidfd: nothing else to release.
	}
}

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
// come before the start. The signals drover was started with ignored
// are left ignored: they are not relayed.
func (w *Worker) supervise() {
	var stops []os.Signal
	for _, sig := range StopSignals {
		if !IgnoredAtStart[sig] {
			stops = append(stops, sig)
		}
	}
	signal.Notify(w.Signals, stops...)
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
	if w.Exited == nil || hasChildren() {
		return
	}
	RemoveRoot(w.Root)    // Best effort: exiting.
	os.Exit(ExitCode(ws)) // Closes Control: nobody reads it any more.
}

// hasChildren reports whether this process has a child, running or not
// yet reaped, without reaping it (waitid's WNOWAIT); in doubt, yes. Once
// the worker is reaped, a child is a process of its tree that it left.
// package exec has its own (peekChild): this package cannot import exec,
// nor golang.org/x/sys, without being initialised after them.
func hasChildren() bool {
	const pAll = 0 // P_ALL, which package syscall lacks
	var si [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&si)), syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT|syscall.WALL, 0, 0)
		if errno != syscall.EINTR {
			return errno != syscall.ECHILD
		}
	}
}

// IsWorker reports whether this process is a supervisor's worker:
// WorkerVar names the pipe on ControlFd. A stray variable does not.
func IsWorker() bool {
	v, ok := os.LookupEnv(WorkerVar)
	if !ok {
		return false
	}
	var st syscall.Stat_t
	return syscall.Fstat(ControlFd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFIFO && strconv.FormatUint(st.Ino, 10) == v
}

// start makes this process a child subreaper and starts the worker: the
// same program, with the same arguments, standard files and environment,
// plus the pipe on ControlFd and the variables that say so. It returns
// nil when something is missing (no subreaper, /proc/self/exe unusable).
func start() *Worker {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(r.Fd()), &st); err != nil {
		_, _ = r.Close(), w.Close() // Unused.
		return nil
	}
	env := withoutStray(os.Environ())
	env = append(env, WorkerVar+"="+strconv.FormatUint(st.Ino, 10))
	// Named only: the worker makes it when a job first needs a ${work}, if
	// ever (a mkdir and a rmdir cost 1-2 ms on an ext4 mounted with
	// discard, more than the rest of a one-step run).
	root := os.TempDir() + "/drover-run-" + strconv.FormatUint(rand.Uint64(), 36)
	env = append(env, WorkRootVar+"="+root)
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", ProcsVar+"=1")
	}
	// syscall.ForkExec, not os.StartProcess: package os probes, before
	// its first start, that pidfds work, with a process of its own
	// (clone, exit, wait), which nothing here needs.
	pid, err := syscall.ForkExec("/proc/self/exe", os.Args, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, r.Fd()},
	})
	_ = r.Close() // The worker's now.
	if err != nil {
		_ = w.Close() // Never written.
		return nil
	}
	return &Worker{Pid: pid, Control: w, Root: root, Signals: make(chan os.Signal, 4)}
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

// withoutStray returns env without WorkerVar, WorkRootVar and ProcsVar: values this
// process inherited are strays, and would hide the worker's (the first
// of two values of a variable wins).
func withoutStray(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, WorkerVar+"=") && !strings.HasPrefix(kv, WorkRootVar+"=") && !strings.HasPrefix(kv, ProcsVar+"=") {
			out = append(out, kv)
		}
	}
	return out
}
