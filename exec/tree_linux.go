//go:build linux

package exec

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// This file finds, ends and reaps the whole tree of a process on Linux;
// the package documentation says what it finds and why. It reads /proc:
// the children files of each thread (/proc/PID/task/TID/children, Linux
// 3.5 and later, falling back to one scan of every /proc/PID/stat where
// the kernel lacks them), /proc/PID/stat for a process's group and session,
// and /proc/PID/environ for the marker. It holds each process found by a
// pidfd (Linux 5.3 and later; by pid before), so that a signal or a wait
// never reaches a newer process that took a dead one's pid.

// subreaper is the state BecomeSubreaper sets up.
var subreaper struct {
	once sync.Once
	err  error
	on   atomic.Bool
}

// BecomeSubreaper makes this program a child subreaper (Linux's
// PR_SET_CHILD_SUBREAPER) and starts the goroutine that reaps the orphans
// it then receives. A descendant of a process started by this package
// whose parent exits, a daemon's double fork for one, is handed to this
// program instead of to init: Terminate then finds it and ends it with
// its tree, however it left the process group, and it is reaped here when
// it exits. Call it early in main, before starting any process, and only
// in a program, never in a library: it changes the whole program.
//
// The reaper collects only zombie children that this package did not
// start and that are not in this program's own process group: children
// started with os/exec directly keep their exit status for their Wait,
// unless they are given a process group of their own (Setpgid or Setsid).
//
// Elsewhere than on Linux it returns an error that wraps
// errors.ErrUnsupported, and process trees are ended by process group
// only. Calling it again returns the first call's result.
func BecomeSubreaper() error {
	subreaper.once.Do(func() {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			subreaper.err = &Error{Op: "subreaper", Err: err}
			return
		}
		subreaper.on.Store(true)
		go reapLoop() // It lives as long as the program: the orphans keep coming.
	})
	return subreaper.err
}

// orphanSweep is how often, at the longest, an orphan that exited stays
// a zombie.
const orphanSweep = time.Second

// reapLoop reaps the orphans that exited, every orphanSweep. It catches
// no SIGCHLD: a signal at every child's exit, each waking the runtime's
// signal thread and this goroutine, cost a fan-out of /bin/true jobs 3%
// of its time, for orphans that seldom exit by themselves; the end of
// each process this package started reaps them too (sweepOrphans).
func reapLoop() {
	for range time.Tick(orphanSweep) {
		reapOrphans()
	}
}

// sweepOrphans reaps the orphans that exited, after BecomeSubreaper: at
// the end of a process this package started, and before KillAll.
func sweepOrphans() {
	if subreaper.on.Load() {
		reapOrphans()
	}
}

// reapOrphans collects the exit status of every zombie child of this
// program that os/exec is not waiting for and that is not in this
// program's process group. It reaps by pid, wait4(pid, WNOHANG), never
// wait4(-1): that would take the statuses os/exec waits for. Nor does it
// peek with waitid(P_ALL, WNOWAIT), which shows only the first zombie: one
// whose Wait is slow to come would hide all the others. Holding starting
// for writing, it cannot mistake a child being started for an orphan.
//
// It first looks for a zombie without the lock: most often there is none,
// os/exec having reaped the child whose exit woke it, and there is
// nothing to decide. Taking the lock for that look cost every job of a
// fan-out a wait: a writer waits for the start under way, a fork and an
// exec, and holds off every other start until it is done.
func reapOrphans() {
	if !hasZombie() {
		return // A zombie that comes later is reaped by a later sweep.
	}
	starting.Lock()
	defer starting.Unlock()
	if !hasZombie() {
		return // Reaped meanwhile by os/exec.
	}
	var k kin
	own := syscall.Getpgrp()
	for _, pid := range k.orphans() {
		if isWaiting(pid) {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.state != 'Z' || st.pgrp == own {
			continue
		}
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil) // ECHILD: reaped meanwhile; its status is nobody's.
	}
}

