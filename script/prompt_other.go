//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package script

import (
	"context"
	"os"

	"golang.org/x/term"
)

// readAnswer reads a line from the terminal in; with secret, without
// echo. It cannot be interrupted here: a job stopped at its prompt ends
// when the line is typed.
func readAnswer(_ context.Context, in *os.File, secret bool) (string, error) {
	if secret {
		b, err := term.ReadPassword(int(in.Fd()))
		return string(b), err
	}
	return readLine(fileByte(in))
}

// fileByte returns the next byte of f, as readLine wants it.
func fileByte(f *os.File) func() (byte, error) {
	var b [1]byte
	return func() (byte, error) {
		for {
			n, err := f.Read(b[:])
			if n == 1 {
				return b[0], nil
			}
			if err != nil {
				return 0, err
			}
		}
	}
}
