package exec

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	// ErrExited is returned by Send and Signal when the process has exited.
	ErrExited = errors.New("process has exited")

	// ErrEOF is the cause of an ExpectError when the output ended before
	// any pattern matched. Test with errors.Is.
	ErrEOF = errors.New("output ended")

	// ErrIdle is the cause of an ExpectError when no output arrived for
	// the idle time given to ExpectIdle. Test with errors.Is.
	ErrIdle = errors.New("no output")

	errNoArgs      = errors.New("no program given")
	errNoStdin     = errors.New("stdin is not connected to drover (it comes from another process)")
	errStdinClosed = errors.New("stdin was closed by an earlier EOF")
)

// Error is a failed operation on a process: which operation, which
// program, and why.
type Error struct {
	Op   string // start, send, expect, signal
	Name string // the program
	Err  error
}

// Error returns "op name: cause".
func (e *Error) Error() string {
	if e.Name == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ExitError reports a process that did not exit with code 0.
type ExitError struct {
	Status *Status
	Stderr string // the last of its stderr, when stderr was apart
}

// Error returns the status, as "exit 3" or "killed by SIGTERM".
func (e *ExitError) Error() string { return e.Status.String() }

// ExpectError reports an Expect that did not match: its deadline passed or
// the output ended. Err is the cause: context.DeadlineExceeded,
// context.Canceled or ErrEOF.
type ExpectError struct {
	Patterns []Pattern
	Stream   Stream
	Waited   time.Duration
	Idle     time.Duration // with ErrIdle: the idle time that passed
	Recent   string        // the last output received, as matched
	// RecentRaw is the last output as received, before a terminal's
	// "\r\n" and escape sequences were cooked; on pipes, Recent.
	RecentRaw string
	Err       error
	// TooLong, when not 0, is the length of a match of a regexp that was
	// found but passed over: longer than RegexpWindow.
	TooLong int
}

// Error says what was awaited, for how long, and why it gave up.
func (e *ExpectError) Error() string {
	msg := e.message()
	if e.TooLong > 0 {
		msg += fmt.Sprintf("; a match of %d bytes was found, longer than the %d KiB a match may span", e.TooLong, RegexpWindow>>10)
	}
	return msg
}

func (e *ExpectError) message() string {
	what := describe(e.Patterns)
	switch {
	case errors.Is(e.Err, ErrEOF):
		return fmt.Sprintf("%s ended after %s without %s", e.Stream, round(e.Waited), what)
	case errors.Is(e.Err, ErrIdle):
		return fmt.Sprintf("no output for %s (idle timeout) waiting for %s on %s", round(e.Idle), what, e.Stream)
	case errors.Is(e.Err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %s waiting for %s on %s", round(e.Waited), what, e.Stream)
	}
	return fmt.Sprintf("gave up after %s waiting for %s on %s: %v", round(e.Waited), what, e.Stream, e.Err)
}

// Unwrap returns the cause: a context error, ErrEOF or ErrIdle.
func (e *ExpectError) Unwrap() error { return e.Err }

type streamError struct{ s Stream }

func (e *streamError) Error() string {
	if e.s == Stderr {
		return "stderr is not apart from stdout (under a tty, spawn with stderr: pipe)"
	}
	return fmt.Sprintf("%s is not readable (it feeds another process)", e.s)
}

// round makes a duration readable: 10s, 1.5s, 250ms, 42µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond) // 42µs, not 41.642µs.
}
