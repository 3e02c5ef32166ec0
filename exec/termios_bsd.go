//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package exec

import "golang.org/x/sys/unix"

// echoing reports whether the terminal fd echoes input; a pty's two sides
// share their modes.
func echoing(fd uintptr) (bool, error) {
	t, err := unix.IoctlGetTermios(int(fd), unix.TIOCGETA)
	if err != nil {
		return false, err
	}
	return t.Lflag&unix.ECHO != 0, nil
}
