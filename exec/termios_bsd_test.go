//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package exec

import "syscall"

const ioctlGetTermios, ioctlSetTermios = syscall.TIOCGETA, syscall.TIOCSETA
