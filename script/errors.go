package script

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/drover-dev/drover/exec"
)

// maxErrors is the most errors Parse reports for one file.
const maxErrors = 20

// maxCollected is the most errors Parse collects before it stops, so that
// hostile input cannot make it spend long on errors it will not show.
const maxCollected = 1000

// Error is a problem at a position in a script, optionally inside a step.
// It prints as "file:line:col: step: msg", or "file:line:col: msg" when
// Step is empty. The zero Pos prints as the file name alone, and the zero
// Error as the empty string.
type Error struct {
	Pos  Pos
	Step string // the step's kind, such as "expect"; "" outside steps
	Err  error
}

// Error formats e as "file:line:col: step: msg".
func (e *Error) Error() string {
	var b strings.Builder
	if p := e.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if e.Step != "" {
		b.WriteString(e.Step)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem Parse found in one file, sorted by position.
// A nil or empty ErrorList is not returned as an error.
type ErrorList []*Error

// Error joins the errors' messages with newlines.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, so that errors.Is and errors.As look into
// each of them.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// finish sorts l by position, drops duplicates (a node reached through
// several aliases reports its problem once) and keeps at most maxErrors,
// the last of which then says that more were left out. cut says the
// parser stopped early, having found more than it keeps.
func (l ErrorList) finish(file string, cut bool) ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	l = slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.Error() == b.Error()
	})
	if len(l) <= maxErrors && !cut {
		return l
	}
	n := min(len(l), maxErrors-1)
	msg := fmt.Sprintf("too many errors (%d more not shown)", len(l)-n)
	if cut {
		msg = "too many errors"
	}
	return append(l[:n:n], &Error{Pos: Pos{File: file}, Err: errors.New(msg)})
}

// UndefinedError is a reference to a variable that is not defined. Expand
// returns it when its lookup fails; Parse returns it, inside an *Error,
// for a reference no earlier step or key defines.
type UndefinedError struct {
	Name    string   // as written between ${ and }
	Defined []string // the names defined there, sorted; nil if unknown or too many to list
	// Why, if not "", says why a variable the script may define is not
	// defined as the job runs: a branch that sets it was not taken.
	Why string
}

// Error says which variable is undefined and, when known, why, and which
// ones are.
func (e *UndefinedError) Error() string {
	msg := fmt.Sprintf("undefined variable %q", e.Name)
	if len(e.Defined) > 0 {
		msg += fmt.Sprintf(" (defined: %s)", listNames(e.Defined))
	}
	if e.Why != "" {
		msg += ": " + e.Why
	}
	return msg
}

// listNames joins names for a message, the first dozen of them.
func listNames(names []string) string {
	const most = 12
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// shortQuote quotes s for an error message, shortened when it is long.
func shortQuote(s string) string {
	const most = 40
	if len(s) <= most {
		return fmt.Sprintf("%q", s)
	}
	cut := most
	for cut > 0 && !isUTF8Start(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}

func isUTF8Start(b byte) bool { return b&0xC0 != 0x80 }

// procError is a failed operation on a process, told by the process's name
// in the script: "db has exited (exit 0)", "db: stdin was closed by an
// earlier EOF". An *exec.Error names the operation, which the failed
// step's kind says already, and the program, which does not tell two
// processes of one program apart: both are left out. It unwraps to the
// error exec returned, for errors.Is and errors.As.
type procError struct {
	proc   string       // the process's name
	status *exec.Status // how it ended, if it had when the error came
	err    error        // an *exec.Error, *exec.ExpectError or another
}

func (e *procError) Error() string {
	cause := e.err
	if xe, ok := cause.(*exec.Error); ok {
		cause = xe.Err
	}
	switch {
	case errors.Is(cause, exec.ErrExited) && e.status != nil:
		return fmt.Sprintf("%s has exited (%s)", e.proc, e.status)
	case errors.Is(cause, exec.ErrExited):
		return e.proc + " has exited" // Its group is gone, its status not yet published.
	case errors.Is(cause, exec.ErrNoTTY):
		return e.proc + " runs on pipes (tty: false), so it has no terminal"
	}
	return e.proc + ": " + cause.Error()
}

func (e *procError) Unwrap() error { return e.err }

// failed returns err, which an operation on pr's process returned, as a
// *procError naming pr; nil if err is nil.
func (pr *proc) failed(err error) error {
	if err == nil {
		return nil
	}
	return &procError{proc: pr.name, status: pr.p.Status(), err: err}
}
