package exec

import (
	"bytes"
	"errors"
)

// InteractOptions says when Process.Interact ends, and who hears the keys.
type InteractOptions struct {
	// Escape is the key that ends Interact, not sent to the process: a
	// control character such as 0x1d (^]). Zero means none: NUL, which
	// Ctrl-Space types too, cannot be the escape key.
	Escape byte

	// Until, if not empty, ends Interact when one of the patterns appears
	// in the output, as Expect finds it (the output is consumed up to the
	// end of the match).
	Until []Pattern

	// Input, if not nil, is called with each chunk of keys sent to the
	// process, before it is sent, and whether the process's terminal
	// echoes input at that moment: a key typed while echo is off (a
	// password) should not be recorded. echo is false when it cannot be
	// told. It is called from Interact's reading goroutine, one call at a
	// time, and must not keep b.
	Input func(b []byte, echo bool)

	// Resized, if not nil, is called each time in's size changes
	// (SIGWINCH), with that size, just before Interact gives it to the
	// process's terminal; not for the size given at the start. It is
	// called from Interact's goroutine.
	Resized func(rows, cols uint16)
}

// InteractEnd is why Interact ended.
type InteractEnd int

const (
	EndEscape InteractEnd = iota + 1 // the escape key was typed
	EndUntil                         // an Until pattern appeared
	EndExited                        // the process exited
)

// String returns "escape", "until" or "exit".
func (e InteractEnd) String() string {
	switch e {
	case EndEscape:
		return "escape"
	case EndUntil:
		return "until"
	case EndExited:
		return "exit"
	}
	return "end(?)"
}

// errInteractNoTTY is the error of Interact on a process on pipes.
var errInteractNoTTY = errors.New("the process is not under a tty (spawn it with tty: true)")

// startTap starts passing the terminal's raw output to show, and returns
// what to show first: the output no Expect consumed, which it consumes:
// raw when nothing was ever consumed and all of it is still at hand raw
// (Interact right after Start), else cooked, its lines ended with "\r\n"
// for a terminal in raw mode; or, if there is none, the line the cursor is
// on (raw), such as a prompt an Expect consumed already, so that the
// operator sees where they are.
func (s *stream) startTap(show func([]byte)) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tap = show
	pending := s.pending()
	if len(pending) > 0 && s.rawTail != nil && s.base == 0 && s.off == 0 && s.dropped == 0 && s.received == int64(len(s.rawTail)) {
		// Nothing consumed yet, and every byte read is still at hand
		// raw: shown as the process wrote it, escape sequences and all
		// (a recorder starts Interact right after Start).
		s.consume(len(pending))
		return append([]byte(nil), s.rawTail...)
	}
	if len(pending) > 0 {
		first := bytes.ReplaceAll(pending, []byte("\n"), []byte("\r\n"))
		s.consume(len(pending))
		return first
	}
	line := s.rawTail
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	return append([]byte(nil), line...)
}

// stopTap stops passing output on; with consume, the output that arrived
// since startTap, which the operator has seen, is consumed.
func (s *stream) stopTap(consume bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tap = nil
	if consume {
		s.consume(len(s.pending()))
	}
}
