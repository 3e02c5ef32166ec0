//go:build unix

package exec

import "golang.org/x/sys/unix"

// setWinsize sets the window size of the terminal fd. (pty.Setsize would
// need an *os.File, whose Fd makes the terminal's descriptor blocking,
// which the reader's deadlines rely on it not being.)
func setWinsize(fd uintptr, rows, cols uint16) error {
	return unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}
