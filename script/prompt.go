package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// maxAnswer bounds an answer typed at a prompt: a paste of megabytes
// without a newline must not grow without end.
const maxAnswer = 64 << 10

// errNoAnswer is the end of input at a prompt: Ctrl-D, or a closed
// terminal.
var errNoAnswer = errors.New("no answer (end of input)")

// prompt takes drover's terminal, writes question on it, and reads one
// line of answer, without its line ending; with secret, the terminal does
// not echo what is typed. When several jobs run, the question is preceded
// by the job's name, so that the operator knows which one asks.
func (st *state) prompt(ctx context.Context, question string, secret bool) (string, error) {
	t := st.opts.Terminal
	release, err := t.Acquire(ctx)
	if err != nil {
		return "", stopped(ctx, 0)
	}
	defer release()
	if st.opts.Prefix && st.jobName != "" {
		question = st.jobName + ": " + question
	}
	// The operator's own terminal, but a secret must not stay in its
	// scrollback, nor escapes from a captured value reach it.
	if _, err := io.WriteString(t.Out, Visible(st.log.masked(question))); err != nil {
		return "", fmt.Errorf("cannot write to the terminal: %w", err)
	}
	answer, err := readAnswer(ctx, t.In, secret)
	if secret {
		// The Enter typed was not echoed either.
		_, _ = io.WriteString(t.Out, "\r\n") // Best effort: the answer is in.
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", stopped(ctx, 0)
		}
		if errors.Is(err, io.EOF) {
			return "", errNoAnswer
		}
		return "", fmt.Errorf("cannot read the terminal: %w", err)
	}
	return answer, nil
}

// readLine reads bytes from r, one at a time so that nothing after the
// line is taken from the terminal, until a newline, and returns the line
// without its line ending; next returns the next byte, or an error.
func readLine(next func() (byte, error)) (string, error) {
	var line bytes.Buffer
	for {
		b, err := next()
		if err != nil {
			if errors.Is(err, io.EOF) && line.Len() > 0 {
				return string(bytes.TrimRight(line.Bytes(), "\r")), nil
			}
			return "", err
		}
		if b == '\n' || b == '\r' {
			return line.String(), nil
		}
		if line.Len() < maxAnswer {
			line.WriteByte(b)
		}
	}
}

// isStopped reports whether err is a step's context ending (a timeout,
// Ctrl-C), which says so itself.
func isStopped(err error) bool {
	var e *stopError
	return errors.As(err, &e)
}
