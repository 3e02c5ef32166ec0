//go:build !linux

package exec

import (
	"context"
	"syscall"
)

// awaitDelivered returns at once: whether a signal is still pending is not
// known here, and a second hang-up may merge with the first.
func awaitDelivered(context.Context, <-chan struct{}, int, syscall.Signal) {}