// tree is the processes of a Process's tree other than the process
// itself, each held by a pidfd.
type tree struct {
	members []*member
	pids    map[int]bool
}

// member is one process of a tree.
type member struct {
	pid int
	f   *os.File // a non-blocking pidfd; nil where the kernel has none
}

// findTree adds to t (nil: a new tree) the processes of p's tree that are
// not in it yet, and returns it. They are the descendants of p while it
// runs and, with BecomeSubreaper, the orphans handed to this program that
// belong to p (see owns), with their descendants.
func (p *Process) findTree(t *tree) *tree {
	if t == nil {
		t = &tree{pids: map[int]bool{}}
	}
	var k kin
	var todo []int
	if !p.Exited() {
		todo = append(todo, p.Pid) // Not reaped: the pid is still p's.
	}
	// Orphans handed to this program are its children: with none at all
	// (p reaped, nothing left), there is nothing to read in /proc.
	if subreaper.on.Load() && hasChildren() {
		for _, pid := range k.orphans() {
			if t.pids[pid] || (!isWaiting(pid) && p.owns(pid)) {
				todo = append(todo, pid)
				t.add(pid)
			}
		}
	}
	if len(todo) > 0 { // Else p is gone and left nothing: the common case.
		k.descend(todo, t.add)
	}
	return t
}

// descend walks the descendants of roots, depth first, calling found for
// each one (not for the roots), each once, and returns every pid it
// visited, the roots included.
func (k *kin) descend(roots []int, found func(pid int)) map[int]bool {
	seen := map[int]bool{}
	todo := append([]int(nil), roots...)
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		for _, kid := range k.children(pid) {
			if !seen[kid] {
				found(kid)
			}
			todo = append(todo, kid)
		}
	}
	return seen
}

// owns reports whether the orphan pid belongs to p's tree: it is in p's
// process group or session, or it carries p's marker.
func (p *Process) owns(pid int) bool {
	st, err := readStat(pid)
	if err != nil || st.state == 'Z' {
		return false // Gone, or dead and the reaper's.
	}
	if st.pgrp == p.Pid || st.session == p.Pid {
		return true
	}
	env, err := readProc("/proc/" + strconv.Itoa(pid) + "/environ")
	return err == nil && markedWith(env, func(tok string) bool { return tok == p.marker })
}

// add holds pid in t, unless it is there or already gone.
func (t *tree) add(pid int) {
	if t.pids[pid] {
		return
	}
	m := &member{pid: pid}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.EINVAL) { // Before Linux 5.10.
		if fd, err = unix.PidfdOpen(pid, 0); err == nil {
			if err = unix.SetNonblock(fd, true); err != nil {
				_ = unix.Close(fd) // Best effort: unused.
			}
		}
	}
	switch {
	case err == nil:
		m.f = os.NewFile(uintptr(fd), "pidfd")
	case errors.Is(err, unix.ESRCH):
		return // Gone already.
	}
	t.pids[pid] = true
	t.members = append(t.members, m)
}

func (t *tree) len() int { return len(t.members) }

// signal sends sig to every member.
func (t *tree) signal(sig syscall.Signal) {
	for _, m := range t.members {
		if m.f == nil {
			_ = syscall.Kill(m.pid, sig) // ESRCH: gone.
			continue
		}
		control(m.f, func(fd int) { _ = unix.PidfdSendSignal(fd, sig, nil, 0) }) // ESRCH: gone.
	}
}

// wait waits until every member has exited, or ctx is done. Without
// pidfds it cannot tell, and returns at once.
func (t *tree) wait(ctx context.Context) {
	for _, m := range t.members {
		if m.f == nil || ctx.Err() != nil {
			continue
		}
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(fired)
			_ = m.f.SetReadDeadline(time.Now()) // Ends the wait below.
		})
		rc, err := m.f.SyscallConn()
		if err == nil {
			// A pidfd polls readable once its process has exited.
			_ = rc.Read(func(fd uintptr) bool { return exited(int(fd)) }) // Deadline: ctx is done.
		}
		if !stop() {
			<-fired // Else it could set the deadline after the reset below.
		}
		_ = m.f.SetReadDeadline(time.Time{}) // For the next wait.
	}
}

