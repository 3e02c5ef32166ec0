package script

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Wait waits for a process to exit and checks its status and the output no
// expect consumed.
type Wait struct {
	Pos     Pos
	Exit    ExitSpec
	Signal  string // TERM, KILL, ...: the process must die of it
	Timeout time.Duration
	Stdout  *OutputMatcher
	Stderr  *OutputMatcher
	On      string
	MaxDur  time.Duration // max_duration: fail if the exit took longer to come
}

// Position and Kind implement Step.
func (s *Wait) Position() Pos { return s.Pos }
func (*Wait) Kind() string    { return "wait" }

// waitKind is the wait step.
var waitKind = &stepKind{
	stepSpec: stepSpec{kind: "wait", doc: "wait for the process to end and check how it ended",
		short: []valueType{tNull},
		long: &form{
			fields: []field{
				{"exit", tExit, "the accepted exit status; default 0"},
				{"signal", tSignal, "the signal the process must die of"},
				fTimeout,
				{"stdout", tMatcher, "a check on the stdout no expect consumed"},
				{"stderr", tMatcher, "a check on the stderr no expect consumed"},
				fOn, fMaxDur,
			},
			atMostOne: []string{"exit", "signal"},
		}},
	parse: parseWait,
}

// parseWait reads the step from its key and value.
func parseWait(c *stepCtx, key, val *yaml.Node) Step {
	s := &Wait{Pos: c.p.pos(key), Timeout: defaultStepTimeout}
	switch {
	case isNull(val):
		c.needProcess(key)
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		if e, ok := f["exit"]; ok {
			s.Exit = c.exit(e.val)
		}
		if e, ok := f["signal"]; ok {
			s.Signal = c.signalName(e.val, "signal")
			if x, ok := f["exit"]; ok {
				later := e.key
				if cmpPos(x.key, later) > 0 {
					later = x.key
				}
				c.errorf(later, "", "exit and signal cannot be used together: a process either exits or dies of a signal")
			}
		}
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["stdout"]; ok {
			s.Stdout = c.matcher(e.val, "stdout")
		}
		if e, ok := f["stderr"]; ok {
			s.Stderr = c.matcher(e.val, "stderr")
		}
		if e, ok := f["max_duration"]; ok {
			s.MaxDur, _ = c.duration(e.val, "max_duration", false)
		}
	default:
		c.errorf(val, "", "want nothing (- wait:) or a mapping with %s; got %s", strings.Join(c.keys(), ", "), describe(val))
	}
	return s
}

// run waits for a process to exit and checks how.
func (s *Wait) run(ctx context.Context, st *state) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	pr.settled = true
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

// waitMatchers returns the output checks of every wait step that may act
// on the process named name: those with on: name and those without on:.
func (st *state) waitMatchers(name string) []*OutputMatcher {
	var ms []*OutputMatcher
	visit := func(step Step) {
		if w, ok := step.(*Wait); ok && (w.On == "" || w.On == name) {
			ms = append(ms, w.Stdout, w.Stderr)
		}
	}
	walkSteps(st.script.Steps, visit)
	walkSteps(st.script.Finally, visit)
	return ms
}

// lint implements linted: a wait ends the process.
func (s *Wait) lint(_ *linter, f *facts) (string, bool) {
	if p := f.target(s.On); p != nil && p.ended == nil {
		p.ended = s
	}
	return "", false
}

// templates implements templater.
func (s *Wait) templates() []string {
	return append(s.Stdout.templates(), s.Stderr.templates()...)
}
