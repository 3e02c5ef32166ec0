package script

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Retry runs a group of steps again, from the first, when one fails:
// a flaky part of a runbook retried on purpose. Processes the group
// spawned in a failed attempt are terminated before the next.
type Retry struct {
	Pos   Pos
	Spec  RetrySpec
	Steps []Step
}

// RetrySpec says how often to try a step, or a group of steps, again.
type RetrySpec struct {
	Attempts int           // in all, first try included; at least 2
	Delay    time.Duration // between attempts
	When     *RetryWhen    // the failures to try again; nil: all
}

// Position and Kind implement Step.
func (s *Retry) Position() Pos { return s.Pos }
func (*Retry) Kind() string    { return "retry" }

// retryKind is the retry step.
var retryKind = &stepKind{
	stepSpec: stepSpec{kind: "retry", doc: "run a group of steps again, from the first, when one fails",
		long: &form{
			fields:   []field{fAttempt, fDelay, fWhen, {"steps", tSteps, "the steps to try"}},
			required: []string{"attempts", "steps"},
			missing: map[string]string{
				"attempts": "how many times to try in all",
				"steps":    "the steps to try again",
			},
		}},
	parse: parseRetry,
}

// parseRetry reads a group of steps run again when one fails.
func parseRetry(c *stepCtx, key, val *yaml.Node) Step {
	s := &Retry{Pos: c.p.pos(key)}
	if val.Kind != yaml.MappingNode {
		c.errorf(val, "", "want a mapping with attempts, delay and steps; got %s", describe(val))
		return s
	}
	f := c.longForm(val)
	s.Spec = c.retryFields(f)
	e, ok := f["steps"]
	if !ok {
		return s // Missing: longForm said so.
	}
	s.Steps = c.block(e.val, "steps")
	return s
}

// retrySpec reads the retry: of a run step.
func (c *stepCtx) retrySpec(n *yaml.Node) *RetrySpec {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "retry", "want a mapping with attempts and delay, such as {attempts: 3, delay: 1s}; got %s", describe(n))
		return nil
	}
	f := c.fieldsOf(n, &retrySpecForm, "retry", "retry", n)
	spec := c.retryFields(f)
	return &spec
}

// retryFields reads attempts (required, 1 to 1000) and delay (default 0).
func (c *stepCtx) retryFields(f map[string]entry) RetrySpec {
	spec := RetrySpec{Attempts: 1}
	if e, ok := f["attempts"]; ok {
		spec.Attempts, _ = c.integer(e.val, "attempts", "a number of attempts from 1 to 1000 (the first included)", 1, 1000)
	}
	if e, ok := f["delay"]; ok {
		spec.Delay, _ = c.duration(e.val, "delay", true)
	}
	if e, ok := f["when"]; ok {
		spec.When = c.retryWhen(e.val)
	}
	return spec
}

// run runs a group of steps, again from the first when one fails.
// Processes spawned by a failed attempt are terminated before the next,
// and the names they took are given back.
func (s *Retry) run(ctx context.Context, st *state) error {
	return st.retrying(ctx, s.Spec, func() error {
		procs := maps.Clone(st.procs)
		current, n := st.current, len(st.order)
		err := st.runBlock(ctx, s.Steps)
		if err != nil {
			for _, p := range st.order[n:] {
				_ = p.p.Terminate(context.Background(), defaultGrace) // Only fails on misuse.
			}
			st.procs, st.current = procs, current
		}
		return err
	})
}

// retrying calls try until it succeeds or has failed spec.Attempts
// times, sleeping spec.Delay between tries; each failure but the last is
// noted. A failure spec.When does not match ends the tries at once.
func (st *state) retrying(ctx context.Context, spec RetrySpec, try func() error) error {
	attempts, delay := spec.Attempts, spec.Delay
	var err error
	for i := 1; ; i++ {
		if err = try(); err == nil {
			return nil
		}
		if i == attempts || ctx.Err() != nil {
			attempts = i // Fewer when the job was stopped.
			break
		}
		if !spec.When.matches(ctx, st, err) {
			st.log.note("attempt %d of %d failed in a way when: does not retry: %v\n", i, attempts, firstLine(st.log.masked(err.Error())))
			attempts = i
			break
		}
		st.log.note("attempt %d of %d failed: %v\n", i, attempts, firstLine(st.log.masked(err.Error())))
		if serr := sleep(ctx, delay); serr != nil {
			return serr
		}
	}
	if attempts > 1 {
		if e, ok := err.(*Error); ok { // A group's step, already placed.
			return &Error{Pos: e.Pos, Step: e.Step, Err: &retryError{attempts: attempts, err: e.Err}}
		}
		// Plain, or placed inside a wrapper that says more (each[3] ...:),
		// which must stay in front of the position.
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

// children implements parent.
func (s *Retry) children() [][]Step { return [][]Step{s.Steps} }

// templates implements templater: when:'s checks.
func (s *Retry) templates() []string { return s.Spec.When.templates() }

// lint implements linted: every attempt runs the steps from the first,
// from what held before the first; what always fails does so in each.
func (s *Retry) lint(l *linter, f *facts) (string, bool) {
	return "", l.block(s.Steps, f)
}
