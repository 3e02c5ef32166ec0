package exec

import (
	"sync"
	"syscall"
)

// live is every process group started by this package and not yet
// terminated, so that a program exiting in a hurry can still end them all.
var live = struct {
	sync.Mutex
	groups map[int]bool
}{groups: map[int]bool{}}

func register(pgid int) {
	live.Lock()
	live.groups[pgid] = true
	live.Unlock()
}

func unregister(pgid int) {
	live.Lock()
	delete(live.groups, pgid)
	live.Unlock()
}

// waiting is every child this package started whose exit os/exec has not
// yet collected: the orphan reaper must leave their exit statuses alone.
// A child enters it under a read lock of starting, which the reaper takes
// for writing, so that the reaper never sees a child of ours that has
// already exited but is not yet recorded.
var waiting = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

var starting sync.RWMutex

// isWaiting reports whether os/exec has still to collect child pid.
func isWaiting(pid int) bool {
	waiting.Lock()
	defer waiting.Unlock()
	return waiting.pids[pid]
}

// waited records that os/exec has collected pid's exit.
func waited(pid int) {
	waiting.Lock()
	delete(waiting.pids, pid)
	waiting.Unlock()
}

// KillAll sends SIGKILL to the group of every process started by this
// package that has not been terminated and, on Linux, to every process
// that descends from this program (after BecomeSubreaper, orphans
// included) and, without BecomeSubreaper, to every process that carries
// one of this program's markers (see MarkerVar). It is for a
// program about to exit, such as on a second Ctrl-C or after its last job:
// nothing it started may outlive it. It does not wait for them to die. It
// is safe for concurrent use.
func KillAll() {
	sweepOrphans() // Reaped, they are no descendants to look for.
	live.Lock()
	for pgid := range live.groups {
		_ = signalGroup(pgid, syscall.SIGKILL) // ESRCH: already gone.
	}
	live.Unlock()
	killStrays()
}
