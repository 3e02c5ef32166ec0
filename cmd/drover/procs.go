package main

import (
	"os"
	"runtime"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
)

// fitProcs gives the Go runtime as many processors (GOMAXPROCS) as jobs
// run at once, workers, when that is fewer than it has: one for a single
// job. A job runs its steps one after the other, and each arrival of
// output hands over from the goroutine that read it to the one that
// waits for it; with a processor idle beside them, every such hand-over
// wakes a second thread that finds nothing to do. Measured on 2 CPUs: a
// 2,000-step send/expect round trip under a pty spends 20-25% less CPU,
// and a pty read of 200 MB reaches the bare read loop's speed. GOMAXPROCS
// set in the environment wins.
//
// A worker its supervisor started with one processor (launch.OneProc)
// keeps it for a single job; for more it gets the runtime's default
// back, GOMAXPROCS as if it were never set, then fitted the same way.
func fitProcs(workers int) {
	if launch.OneProc {
		if workers > 1 {
			runtime.SetDefaultGOMAXPROCS()
			if workers < runtime.GOMAXPROCS(0) {
				runtime.GOMAXPROCS(workers)
			}
		}
		return
	}
	if os.Getenv("GOMAXPROCS") != "" || workers < 1 {
		return
	}
	if workers < runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(workers)
	}
}
