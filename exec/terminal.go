package exec

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// This file is what a script can do to the terminal of a process under a
// tty after it started: resize it, and wait for its echo to go off or on.

// ErrNoTTY is the cause of the *Error of Resize and WaitEcho on a process
// that runs on pipes: it has no terminal. Test with errors.Is.
var ErrNoTTY = errors.New("it runs on pipes, not under a tty, so it has no terminal")

// Resize sets the size of the process's terminal to rows by cols. The
// kernel sends SIGWINCH to the terminal's foreground process group, as
// when a terminal window is resized. It fails with ErrNoTTY on pipes and
// ErrExited once the process has exited. It is safe for concurrent use.
func (p *Process) Resize(rows, cols uint16) error {
	err := p.onTerminal(true, func(fd uintptr) error { return setWinsize(fd, rows, cols) })
	if err != nil {
		return &Error{Op: "resize", Name: p.name(), Err: err}
	}
	return nil
}

// Echo reports whether the process's terminal echoes what is typed: its
// ECHO local mode, which a password prompt turns off. The terminal's modes
// are one for both its sides, so this reads them on drover's side, even
// after the process has exited, until Terminate releases the terminal
// (ErrExited then). It fails with ErrNoTTY on pipes.
func (p *Process) Echo() (bool, error) { return p.localMode("echo", echoing) }

// Canonical reports whether the process's terminal edits lines: its
// ICANON local mode, on for a shell's read or cat, off for a program that
// reads each key (readline, a full-screen program). With Echo it tells a
// recorder whether typed keys were shown: echo off and ICANON on is a
// password prompt. It reads the modes as Echo does, with its errors.
func (p *Process) Canonical() (bool, error) { return p.localMode("canonical", canonical) }

// localMode reads one local mode of the process's terminal with read, for
// operation op.
func (p *Process) localMode(op string, read func(fd uintptr) (bool, error)) (bool, error) {
	var on bool
	err := p.onTerminal(false, func(fd uintptr) error {
		var err error
		on, err = read(fd)
		return err
	})
	if err != nil {
		return false, &Error{Op: op, Name: p.name(), Err: err}
	}
	return on, nil
}

// EchoPoll is how often WaitEcho reads the terminal's modes. A change of
// them makes no event drover could wait on (no output, no signal), so
// WaitEcho polls: the one place this package does. A read is one ioctl.
const EchoPoll = 5 * time.Millisecond

// WaitEcho waits until the process's terminal echoes (on) or stops
// echoing (!on) what is typed: a program reading a password has turned
// echo off once its prompt is really ready for it. It returns at once if
// the terminal is that way already (the process may have exited since),
// and fails when ctx is done first (with ctx's error as the cause), when
// the process exits first (ErrExited), or on pipes (ErrNoTTY). It is safe
// for concurrent use.
func (p *Process) WaitEcho(ctx context.Context, on bool) error {
	var ticker *time.Ticker
	for {
		echo, err := p.Echo()
		if err != nil {
			return err
		}
		if echo == on {
			return nil
		}
		if p.Exited() {
			return &Error{Op: "echo", Name: p.name(), Err: ErrExited}
		}
		if ticker == nil {
			ticker = time.NewTicker(EchoPoll)
			defer ticker.Stop()
		}
		select {
		case <-ticker.C:
		case <-p.reaped:
			// Its last change may have come just before it exited.
			if echo, err := p.Echo(); err == nil && echo == on {
				return nil
			}
			return &Error{Op: "echo", Name: p.name(), Err: ErrExited}
		case <-ctx.Done():
			return &Error{Op: "echo", Name: p.name(), Err: ctx.Err()}
		}
	}
}

// onTerminal calls f with the descriptor of the process's terminal (its
// master side), which stays open while f runs; with alive, only while the
// process runs.
func (p *Process) onTerminal(alive bool, f func(fd uintptr) error) error {
	if !p.tty || p.out == nil || p.out.file == nil {
		return ErrNoTTY
	}
	if alive && p.Exited() {
		return ErrExited
	}
	sc, ok := any(p.out.file).(syscall.Conn)
	if !ok {
		return ErrNoTTY
	}
	var ferr error
	rc, err := sc.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) { ferr = f(fd) })
	}
	if errors.Is(err, os.ErrClosed) {
		return ErrExited // Released: it was terminated.
	}
	if err != nil {
		return err
	}
	return ferr
}
