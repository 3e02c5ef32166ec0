package script

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
)

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

// run runs a run step, again after a failure when it says retry.
func (st *state) run(ctx context.Context, s *Run) error {
	attempts, delay := 1, time.Duration(0)
	if s.Retry != nil {
		attempts, delay = s.Retry.Attempts, s.Retry.Delay
	}
	return st.retrying(ctx, attempts, delay, func() error { return st.runOnce(ctx, s) })
}

// retrying calls try until it succeeds or has failed attempts times,
// sleeping delay between tries; each failure but the last is noted.
func (st *state) retrying(ctx context.Context, attempts int, delay time.Duration, try func() error) error {
	var err error
	for i := 1; ; i++ {
		if err = try(); err == nil {
			return nil
		}
		if i == attempts || ctx.Err() != nil {
			attempts = i // Fewer when the job was stopped.
			break
		}
		st.log.note("attempt %d of %d failed: %v\n", i, attempts, firstLine(st.log.masked(err.Error())))
		if serr := sleep(ctx, delay); serr != nil {
			return serr
		}
	}
	if attempts > 1 {
		var e *Error
		if errors.As(err, &e) { // A group's step, already placed.
			return &Error{Pos: e.Pos, Step: e.Step, Err: &retryError{attempts: attempts, err: e.Err}}
		}
		return &retryError{attempts: attempts, err: err}
	}
	return err
}

// retryError is the last failure of a step tried several times.
type retryError struct {
	attempts int
	err      error
}

