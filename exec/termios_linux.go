package exec

import "golang.org/x/sys/unix"

// echoing reports whether the terminal fd echoes input. On Linux a pty's
// master reads the modes of its slave, the terminal the process sees.
func echoing(fd uintptr) (bool, error) {
	t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	if err != nil {
		return false, err
	}
	return t.Lflag&unix.ECHO != 0, nil
}
