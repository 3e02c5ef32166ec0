//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package exec

import (
	"os"

	"golang.org/x/sys/unix"
)

// ttyEchoes reports whether the terminal of master echoes input; false
// when it cannot be told.
func ttyEchoes(master *os.File) bool {
	echo := false
	// Not master.Fd(), which would make it blocking for good.
	if rc, err := master.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			t, err := unix.IoctlGetTermios(int(fd), unix.TIOCGETA)
			echo = err == nil && t.Lflag&unix.ECHO != 0
		})
	}
	return echo
}