func (e *retryError) Error() string {
	return fmt.Sprintf("failed %d attempts; the last: %v", e.attempts, e.err)
}
func (e *retryError) Unwrap() error { return e.err }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// runOnce starts a command, feeds it stdin, waits for it, and checks it.
func (st *state) runOnce(ctx context.Context, s *Run) error {
	args, err := st.argv(s.Cmd)
	if err != nil {
		return err
	}
	env, err := st.procEnv(s.Env, s.TTY)
	if err != nil {
		return err
	}
	dir, err := st.workDir(s.Dir)
	if err != nil {
		return err
	}
	var stdin string
	if s.Stdin != nil {
		if stdin, err = st.expand(*s.Stdin); err != nil {
			return err
		}
	}
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	var cast *castWriter
	if s.TTY {
		if cast, err = st.cast(filepath.Base(args[0]), 0, 0, env); err != nil {
			return err
		}
	}
	holds := 0
	if s.Capture != "" && st.secrets[s.Capture] {
		holds = 1
	}
	observe, logs := st.observe(filepath.Base(args[0]), cast, holds)
	defer st.log.end(logs) // Last: after the process and its output ended.
	cmd := &exec.Cmd{Args: args, Env: env, Dir: dir, TTY: s.TTY, Observe: observe}
	switch {
	case s.TTY:
	case stdin == "":
		// A file is passed to the program as it is: no pipe, and no
		// goroutine to copy nothing into it.
		devNull, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer func() { _ = devNull.Close() }() // The child has its own copy.
		cmd.Stdin = devNull
	default:
		cmd.Stdin = strings.NewReader(stdin)
	}
	cmd.Watch, cmd.CountLines = st.watchTexts(s.Stdout, s.Stderr), countLines(s.Stdout, s.Stderr)
	began := time.Now()
	p, err := exec.Start(ctx, cmd)
	if err != nil {
		return startError(err, args[0], dir)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }() // Ends any group left.
	captured := false
	if holds > 0 {
		defer func() { st.releaseCapture(captured, p, logs) }()
	}
	if s.TTY {
		if stdin != "" {
			if cast != nil {
				cast.input(st.log.masked(stdin))
			}
			if err := p.Send(ctx, []byte(stdin)); err != nil {
				return err
			}
		}
		_ = p.SendEOF(ctx) // The program may have exited already.
	}
	status, err := p.Wait(ctx)
	if status == nil {
		return &runError{what: fmt.Sprintf("%s did not exit", strings.Join(args, " ")), waited: time.Since(began), err: orStopped(ctx, s.Timeout, err), p: p}
	}
	stdout, stderr := p.Output(exec.Stdout), p.Output(exec.Stderr)
	if err := checkExit(s.Exit, status); err != nil {
		return &runError{what: err.Error(), waited: time.Since(began), p: p}
	}
	if err := st.checkOutput(ctx, "stdout", s.Stdout, stdout); err != nil {
		return &runError{what: err.Error(), waited: time.Since(began), p: p}
	}
	if err := st.checkOutput(ctx, "stderr", s.Stderr, stderr); err != nil {
		return &runError{what: err.Error(), waited: time.Since(began), p: p}
	}
	if took := time.Since(began); s.MaxDur > 0 && took > s.MaxDur {
		return &runError{what: fmt.Sprintf("took %s, more than max_duration %s", took.Round(time.Millisecond), s.MaxDur), waited: took, p: p}
	}
	if s.Capture != "" {
		if stdout.Dropped > 0 {
			return fmt.Errorf("capture: stdout is too large to capture: %d bytes were dropped to bound memory", stdout.Dropped)
		}
		st.setVar(s.Capture, strings.TrimRight(string(stdout.Kept), "\r\n"))
		captured = true
	}
	return nil
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

// spawn starts a process in the background.
func (st *state) spawn(ctx context.Context, s *Spawn) error {
	args, err := st.argv(s.Cmd)
	if err != nil {
		return err
	}
	env, err := st.procEnv(s.Env, s.TTY)
	if err != nil {
		return err
	}
	dir, err := st.workDir(s.Dir)
	if err != nil {
		return err
	}
	name := s.Name
	if s.NameFromArgs {
		// spawn: ["${bin}"] is named by what it runs: bc, not ${bin}.
		name = filepath.Base(args[0])
	}
	var cast *castWriter
	if s.TTY {
		if cast, err = st.cast(name, s.Rows, s.Cols, env); err != nil {
			return err
		}
	}
	cmd := &exec.Cmd{
		Args: args, Env: env, Dir: dir, TTY: s.TTY,
		Rows: uint16(s.Rows), Cols: uint16(s.Cols),
		SeparateStderr: s.StderrPipe,
	}
	var logs []*logStream
	cmd.Observe, logs = st.observe(name, cast, st.plan.holds[s.Name])
	if st.piped[s.Name] {
		if s.TTY {
			return fmt.Errorf("%s feeds stdin_from of another process, so it needs tty: false", s.Name)
		}
		cmd.StdoutPipe = true
	}
	if s.StdinFrom != "" {
		src, err := st.proc(s.StdinFrom)
		if err != nil {
			return err
		}
		f := src.p.Stdout()
		if f == nil {
			return fmt.Errorf("stdout of %s already feeds another process", s.StdinFrom)
		}
		cmd.Stdin = f
		defer func() { _ = f.Close() }() // The child has its own copy.
	}
	// What wait steps check is looked for in all the output, as it streams
	// by: a text whose variables change before the wait was not, and the
	// wait says so if bytes were dropped.
	waits := st.waitMatchers(s.Name)
	cmd.Watch, cmd.CountLines = st.watchTexts(waits...), countLines(waits...)
	// A process lives until the job ends, not just this step.
	p, err := exec.Start(st.procCtx, cmd)
	if err != nil {
		return startError(err, args[0], dir)
	}
	pr := &proc{name: name, p: p, tty: s.TTY, cast: cast, logs: logs}
	st.procs[s.Name] = pr // The name the script's steps were checked against,
	st.procs[name] = pr   // and the one it is shown by.
	st.order = append(st.order, pr)
	st.current = pr
	return nil
}

// wait waits for a process to exit and checks how.
func (st *state) wait(ctx context.Context, s *Wait) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	status, err := pr.p.Wait(ctx)
	if status == nil {
		return &runError{what: fmt.Sprintf("%s did not exit", pr.name), waited: time.Since(began), err: orStopped(ctx, timeout, err), p: pr.p}
	}
	if s.Signal != "" {
		want, err := exec.ParseSignal(s.Signal)
		if err != nil {
			return err
		}
		if status.Signal != want {
			return &runError{what: fmt.Sprintf("%s: want killed by %s, got %s", pr.name, exec.SignalName(want), status), waited: time.Since(began), p: pr.p}
		}
	} else if err := checkExit(s.Exit, status); err != nil {
		return &runError{what: fmt.Sprintf("%s: %v", pr.name, err), waited: time.Since(began), p: pr.p}
	}
	if took := time.Since(began); s.MaxDur > 0 && took > s.MaxDur {
		return &runError{what: fmt.Sprintf("%s took %s to exit, more than max_duration %s", pr.name, took.Round(time.Millisecond), s.MaxDur), waited: took, p: pr.p}
	}
	if err := st.checkOutput(ctx, "stdout", s.Stdout, pr.p.Output(exec.Stdout)); err != nil {
		return &runError{what: err.Error(), waited: time.Since(began), p: pr.p}
	}
	if err := st.checkOutput(ctx, "stderr", s.Stderr, pr.p.Output(exec.Stderr)); err != nil {
		return &runError{what: err.Error(), waited: time.Since(began), p: pr.p}
	}
	return nil
}

// signal sends a signal to a process's group.
func (st *state) signal(s *Signal) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	sig, err := exec.ParseSignal(s.Sig)
	if err != nil {
		return err
	}
	return pr.p.Signal(sig)
}

// terminate ends a process's whole tree.
func (st *state) terminate(ctx context.Context, s *Terminate) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	grace := s.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	return pr.p.Terminate(ctx, grace)
}

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

// sleep pauses until d has passed or ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return stopped(ctx, 0)
	}
}

// orStopped is why ctx ended, in words, if it has; else err.
func orStopped(ctx context.Context, timeout time.Duration, err error) error {
	if why := stopped(ctx, timeout); why != nil {
		return why
	}
	return err
}
