package script

import (
	"context"
	"errors"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// RetryWhen says which failures a retry tries again: those for which every
// check given holds. A failure it does not match fails at once.
type RetryWhen struct {
	Pos    Pos
	Exit   *ExitSpec      // the failed program's exit status is one of these
	Stdout *OutputMatcher // what the failed step last received on stdout
	Stderr *OutputMatcher // ... and on stderr
	Error  *OutputMatcher // the text of the failure, as it would be reported
}

// retryWhenForm is the when: of retry.
var retryWhenForm = form{
	fields: []field{
		{"exit", tExit, "the failed program exited so: a code, a list of codes, nonzero or any (a signal)"},
		{"stdout", tMatcher, "the failed step's program printed this on stdout (the last 64 KiB)"},
		{"stderr", tMatcher, "the failed step's program printed this on stderr (the last 64 KiB)"},
		{"error", tMatcher, "the failure's message says this"},
	},
	nonEmpty: true,
}

// fWhen is the when: key of retry and of run's retry:.
var fWhen = field{"when", tRetryWhen, "retry only failures that match: exit, stdout, stderr, error; others fail at once"}

// retryWhen reads when:, a mapping of checks that must all hold.
func (c *stepCtx) retryWhen(n *yaml.Node) *RetryWhen {
	w := &RetryWhen{Pos: c.p.pos(n)}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "when", "want a mapping with exit, stdout, stderr or error, such as {stderr: {contains: refused}}; got %s", describe(n))
		return nil
	}
	f := c.fieldsOf(n, &retryWhenForm, "when", "when", n)
	if e, ok := f["exit"]; ok {
		x := c.exit(e.val)
		w.Exit = &x
	}
	if e, ok := f["stdout"]; ok {
		w.Stdout = c.matcher(e.val, "when.stdout")
	}
	if e, ok := f["stderr"]; ok {
		w.Stderr = c.matcher(e.val, "when.stderr")
	}
	if e, ok := f["error"]; ok {
		w.Error = c.matcher(e.val, "when.error")
	}
	for _, m := range []*OutputMatcher{w.Stdout, w.Stderr, w.Error} {
		if m != nil {
			m.predicate = true // A question: --update rewrites no golden file of it.
		}
	}
	return w
}

// templates returns the templates of w's checks.
func (w *RetryWhen) templates() []string {
	if w == nil {
		return nil
	}
	var ts []string
	for _, m := range []*OutputMatcher{w.Stdout, w.Stderr, w.Error} {
		ts = append(ts, m.templates()...)
	}
	return ts
}

// matches reports whether err, a failure, is one w retries. A check about
// a program's exit or output does not hold for a failure without one
// (an expect that timed out has no exit status).
func (w *RetryWhen) matches(ctx context.Context, st *state, err error) bool {
	if w == nil {
		return true
	}
	var stdout, stderr *string
	var status *exec.Status
	var re *runError
	var ee *exec.ExpectError
	switch {
	case errors.As(err, &re):
		out, errs := re.Received()
		stdout, stderr = &out, &errs
		if re.p.Exited() {
			status, _ = re.p.Wait(ctx) // Reaped already: returns at once.
		}
	case errors.As(err, &ee):
		stdout = &ee.Recent // What the expect was reading.
	}
	if w.Exit != nil && (status == nil || checkExit(*w.Exit, status) != nil) {
		return false
	}
	text := func(s *string) *exec.Output {
		if s == nil {
			return nil
		}
		return &exec.Output{Kept: []byte(*s)}
	}
	msg := st.log.masked(err.Error())
	for _, c := range []struct {
		m   *OutputMatcher
		out *exec.Output
	}{{w.Stdout, text(stdout)}, {w.Stderr, text(stderr)}, {w.Error, text(&msg)}} {
		if c.m == nil {
			continue
		}
		if c.out == nil || st.checkOutput(ctx, "", c.m, c.out) != nil {
			return false
		}
	}
	return true
}
