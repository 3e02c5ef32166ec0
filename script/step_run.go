package script

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Run starts a command, feeds it stdin, waits for it and checks its exit
// status and output.
type Run struct {
	Pos         Pos
	Cmd         Command
	Stdin       *string // template; nil means no input (stdin is /dev/null)
	Env         []KV
	Dir         string // template
	TTY         bool   // default false
	Timeout     time.Duration
	Exit        ExitSpec
	Stdout      *OutputMatcher
	Stderr      *OutputMatcher
	Capture     string        // name of a variable that receives stdout, trailing newlines trimmed
	CaptureJSON []JSONCapture // capture: {var: JQ-EXPR}: variables that receive values of stdout read as JSON
	Retry       *RetrySpec    // run again on failure; nil means once
	MaxDur      time.Duration // max_duration: fail if it took longer; 0 means no limit
}

// Position and Kind implement Step.
func (s *Run) Position() Pos { return s.Pos }
func (*Run) Kind() string    { return "run" }

// runKind is the run step.
var runKind = &stepKind{
	stepSpec: stepSpec{kind: "run", doc: "start a command, feed it stdin, wait for it to end and check its exit status and output",
		short: []valueType{tArgv, tNonBlank},
		long: &form{
			fields: []field{fCmd, fShell,
				{"stdin", tText, "the command's input; default: none"},
				fEnv, fDir,
				{"tty", tBool, "run under a pseudo-terminal; default false"},
				{"timeout", tDuration, "the time limit of the command"},
				{"exit", tExit, "the accepted exit status; default 0"},
				{"stdout", tMatcher, "a check on stdout"},
				{"stderr", tMatcher, "a check on stderr"},
				{"capture", tCapture, "a variable that receives stdout, trailing newlines trimmed; or {var: JQ-EXPR}: each variable receives what the jq expression yields on stdout read as JSON (a string as it is, another value as compact JSON)"},
				{"retry", tRetrySpec, "run the command again when the step fails"},
				fMaxDur,
			},
			oneOf: []string{"cmd", "shell"},
		}},
	parse: parseRun,
}

// parseRun reads the step from its key and value.
func parseRun(c *stepCtx, key, val *yaml.Node) Step {
	s := &Run{Pos: c.p.pos(key)}
	switch {
	case val.Kind == yaml.SequenceNode:
		s.Cmd.Argv = c.argv(val, "")
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Cmd.Shell = c.shell(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.Cmd = c.command(f, key)
		if e, ok := f["stdin"]; ok {
			if v, ok := c.tmpl(e.val, "stdin"); ok {
				s.Stdin = &v
			}
		}
		if e, ok := f["env"]; ok {
			s.Env = c.env(e.val, "env")
		}
		if e, ok := f["dir"]; ok {
			s.Dir, _ = c.tmpl(e.val, "dir")
		}
		if e, ok := f["tty"]; ok {
			s.TTY, _ = c.boolean(e.val, "tty")
		}
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["exit"]; ok {
			s.Exit = c.exit(e.val)
		}
		if e, ok := f["stdout"]; ok {
			s.Stdout = c.matcher(e.val, "stdout")
		}
		if e, ok := f["stderr"]; ok {
			s.Stderr = c.matcher(e.val, "stderr")
			if s.TTY {
				c.errorf(e.key, "", "stderr: under tty: true stderr is the terminal, mixed with stdout; check stdout instead")
			}
		}
		if e, ok := f["capture"]; ok {
			switch v := deref(e.val); {
			case v.Kind == yaml.MappingNode && len(v.Content) > 0:
				s.CaptureJSON = c.jsonCaptures(v, "capture")
				for _, cp := range s.CaptureJSON {
					c.sc.defineVar(cp.Var) // After the step's own references.
				}
			case v.Kind == yaml.MappingNode:
				c.errorf(v, "capture", "want a variable name, or a mapping of variables to jq expressions; got an empty mapping")
			case c.varName(v, "capture"):
				s.Capture = v.Value
				c.sc.defineVar(s.Capture) // After the step's own references.
			}
		}
		if e, ok := f["retry"]; ok {
			s.Retry = c.retrySpec(e.val)
		}
		if e, ok := f["max_duration"]; ok {
			s.MaxDur, _ = c.duration(e.val, "max_duration", false)
		}
	default:
		c.errorf(val, "", "want a command: a list such as [ls, -l], a shell command line, or a mapping with cmd: or shell:; got %s", describe(val))
	}
	return s
}

// run runs a run step, again after a failure when it says retry.
func (s *Run) run(ctx context.Context, st *state) error {
	spec := RetrySpec{Attempts: 1}
	if s.Retry != nil {
		spec = *s.Retry
	}
	return st.retrying(ctx, spec, func() error { return st.runOnce(ctx, s) })
}

// runOnce starts a command, feeds it stdin, waits for it, and checks it.
func (st *state) runOnce(ctx context.Context, s *Run) error {
	args, env, dir, err := st.command(s.Cmd, s.Env, s.Dir, s.TTY)
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
	if s.Capture != "" && st.secrets[s.Capture] || slices.ContainsFunc(s.CaptureJSON, func(cp JSONCapture) bool { return st.secrets[cp.Var] }) {
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
		null, err := devNull()
		if err != nil {
			return err
		}
		cmd.Stdin = null
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
			// A program may exit without reading all its input: its
			// exit is judged below, as on pipes.
			if err := p.Send(ctx, []byte(stdin)); err != nil && !errors.Is(err, exec.ErrExited) {
				return err
			}
		}
		_ = p.SendEOF(ctx) // The program may have exited already.
	}
	status, err := p.Wait(ctx)
	if status != nil && st.isStop(status.Signal) {
		st.runStopKilled = true
	}
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
	if len(s.CaptureJSON) > 0 {
		if err := st.captureJSON(ctx, s.CaptureJSON, stdout); err != nil {
			return &runError{what: err.Error(), waited: time.Since(began), p: p}
		}
		captured = true
	}
	return nil
}

// devNull is /dev/null open for reading, the stdin of every run step
// without stdin:. It is opened when a run step first needs it and stays
// open (close-on-exec) for the program's life; each child gets a copy of
// the descriptor, and nothing closes this one. Opening and closing it for
// every step cost 7 system calls (open, the poller's vain try at it,
// close) and a walk of the path.
var devNull = sync.OnceValues(func() (*os.File, error) { return os.Open(os.DevNull) })

// templates implements templater.
func (s *Run) templates() []string {
	ts := append(s.Cmd.templates(), s.Dir)
	if s.Stdin != nil {
		ts = append(ts, *s.Stdin)
	}
	ts = append(ts, kvTemplates(s.Env)...)
	for _, cp := range s.CaptureJSON {
		ts = append(ts, cp.Expr)
	}
	return append(append(ts, s.Stdout.templates()...), s.Stderr.templates()...)
}

// defines implements definer: capture:.
func (s *Run) defines() []string {
	var names []string
	if s.Capture != "" {
		names = append(names, s.Capture)
	}
	for _, cp := range s.CaptureJSON {
		names = append(names, cp.Var)
	}
	return names
}

// command implements commander.
func (s *Run) command() (Command, []KV) { return s.Cmd, s.Env }
