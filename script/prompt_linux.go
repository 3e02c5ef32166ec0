package script

import "golang.org/x/sys/unix"

// The ioctls that get and set a terminal's modes.
const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)