// exited reports whether the process of pidfd fd has exited.
func exited(fd int) bool {
	for {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
		if !errors.Is(err, unix.EINTR) {
			return n > 0 || err != nil
		}
	}
}

// reap collects the exit of the members that have died as this
// program's children (orphans handed to it as subreaper): waitid on the
// pidfd reaps that process and no other.
func (t *tree) reap() {
	for _, m := range t.members {
		if m.f == nil {
			continue // The reaper will, by pid.
		}
		control(m.f, func(fd int) {
			var si unix.Siginfo
			_ = unix.Waitid(unix.P_PIDFD, fd, &si, unix.WEXITED|unix.WNOHANG, nil) // ECHILD: not ours to reap.
		})
	}
}

// close releases the pidfds.
func (t *tree) close() {
	for _, m := range t.members {
		if m.f != nil {
			_ = m.f.Close() // Nothing was written.
		}
	}
}

// control runs f with f's descriptor, leaving it non-blocking (Fd would
// not).
func control(f *os.File, fn func(fd int)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { fn(int(fd)) }) // Only fails on a closed file.
}

// killStrays sends SIGKILL to every descendant of this program and, if
// it is not a subreaper, to every process that carries one of its
// markers, for KillAll.
//
// A subreaper needs no look at the markers, which costs a read of the
// environment of every process of the system: each process it started
// stays its descendant until it dies, whatever it does, since an orphan
// is handed to its nearest subreaper ancestor (this program, or one
// below it, itself a descendant), so the walk of the tree finds them
// all. Only a process that some other program, not a descendant, started
// on a script's behalf with the script's environment would carry a
// marker outside the tree; it is not this program's, as it is not
// Terminate's.
func killStrays() {
	seen := killDescendants()
	if subreaper.on.Load() {
		return
	}
	ours := func(tok string) bool { return strings.HasPrefix(tok, instance+".") }
	for _, pid := range allPids() {
		if seen[pid] {
			continue
		}
		if env, err := readProc("/proc/" + strconv.Itoa(pid) + "/environ"); err == nil && markedWith(env, ours) {
			_ = syscall.Kill(pid, syscall.SIGKILL) // ESRCH: gone.
		}
	}
}

// KillDescendants sends SIGKILL to every descendant of this program: its
// children, theirs, and so on, orphans handed to it included once it is a
// subreaper (see BecomeSubreaper). Unlike KillAll it does not look at
// every process of the system for this program's markers, so its cost is
// that of the tree alone: for a program that started nothing marked
// itself, such as a supervisor whose worker did. It does not wait for
// them to die. Elsewhere than on Linux it does nothing.
func KillDescendants() { killDescendants() }

// killDescendants kills every descendant and returns every pid it visited,
// this program's included. A process killed before its children were
// read hands them, as it dies, to its subreaper, this program: so it
// walks the tree again until a walk finds no process the ones before did
// not (at most maxWalks times, for a tree that forks as fast as it is
// killed). Most often that is the second walk.
//
// A program without a child has no descendant: then it reads nothing in
// /proc. That is the common case at exit, every job's processes ended
// and reaped, and it is cheaper than it looks: each file read under
// /proc/PID (the listing of its threads, their children files) leaves
// entries in the kernel's cache that the reaping of this program must
// invalidate, about a millisecond for a Go program's threads, which its
// parent (the supervisor, or a shell) waits for.
func killDescendants() map[int]bool {
	const maxWalks = 100
	seen := map[int]bool{os.Getpid(): true}
	for range maxWalks {
		if !hasChildren() {
			break
		}
		var k kin
		fresh := false
		visited := k.descend([]int{os.Getpid()}, func(pid int) {
			fresh = fresh || !seen[pid]
			_ = syscall.Kill(pid, syscall.SIGKILL) // ESRCH: gone.
		})
		for pid := range visited {
			seen[pid] = true
		}
		if !fresh {
			break
		}
	}
	return seen
}

