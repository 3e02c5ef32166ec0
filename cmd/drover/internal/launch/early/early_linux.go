//go:build linux

package early

import (
	"math/rand/v2"
	"strconv"
	"syscall"
)

// IsWorker reports whether this process is a supervisor's worker:
// WorkerVar names the pipe on ControlFd. A stray variable does not.
func IsWorker() bool {
	v, ok := syscall.Getenv(WorkerVar)
	if !ok {
		return false
	}
	var st syscall.Stat_t
	return syscall.Fstat(ControlFd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFIFO && strconv.FormatUint(st.Ino, 10) == v
}

// supervised reports whether drover, run with args (without the
// program's name) and not a worker, works under a supervisor: only
// "drover run" starts processes, and DROVER_NO_SUPERVISOR=1 turns the
// supervisor off.
func supervised(args []string) bool {
	v, _ := syscall.Getenv(NoSupervisorVar)
	return len(args) > 0 && args[0] == "run" && v != "1"
}

// prSetChildSubreaper is Linux's PR_SET_CHILD_SUBREAPER, which package
// syscall lacks.
const prSetChildSubreaper = 36

func init() {
	if entryRan == 1 {
		fromEntry() // drover_entry did what start does.
		return
	}
	if IsWorker() {
		return
	}
	args := cmdline()
	if args == nil || !supervised(args[1:]) {
		return
	}
	start(args)
}

// cmdline returns the program's arguments, os.Args before package os
// sets it: from /proc/self/cmdline, nil if it cannot be read. Without
// packages bytes and strings, which would have package unicode, and its
// tables, initialised first.
func cmdline() []string {
	fd, err := syscall.Open("/proc/self/cmdline", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	var b []byte
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil
		}
		if n == 0 {
			break
		}
		b = append(b, buf[:n]...)
	}
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil
	}
	var args []string
	for len(b) > 0 {
		i := 0
		for b[i] != 0 {
			i++
		}
		args = append(args, string(b[:i]))
		b = b[i+1:]
	}
	return args
}

// start makes this process a child subreaper and starts the worker: the
// same program, with the same arguments, standard files and environment,
// plus the pipe on ControlFd and the variables that say so. It starts
// none when something is missing (no subreaper, /proc/self/exe
// unusable).
func start(args []string) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return
	}
	r, w := p[0], p[1]
	var st syscall.Stat_t
	if err := syscall.Fstat(r, &st); err != nil {
		_, _ = syscall.Close(r), syscall.Close(w) // Unused.
		return
	}
	env := withoutStray(syscall.Environ())
	env = append(env, WorkerVar+"="+strconv.FormatUint(st.Ino, 10))
	// Named only: the worker makes it when a job first needs a ${work}, if
	// ever (a mkdir and a rmdir cost 1-2 ms on an ext4 mounted with
	// discard, more than the rest of a one-step run).
	var random [8]byte
	for i, n := 0, rand.Uint64(); i < 8; i, n = i+1, n>>8 {
		random[7-i] = byte(n)
	}
	root := rootName(random)
	env = append(env, WorkRootVar+"="+root)
	if _, set := syscall.Getenv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", ProcsVar+"=1")
	}
	// syscall.ForkExec, not os.StartProcess: package os probes, before
	// its first start, that pidfds work, with a process of its own
	// (clone, exit, wait), which nothing here needs.
	pid, err := syscall.ForkExec("/proc/self/exe", args, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, uintptr(r)},
	})
	_ = syscall.Close(r) // The worker's now.
	if err != nil {
		_ = syscall.Close(w) // Never written.
		return
	}
	Pid, Control, Root = pid, w, root
}

// withoutStray returns env without WorkerVar, WorkRootVar and ProcsVar:
// values this process inherited are strays, and would hide the worker's
// (the first of two values of a variable wins).
func withoutStray(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !hasPrefix(kv, WorkerVar+"=") && !hasPrefix(kv, WorkRootVar+"=") && !hasPrefix(kv, ProcsVar+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// hasPrefix is strings.HasPrefix (see cmdline).
func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}
