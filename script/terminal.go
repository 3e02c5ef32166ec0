package script

import (
	"context"
	"os"
)

// Terminal is drover's own terminal, which the steps that need the
// operator (interact, confirm, ask) take one job at a time: while one job
// holds it, another that needs it waits. A nil *Terminal means drover has
// none (its stdin is not a terminal, as in CI): those steps then do what
// they do without one. Make one with NewTerminal; it is safe for
// concurrent use.
type Terminal struct {
	// In is the terminal drover reads the operator's keys from: its
	// stdin. Out is where prompts, and a program's output during
	// interact, go.
	In, Out *os.File

	sem  chan struct{} // holds one token while a job has the terminal
	hold func(held bool)
}

// NewTerminal returns the Terminal of in and out. hold, if not nil, is
// called with true when a job takes the terminal and with false when it
// gives it back, so that whatever else draws on it (the progress line)
// gets out of the way meanwhile; it is called from the job's goroutine.
func NewTerminal(in, out *os.File, hold func(held bool)) *Terminal {
	return &Terminal{In: in, Out: out, sem: make(chan struct{}, 1), hold: hold}
}

// Acquire waits until no other job holds the terminal, or ctx is done,
// and returns the function that gives it back, which must be called once.
func (t *Terminal) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if t.hold != nil {
		t.hold(true)
	}
	return func() {
		if t.hold != nil {
			t.hold(false)
		}
		<-t.sem
	}, nil
}