// hasChildren reports whether this program has a child, running or not
// yet reaped, without reaping it and without reading /proc; in doubt
// (an error other than ECHILD), yes.
func hasChildren() bool {
	_, err := peekChild()
	return !errors.Is(err, unix.ECHILD)
}

// hasZombie reports whether a child of this program has exited and is
// not reaped yet, without reaping it and without reading /proc; in
// doubt, yes.
func hasZombie() bool {
	exited, err := peekChild()
	if errors.Is(err, unix.ECHILD) {
		return false
	}
	return err != nil || exited
}

// peekChild asks waitid, without waiting and without reaping (WNOWAIT),
// whether a child has exited: ECHILD when there is no child at all.
// Linux zeroes the siginfo when no child is waitable.
func peekChild() (exited bool, err error) {
	var si unix.Siginfo
	for {
		err = unix.Waitid(unix.P_ALL, 0, &si, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT|unix.WALL, nil)
		if !errors.Is(err, unix.EINTR) {
			return si.Signo != 0, err
		}
	}
}

// kin finds the children of processes, from the children file of each
// thread, or, where the kernel has none (no CONFIG_PROC_CHILDREN), from
// one scan of every process made on first need. It is for one use.
type kin struct {
	byParent map[int][]int // the scan
}

// haveChildrenFiles reports whether the kernel has the children files.
var haveChildrenFiles = sync.OnceValue(func() bool {
	self := strconv.Itoa(os.Getpid())
	_, err := os.Stat("/proc/" + self + "/task/" + self + "/children")
	return err == nil
})

// children returns the children of process pid.
func (k *kin) children(pid int) []int {
	if !haveChildrenFiles() {
		return k.scan()[pid]
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	var kids []int
	for _, tid := range dirNames(dir) {
		b, err := readProc(dir + tid + "/children")
		if err == nil { // Else the thread has ended.
			kids = appendPids(kids, b)
		}
	}
	return kids
}

// orphans returns the children of this program among which are the
// orphans it received as subreaper: those of its main thread. The kernel
// hands an orphan to the first live thread of its subreaper, the thread
// group leader unless it has exited, and Go never ends the main thread.
func (k *kin) orphans() []int {
	self := os.Getpid()
	if !haveChildrenFiles() {
		return k.scan()[self]
	}
	if fd := ownChildren(); fd >= 0 {
		if b, err := rereadProc(fd); err == nil {
			return appendPids(nil, b)
		}
	}
	s := strconv.Itoa(self)
	b, err := readProc("/proc/" + s + "/task/" + s + "/children")
	if err != nil {
		return nil
	}
	return appendPids(nil, b)
}

// ownChildren is the children file of this program's main thread, opened
// at its first use and kept open (close-on-exec), or -1 if it cannot be
// opened. Terminate reads it after every job that ran beside another,
// and reading it again from the start (rereadProc) costs one system call
// where opening it costs a walk of /proc/PID/task/TID: 0.55 against 4.3 µs
// (go test -bench ChildrenFile ./exec/).
var ownChildren = sync.OnceValue(func() int {
	s := strconv.Itoa(os.Getpid())
	fd, err := openProc("/proc/" + s + "/task/" + s + "/children")
	if err != nil {
		return -1
	}
	return fd
})

func (k *kin) scan() map[int][]int {
	if k.byParent == nil {
		k.byParent = map[int][]int{}
		for _, pid := range allPids() {
			if st, err := readStat(pid); err == nil {
				k.byParent[st.ppid] = append(k.byParent[st.ppid], pid)
			}
		}
	}
	return k.byParent
}
