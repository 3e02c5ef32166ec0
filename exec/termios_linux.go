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

// canonical reports whether the terminal fd edits lines (ICANON): the
// process reads what is typed a line at a time, as the terminal edited it.
func canonical(fd uintptr) (bool, error) {
	t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	if err != nil {
		return false, err
	}
	return t.Lflag&unix.ICANON != 0, nil
}
