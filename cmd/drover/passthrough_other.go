//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"context"
	"errors"
	"os"
	osexec "os/exec"
)

// passthrough is not available on this system: it has no ptys drover
// can drive.
type passthrough struct {
	In, Out  *os.File
	OnKeys   func(b []byte, m ptyModes)
	OnOutput func(b []byte)
}

// errNoPassthrough is the error of drover record on such a system.
var errNoPassthrough = errors.New("this system has no pseudo-terminals drover can use")

func (pt *passthrough) run(context.Context, *osexec.Cmd) (*os.ProcessState, int, int, error) {
	return nil, 0, 0, errNoPassthrough
}
