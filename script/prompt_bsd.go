//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package script

import "golang.org/x/sys/unix"

// The ioctls that get and set a terminal's modes.
const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)
