package main

import (
	"os"

	"github.com/drover-dev/drover/script"
	"golang.org/x/term"
)

// operatorTerminal is drover's own terminal for the steps that need the
// operator (interact), or nil when its stdin is not a terminal, as in CI.
func operatorTerminal() *script.Terminal {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return nil
	}
	return script.NewTerminal(os.Stdin, os.Stdout, nil)
}
