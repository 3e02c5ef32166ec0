package main

import (
	"os"
	"runtime"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
)

// fitProcs gives the Go runtime one processor (GOMAXPROCS) for a single
// job, and for several at once, workers, one more than them while they
// are no more than it has (see procsFor). A job runs its steps one after
// the other, and each arrival of output hands over from the goroutine
// that read it to the one that waits for it; with a processor idle
// beside them, every such hand-over wakes a second thread that finds
// nothing to do. Measured on 2 CPUs: a 2,000-step send/expect
// round trip under a pty spends 20-25% less CPU, and a pty read of 200 MB
// reaches the bare read loop's speed.
//
// Several jobs each have a thread blocked in waitid for their process,
// which holds its processor: with none spare, the runtime's monitor
// takes them back 20 µs on, each time waking another thread for the
// other goroutines (the output's readers, the job's own), which finds
// little to do and sleeps again. One processor more than the jobs spares
// that: on 2 CPUs, 1,000 jobs of /bin/true on 2 workers take 0.93x the
// time with 3 processors as with 2, and a bare Go fan-out does the same.
// GOMAXPROCS set in the environment wins.
//
// A worker its supervisor started with one processor (launch.OneProc)
// keeps it for a single job; for more it gets the runtime's default
// back, GOMAXPROCS as if it were never set, then fitted the same way.
// Where drover_entry started it, the default is known from before it
// was lowered: one change of GOMAXPROCS, not two, each a stop of the
// world (0.05 ms of CPU of every run of several jobs).
func fitProcs(workers int) {
	if launch.OneProc {
		if workers > 1 {
			def := launch.DefaultProcs
			if def == 0 {
				runtime.SetDefaultGOMAXPROCS()
				def = runtime.GOMAXPROCS(0)
			}
			runtime.GOMAXPROCS(procsFor(workers, def))
		}
		return
	}
	if os.Getenv("GOMAXPROCS") != "" || workers < 1 {
		return
	}
	if n := procsFor(workers, runtime.GOMAXPROCS(0)); n != runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(n)
	}
}

// procsFor is the processors for workers jobs at once where the runtime
// has def by default: 1 for one job, one more than the jobs while they
// are no more than def, else def. Many more jobs than processors keep
// them busy anyway: 500 jobs under a pty spend 6% more CPU with one
// spare.
func procsFor(workers, def int) int {
	switch {
	case workers <= 1:
		return 1
	case workers <= def:
		return workers + 1
	}
	return def
}
