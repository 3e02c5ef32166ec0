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
