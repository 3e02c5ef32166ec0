package main

import (
	"syscall"
	"time"
)

// becomeSubreaper makes the process a child subreaper: the orphans of its
// tree become its children.
func becomeSubreaper() error {
	const prSetChildSubreaper = 36
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		return e
	}
	return nil
}

// reapOrphans waits for every child left, at most limit; it reports
// whether none is left.
func reapOrphans(limit time.Duration) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var ws syscall.WaitStatus
			if _, err := syscall.Wait4(-1, &ws, 0, nil); err != nil && err != syscall.EINTR {
				return // ECHILD: all reaped.
			}
		}
	}()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// diesWithHarness makes a server the harness starts die with it, even
// killed with SIGKILL (or by SIGPIPE, its output piped to head), when
// its clean-up never runs.
func diesWithHarness() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
