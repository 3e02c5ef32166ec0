package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
)

// This file is the expect step at run time: what it waits for, beside its
// own patterns the fail_on: patterns and the prompt: of its process's
// spawn, and what it does with what it found.

// pattern expands the variables of p and compiles its regular expression.
func (st *state) pattern(p Pattern) (exec.Pattern, error) {
	switch {
	case p.EOF:
		return exec.Pattern{EOF: true}, nil
	case p.Regexp != nil:
		return exec.Pattern{Regexp: p.Regexp}, nil
	case p.Re:
		src, err := st.expand(p.Text)
		if err != nil {
			return exec.Pattern{}, err
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return exec.Pattern{}, fmt.Errorf("bad regular expression after expanding variables: %v", err)
		}
		return exec.Pattern{Regexp: re}, nil
	}
	text, err := st.expand(p.Text)
	if err != nil {
		return exec.Pattern{}, err
	}
	return exec.Pattern{Text: text}, nil
}

// run waits for output matching one of the step's patterns, captures
// groups, and runs the matched branch's steps. The fail_on: patterns of
// the process come after the step's own, and its prompt last: an earlier
// start wins and a tie goes to the step's own pattern.
func (s *Expect) run(ctx context.Context, st *state) error {
	pr, err := st.proc(s.on())
	if err != nil {
		return err
	}
	if s.echo() != "" {
		return s.waitEcho(ctx, st, pr)
	}
	pats := make([]exec.Pattern, 0, len(s.Patterns)+len(pr.failOn)+1) // One allocation.
	var indexes [4]int
	index := indexes[:0] // index[i] is the place in s.Patterns of pats[i]
	timeoutBranch := -1
	for i, p := range s.Patterns {
		if p.Timeout {
			timeoutBranch = i
			continue
		}
		pat, err := st.pattern(p)
		if err != nil {
			return err
		}
		pats, index = append(pats, pat), append(index, i)
	}
	wanted := len(pats)
	pats = append(pats, pr.failOn...)
	prompt := -1
	if pr.prompt != nil && !awaitsPrompt(pats[:wanted], *pr.prompt) {
		prompt = len(pats)
		pats = append(pats, *pr.prompt)
	}
	stream := exec.Stdout
	switch s.stream() {
	case "stderr":
		stream = exec.Stderr
	case "both":
		stream = exec.Both
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	m, err := pr.p.ExpectIdle(ectx, s.idle(), stream, pats...)
	release := func() {
		if st.plan.expects[s] {
			st.log.release(pr.logs) // Its secrets are masked now.
		}
	}
	ee := asExpectError(err)
	if ee != nil {
		ee.Patterns = ee.Patterns[:min(wanted, len(ee.Patterns))] // Not fail_on's nor the prompt.
	}
	switch {
	case err != nil && timeoutBranch >= 0 && ee != nil && ctx.Err() == nil &&
		(errors.Is(ee.Err, context.DeadlineExceeded) || errors.Is(ee.Err, exec.ErrIdle)):
		return s.runBranch(ctx, st, timeoutBranch, nil, s.unconsumed(pr, stream), release)
	case err != nil:
		release()
		if ee != nil && errors.Is(ee.Err, context.DeadlineExceeded) && ctx.Err() == nil {
			// The step's own timeout: say the wait asked for, not what
			// remained of it once Expect began.
			ee.Waited = timeout
		}
		return st.withOther(s, pr.failed(err))
	case m.Index == prompt && timeoutBranch >= 0:
		// The prompt is back: the answer will not come, as when time runs out.
		return s.runBranch(ctx, st, timeoutBranch, nil, m.Before, release)
	case m.Index >= wanted:
		release()
		return cutShortBy(pr, m, pats[m.Index], pats[:wanted], stream, time.Since(began), m.Index == prompt)
	}
	return s.runBranch(ctx, st, index[m.Index], m, m.Before, release)
}

// runBranch sets what the pattern at i of s.Patterns matched (m is nil for
// the timeout branch) and before:, calls release, then runs the branch's
// steps.
func (s *Expect) runBranch(ctx context.Context, st *state, i int, m *exec.Match, before string, release func()) error {
	pat := s.Patterns[i]
	if m != nil {
		for g, name := range pat.capture() {
			if g+1 < len(m.Groups) {
				st.setVar(name, m.Groups[g+1])
			} else {
				st.setVar(name, "")
			}
		}
		if pat.EOF {
			before = m.Text // What came before the end: all that was left.
		}
	}
	if s.before() != "" {
		st.setVar(s.before(), before)
	}
	release()
	if s.branched() {
		st.vars["match.index"] = strconv.Itoa(i)
		return st.runBlock(ctx, pat.then())
	}
	return nil
}

// unconsumed is the output the expect left, for before: of the timeout
// branch: what arrived instead of what was awaited.
func (s *Expect) unconsumed(pr *proc, stream exec.Stream) string {
	if stream != exec.Both {
		b, _ := pr.p.Unconsumed(stream)
		return string(b)
	}
	out, _ := pr.p.Unconsumed(exec.Stdout)
	errs, _ := pr.p.Unconsumed(exec.Stderr)
	return string(out) + string(errs)
}

// awaitsPrompt reports whether one of pats is the prompt itself: a text
// the prompt holds or matches, or a regular expression that is the
// prompt's or matches its text. Its own expect is not cut short by it.
func awaitsPrompt(pats []exec.Pattern, prompt exec.Pattern) bool {
	for _, p := range pats {
		switch {
		case p.Regexp != nil && prompt.Regexp != nil && p.Regexp.String() == prompt.Regexp.String():
			return true
		case p.Regexp != nil && prompt.Regexp == nil && p.Regexp.MatchString(prompt.Text):
			return true
		case p.Regexp == nil && !p.EOF && prompt.Regexp == nil && strings.Contains(prompt.Text, p.Text):
			return true
		case p.Regexp == nil && !p.EOF && prompt.Regexp != nil && prompt.Regexp.MatchString(p.Text):
			return true
		}
	}
	return false
}

// errStopped is the cause in the *exec.ExpectError of an expect cut short
// by fail_on: or by the prompt.
var errStopped = errors.New("stopped")

// cutShortBy is the failure of an expect that saw seen, a fail_on: pattern or
// the prompt (atPrompt), before its own patterns, wanted.
func cutShortBy(pr *proc, m *exec.Match, seen exec.Pattern, wanted []exec.Pattern, stream exec.Stream, waited time.Duration, atPrompt bool) error {
	ee := &exec.ExpectError{Patterns: wanted, Stream: m.Stream, Waited: waited, Err: errStopped}
	if stream == exec.Both {
		ee.Recent = string(pr.p.Recent(exec.Stdout)) + string(pr.p.Recent(exec.Stderr))
		ee.RecentRaw = string(pr.p.RecentRaw(exec.Stdout)) + string(pr.p.RecentRaw(exec.Stderr))
	} else {
		ee.Recent, ee.RecentRaw = string(pr.p.Recent(stream)), string(pr.p.RecentRaw(stream))
	}
	awaited := describePatterns(wanted)
	if atPrompt {
		return &cutShort{ee: ee, msg: fmt.Sprintf("%s is waiting at its prompt %s and printed no %s",
			pr.name, seen, awaited)}
	}
	// The line the pattern appeared in: its start was consumed with the
	// match, or before it by an earlier expect; its end is the output left.
	line := m.Before[strings.LastIndexByte(m.Before, '\n')+1:] + m.Text
	if !strings.HasSuffix(line, "\n") {
		rest, _ := pr.p.Unconsumed(m.Stream)
		if !strings.Contains(m.Before, "\n") {
			// Recent is what was consumed, then rest, unless rest alone
			// fills it.
			recent := pr.p.Recent(m.Stream)
			if consumed, ok := bytes.CutSuffix(recent, rest); ok && len(rest) < len(recent) && bytes.HasSuffix(consumed, []byte(line)) {
				line = string(consumed[bytes.LastIndexByte(consumed, '\n')+1:])
			}
		}
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
		}
		line += string(rest)
	}
	line = strings.TrimRight(line, "\r\n")
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return &cutShort{ee: ee, msg: fmt.Sprintf("%s printed %s, which its fail_on forbids, while waiting for %s: %q",
		pr.name, seen, awaited, line)}
}

// describePatterns names what an expect waited for: one pattern, or any
// of several.
func describePatterns(pats []exec.Pattern) string {
	if len(pats) == 1 {
		return pats[0].String()
	}
	names := make([]string, len(pats))
	for i, p := range pats {
		names[i] = p.String()
	}
	return "any of " + strings.Join(names, ", ")
}

// cutShort is an expect cut short by fail_on: or the prompt. It carries
// an *exec.ExpectError for the output the report shows.
type cutShort struct {
	ee  *exec.ExpectError
	msg string
}

func (e *cutShort) Error() string { return e.msg }

func (e *cutShort) Unwrap() error { return e.ee }

// asExpectError is err's *exec.ExpectError, or nil: apart, so that the
// variable errors.As needs is allocated only when there is an error.
func asExpectError(err error) *exec.ExpectError {
	if err == nil {
		return nil
	}
	var ee *exec.ExpectError
	if errors.As(err, &ee) {
		return ee
	}
	return nil
}
