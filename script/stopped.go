package script

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"syscall"
	"time"

	"github.com/drover-dev/drover/exec"
)

// stopError says in words why a step's context ended: "interrupted",
// "timed out after 2s", "script timeout 1m reached", or the cause given
// to the job's context (such as --fail-fast's). It never reads
// "context canceled". It unwraps to the context's error and its cause,
// for errors.Is and errors.As.
type stopError struct {
	text  string
	errs  []error
	cause error
}

func (e *stopError) Error() string   { return e.text }
func (e *stopError) Unwrap() []error { return e.errs }

// stopped returns why ctx ended, in words, or nil if it has not. timeout
// is the step's own timeout, which ctx's deadline is when the script's
// is not the cause.
func stopped(ctx context.Context, timeout time.Duration) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	cause := context.Cause(ctx)
	e := &stopError{errs: []error{err}, cause: cause}
	if cause != nil && cause != err {
		e.errs = append(e.errs, cause)
	}
	var st *scriptTimeout
	switch {
	case errors.As(cause, &st):
		e.text = cause.Error()
	case errors.Is(err, context.DeadlineExceeded) && timeout > 0:
		e.text = fmt.Sprintf("timed out after %s", timeout)
	case errors.Is(err, context.DeadlineExceeded):
		e.text = "timed out"
	case cause != nil && cause != context.Canceled:
		e.text = cause.Error()
	default:
		e.text = "interrupted"
	}
	return e
}

// explain rewrites the context errors inside err, which say
// "context canceled", as why ctx ended, and adds why to an error that
// does not say it. ctx is the context the failed step ran under.
func explain(ctx context.Context, err error) error {
	why := stopped(ctx, 0)
	if why == nil {
		return err
	}
	// An expect's deadline exec words itself ("timed out after"); the
	// script's timeout, if it was that, is added below.
	var ee *exec.ExpectError
	if errors.As(err, &ee) && ee.Err == context.Canceled {
		ee.Err = why
		return err
	}
	var re *runError
	if errors.As(err, &re) && isContextErr(re.err) {
		re.err = why
		return err
	}
	if isContextErr(err) {
		return why
	}
	if _, said := errors.AsType[*stopError](err); said {
		return err
	}
	if _, said := errors.AsType[*scriptTimeout](err); said {
		return err
	}
	return &explained{err: err, why: why}
}

// isContextErr reports whether err is a context's error, as it is.
func isContextErr(err error) bool {
	return err == context.Canceled || err == context.DeadlineExceeded
}

// explained is an error that happened because the step's context ended,
// followed by why it ended.
type explained struct{ err, why error }

func (e *explained) Error() string   { return fmt.Sprintf("%v (%v)", e.err, e.why) }
func (e *explained) Unwrap() []error { return []error{e.err, e.why} }

// startError says why a program could not start, in words: not
// installed, not executable, no such working directory; not in the
// formats of os/exec ("exec: \"x\": executable file not found in $PATH",
// "fork/exec /bin/ls: no such file or directory").
func startError(err error, prog, dir string) error {
	if err == nil {
		return nil
	}
	var ee *osexec.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &ee) && errors.Is(err, osexec.ErrNotFound) && ee.Err != osexec.ErrNotFound:
		return &wordsError{fmt.Sprintf("program %q is not installed (%v)", prog, ee.Err), err} // The PATH the process was given.
	case errors.Is(err, osexec.ErrNotFound):
		return &wordsError{fmt.Sprintf("program %q is not installed (not found in PATH)", prog), err}
	case errors.Is(err, syscall.EMFILE):
		// This process's descriptors, not the program's: say which limit.
		text := fmt.Sprintf("program %q cannot be started: too many open files", prog)
		if n := openFilesLimit(); n > 0 {
			text += fmt.Sprintf(" (ulimit -n %d)", n)
		}
		return &wordsError{text, err}
	case errors.Is(err, fs.ErrPermission):
		return &wordsError{fmt.Sprintf("program %q is not executable (permission denied)", prog), err}
	case errors.As(err, &ee):
		return &wordsError{fmt.Sprintf("program %q cannot be started: %v", prog, ee.Err), err}
	case errors.As(err, &pe):
		if dir != "" {
			if _, serr := os.Stat(dir); serr != nil {
				return &wordsError{fmt.Sprintf("working directory %s does not exist", dir), err}
			}
		}
		return &wordsError{fmt.Sprintf("program %q cannot be started: %v", prog, pe.Err), err}
	}
	return err
}

// wordsError is err told in other words.
type wordsError struct {
	text string
	err  error
}

func (e *wordsError) Error() string { return e.text }
func (e *wordsError) Unwrap() error { return e.err }
