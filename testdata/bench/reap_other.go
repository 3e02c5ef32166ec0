//go:build !linux

package main

import (
	"syscall"
	"time"
)

// becomeSubreaper does nothing here: orphans go to init, their CPU is not
// counted.
func becomeSubreaper() error { return nil }

// reapOrphans has no orphans to wait for.
func reapOrphans(time.Duration) bool { return true }

// diesWithHarness asks nothing here: a killed harness leaves its server.
func diesWithHarness() *syscall.SysProcAttr { return nil }
