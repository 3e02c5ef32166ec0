package exec

import (
	"sync"
	"syscall"
)

// live is every process group started by this package and not yet reaped,
// so that a program exiting in a hurry can still end them all.
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

// KillAll sends SIGKILL to the group of every process started by this
// package that has not been reaped. It is for a program about to exit at
// once, such as on a second Ctrl-C: nothing it started may outlive it. It
// is safe for concurrent use.
func KillAll() {
	live.Lock()
	defer live.Unlock()
	for pgid := range live.groups {
		_ = signalGroup(pgid, syscall.SIGKILL) // ESRCH: already gone.
	}
}
