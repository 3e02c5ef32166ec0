//go:build !unix

package exec

// setWinsize fails: no process runs under a tty here.
func setWinsize(fd uintptr, rows, cols uint16) error { return errNoTTY }
