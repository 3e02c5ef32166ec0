package script

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
)

// command expands what a run or spawn starts: its arguments, its
// environment (the job's, then the step's env) and its working directory
// (dir, relative to the script's).
func (st *state) command(c Command, env []KV, dir string, tty bool) (args, environ []string, wd string, err error) {
	if args, err = st.argv(c); err != nil {
		return nil, nil, "", err
	}
	if environ, err = st.procEnv(env, tty); err != nil {
		return nil, nil, "", err
	}
	if wd, err = st.workDir(dir); err != nil {
		return nil, nil, "", err
	}
	return args, environ, wd, nil
}

// argv expands a command into the arguments to start.
func (st *state) argv(c Command) ([]string, error) {
	if c.Shell != "" {
		sh, err := st.expand(c.Shell)
		if err != nil {
			return nil, err
		}
		return []string{"sh", "-c", sh}, nil
	}
	return st.expandAll(c.Argv)
}

// observe returns the Cmd.Observe that traces received output and
// records a terminal's, and the log's streams of the process, held until
// holds steps have captured secrets from it; nil when nobody is watching.
func (st *state) observe(name string, cast *castWriter, holds int) (func(exec.Stream, []byte), []*logStream) {
	if !st.log.tracing() && cast == nil {
		return nil, nil
	}
	out := st.log.stream(name+" <", cast, holds)
	errs := st.log.stream(name+" <2", nil, holds)
	return func(s exec.Stream, b []byte) {
		if s == exec.Stderr {
			st.log.received(errs, b)
		} else {
			st.log.received(out, b)
		}
	}, []*logStream{out, errs}
}

// cast starts recording a terminal for --transcripts, or returns nil.
func (st *state) cast(name string, rows, cols int, env []string) (*castWriter, error) {
	if st.rec == nil {
		return nil, nil
	}
	term, _ := getEnv(env, "TERM")
	return st.rec.cast(name, rows, cols, st.script.Name+": "+name, term)
}

// runError is a failed check of a process, with what it printed.
type runError struct {
	what   string
	waited time.Duration
	err    error
	p      *exec.Process
}

func (e *runError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %v", e.what, e.err)
	}
	return e.what
}

func (e *runError) Unwrap() error { return e.err }

// Received returns the last output of the process, by stream.
func (e *runError) Received() (stdout, stderr string) {
	return string(e.p.Recent(exec.Stdout)), string(e.p.Recent(exec.Stderr))
}

// Waited is how long the step waited.
func (e *runError) Waited() time.Duration { return e.waited }

// checkExit checks a status against what a step accepts.
func checkExit(spec ExitSpec, status *exec.Status) error {
	switch {
	case spec.Any:
		return nil
	case status.Signal != 0:
		return fmt.Errorf("want %s, got %s", describeExit(spec), status)
	case spec.Nonzero:
		if status.Code != 0 {
			return nil
		}
	case len(spec.Codes) == 0:
		if status.Code == 0 {
			return nil
		}
	default:
		for _, c := range spec.Codes {
			if status.Code == c {
				return nil
			}
		}
	}
	return fmt.Errorf("want %s, got %s", describeExit(spec), status)
}

func describeExit(spec ExitSpec) string {
	switch {
	case spec.Nonzero:
		return "a nonzero exit"
	case len(spec.Codes) == 0:
		return "exit 0"
	case len(spec.Codes) == 1:
		return fmt.Sprintf("exit %d", spec.Codes[0])
	}
	codes := make([]string, len(spec.Codes))
	for i, c := range spec.Codes {
		codes[i] = fmt.Sprint(c)
	}
	return "exit " + strings.Join(codes, " or ")
}

// orStopped is why ctx ended, in words, if it has; else err.
func orStopped(ctx context.Context, timeout time.Duration, err error) error {
	if why := stopped(ctx, timeout); why != nil {
		return why
	}
	return err
}
