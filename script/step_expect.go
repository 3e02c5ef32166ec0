package script

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Pattern is one thing an expect step waits for: text (Text, Re false), a
// regular expression (Text, Re true), the end of output (EOF) or, in
// any: only, the time running out (Timeout).
type Pattern struct {
	Pos     Pos
	Text    string         // template: a substring, or a regular expression if Re
	Regexp  *regexp.Regexp // Text compiled at parse time, if Re and it holds no ${...}
	Re      bool           // Text is a regular expression (RE2 syntax), not a substring
	EOF     bool
	Timeout bool          // any: only: the branch taken when nothing matched in time
	Extra   *PatternExtra // capture: and then:; nil when it has neither
}

// PatternExtra holds what few patterns have, apart, so that each of the
// many plain patterns of a long script is smaller.
type PatternExtra struct {
	Capture []string // variable names for Re's groups, in order
	Then    []Step   // steps run only when this pattern matched (any: only)
}

// Expect waits until output matches one of its patterns: a single one
// (text, re or eof), or with any: (Extra.Any) the first of several, each
// Pattern one branch.
type Expect struct {
	Pos      Pos
	Patterns []Pattern
	Timeout  time.Duration
	Extra    *ExpectExtra // what most expects leave unset; nil when all of it is
}

// ExpectExtra holds the settings of an expect that most leave unset,
// apart, so that each of the many plain expects of a long script is
// smaller.
type ExpectExtra struct {
	Any    bool          // any:: each of Patterns is a branch, with its own then:
	Stream string        // "stderr" or "both"; "" is stdout, the default
	Idle   time.Duration // idle_timeout: fail when no output arrives for this long
	On     string        // the process, by name; "" is the last spawned
	Before string        // a variable for the output consumed before the match, or ""
	// Echo, "on" or "off", waits for the terminal to echo input, or to
	// stop, instead of for output: Patterns is empty.
	Echo string
}

// Position and Kind implement Step.
func (s *Expect) Position() Pos { return s.Pos }
func (*Expect) Kind() string    { return "expect" }

// expectKind is the expect step.
var expectKind = &stepKind{
	stepSpec: stepSpec{kind: "expect", doc: "wait until the process's output matches",
		short: []valueType{tPattern},
		long: &form{
			fields: []field{
				{"text", tPattern, "a substring to wait for"},
				{"re", tPattern, "a regular expression to wait for (RE2 syntax)"},
				{"eof", tTrue, "wait for the end of the output"},
				{"any", tBranches, "wait for the first of several to match"},
				{"stream", tStream, "the output to read on pipes: stdout (default), stderr or both"},
				{"capture", tCaptures, "variables for the groups of re, in order"},
				{"before", tVarName, "a variable for the output consumed before the match"},
				fTimeout,
				{"idle_timeout", tDuration, "fail when no output at all arrives for this long"},
				fOn,
				{"echo", tEcho, "off: wait until the terminal stops echoing input (a password prompt is ready); on: until it echoes again"},
			},
			oneOf: []string{"text", "re", "eof", "any", "echo"},
			needs: map[string]string{"capture": "re"},
		}},
	parse: parseExpect,
}

// parseExpect reads the step from its key and value.
func parseExpect(c *stepCtx, key, val *yaml.Node) Step {
	s := &Expect{Pos: c.p.pos(key), Timeout: defaultStepTimeout}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		c.needProcess(key)
		s.Patterns = []Pattern{{Pos: c.p.pos(val), Text: c.text(val, "")}}
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		if on := c.on(f, key); on != "" {
			s.extra().On = on
		}
		if e, ok := f["stream"]; ok {
			if v := e.val; v.Kind == yaml.ScalarNode && slices.Contains(streams, v.Value) {
				if v.Value != "stdout" {
					s.extra().Stream = v.Value
				}
			} else {
				c.errorf(v, "stream", "want stdout, stderr or both, got %s", describe(v))
			}
		}
		timeoutTrue := false
		if e, ok := f["timeout"]; ok {
			if v := e.val; v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
				// timeout: true is a branch of any:, not a pattern.
				timeoutTrue = true
				c.errorf(v, "timeout", "want a duration such as 10s, got %s; {timeout: true, then: [...]} is a branch of any: (taken when nothing matched in time), not a pattern", v.Value)
			} else {
				s.Timeout, _ = c.duration(e.val, "timeout", false)
			}
		}
		if e, ok := f["idle_timeout"]; ok {
			if idle, _ := c.duration(e.val, "idle_timeout", false); idle != 0 {
				s.extra().Idle = idle
			}
		}
		var which string
		if !timeoutTrue || hasAny(f, c.k.long.oneOf) {
			which = c.oneOf(f, key, c.k.long.oneOf...)
		}
		if e, ok := f["before"]; ok {
			switch {
			case which == "eof":
				c.errorf(e.key, "", "before: with eof: true: eof matches all the output left, so nothing comes before it; the output is in the job's log")
			case c.varName(e.val, "before"):
				s.extra().Before = e.val.Value
				c.sc.defineVar(e.val.Value)
			}
		}
		switch which {
		case "":
		case "echo":
			if echo := c.echoMode(f); echo != "" {
				s.extra().Echo = echo
			}
		case "any":
			s.extra().Any = true
			if e, ok := f["capture"]; ok {
				c.errorf(e.key, "", "capture goes in each branch of any:, beside its re:")
			}
			s.Patterns = c.branches(f["any"].val)
		default:
			pat := c.pattern(f, which)
			s.Patterns = []Pattern{pat}
			for _, name := range pat.capture() {
				c.sc.defineVar(name)
			}
		}
	default:
		c.errorf(val, "", "want text to wait for, or a mapping with text, re, eof, any or echo; got %s", describe(val))
	}
	return s
}

// hasAny reports whether f holds one of names.
func hasAny(f map[string]entry, names []string) bool {
	for _, name := range names {
		if _, ok := f[name]; ok {
			return true
		}
	}
	return false
}

// text reads the text of a pattern: a template that is not empty.
func (c *stepCtx) text(n *yaml.Node, key string) string {
	s, ok := c.tmpl(n, key)
	if ok && s == "" {
		c.errorf(n, key, "empty text matches at once; want some text to wait for")
	}
	return s
}

// pattern reads the pattern of kind which (text, re, eof or timeout) and
// its capture from f.
func (c *stepCtx) pattern(f map[string]entry, which string) Pattern {
	e := f[which]
	pat := Pattern{Pos: c.p.pos(e.val)}
	switch which {
	case "text":
		pat.Text = c.text(e.val, "text")
	case "re":
		pat.Text, pat.Re = c.text(e.val, "re"), true
		pat.Regexp = c.regex(e.val, "re", pat.Text)
	case "eof":
		c.mustBeTrue(e.val, "eof")
		pat.EOF = true
	case "timeout":
		c.mustBeTrue(e.val, "timeout")
		pat.Timeout = true
	}
	if ce, ok := f["capture"]; ok {
		if which != "re" {
			c.errorf(ce.key, "", "capture needs re: it names the groups of a regular expression")
		} else {
			if names := c.captures(ce.val, pat.Regexp); names != nil {
				pat.Extra = &PatternExtra{Capture: names}
			}
		}
	}
	return pat
}

// captures reads the variable names for a regular expression's groups: a
// list, or one name. rx, when not nil, is the compiled expression.
func (c *stepCtx) captures(n *yaml.Node, rx *regexp.Regexp) []string {
	var items []*yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		items = []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		items = n.Content
	default:
		c.errorf(n, "capture", "want a list of variable names such as [addr, port], got %s", describe(n))
		return nil
	}
	var names []string
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		item = deref(item)
		if !c.varName(item, "capture") {
			continue
		}
		if seen[item.Value] {
			c.errorf(item, "capture", "%q appears twice", item.Value)
			continue
		}
		seen[item.Value] = true
		names = append(names, item.Value)
	}
	if rx != nil && len(items) > rx.NumSubexp() {
		groups := "groups"
		if rx.NumSubexp() == 1 {
			groups = "group"
		}
		c.errorf(n, "capture", "%d names for %d %s in the regular expression; each name takes the text of one (...) group", len(items), rx.NumSubexp(), groups)
	}
	return names
}

// branches reads the list of any:. Each branch's then: steps see its own
// captures and ${match.index}; after the expect every branch's definitions
// count as made.
func (c *stepCtx) branches(n *yaml.Node) []Pattern {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		c.errorf(n, "any", "want a non-empty list of texts or mappings with text, re, eof or timeout; got %s", describe(n))
		return nil
	}
	pats := make([]Pattern, 0, len(n.Content))
	branches := make([]*stepCtx, 0, len(n.Content))
	var timeoutAt *Pattern
	for _, item := range n.Content {
		item = deref(item)
		switch {
		case item.Kind == yaml.ScalarNode && !isNull(item):
			pats = append(pats, Pattern{Pos: c.p.pos(item), Text: c.text(item, "any")})
		case item.Kind == yaml.MappingNode:
			f := c.fields(item, "any", "any", branchKeys)
			var pat Pattern
			if which := c.oneOf(f, item, branchForm.oneOf...); which != "" {
				pat = c.pattern(f, which)
			} else {
				pat.Pos = c.p.pos(item)
			}
			if pat.Timeout {
				if timeoutAt != nil {
					c.errorf(f["timeout"].key, "", "a second timeout branch; any: takes at most one (the first is at %d:%d)", timeoutAt.Pos.Line, timeoutAt.Pos.Col)
				} else {
					timeoutAt = &pat
				}
			}
			b := c.branch()
			b.sc.anyDone = true
			for _, name := range pat.capture() {
				b.sc.defineVar(name)
			}
			if e, ok := f["then"]; ok {
				if then := b.block(e.val, "then"); then != nil {
					if pat.Extra == nil {
						pat.Extra = &PatternExtra{}
					}
					pat.Extra.Then = then
				}
			}
			branches = append(branches, b)
			pats = append(pats, pat)
		default:
			c.errorf(item, "any", "want text, or a mapping with text, re, eof or timeout and then; got %s", describe(item))
		}
	}
	c.join(branches...)
	c.sc.anyDone = true
	return pats
}

// withOther adds to the failure of an expect on one stream what arrived
// on the other, if anything did: a program that complains on stderr
// while stdout is awaited shows why.
func (st *state) withOther(e *Expect, err error) error {
	var ee *exec.ExpectError
	if !errors.As(err, &ee) || ee.Stream == exec.Both {
		return err
	}
	pr, perr := st.proc(e.on())
	if perr != nil {
		return err
	}
	other := exec.Stderr
	if ee.Stream == exec.Stderr {
		other = exec.Stdout
	}
	text := pr.p.Recent(other)
	if len(text) == 0 {
		return err
	}
	return &otherOutput{err: err, stream: other.String(), text: string(text)}
}

// otherOutput is an expect's failure with the last output of the stream
// it did not wait on.
type otherOutput struct {
	err          error
	stream, text string
}

func (e *otherOutput) Error() string { return e.err.Error() }

func (e *otherOutput) Unwrap() error { return e.err }

// children implements parent: the then: steps of any:'s branches.
func (s *Expect) children() [][]Step {
	if !s.branched() {
		return nil // Only the branches of any: have then:.
	}
	lists := make([][]Step, len(s.Patterns))
	for i, p := range s.Patterns {
		lists[i] = p.then()
	}
	return lists
}

// lint implements linted: an expect fails on a stream that never reaches
// drover, or for text after an eof consumed the stream; an eof consumes
// it; under a tty a re that needs \r next to \n is reported; any:'s branches are
// checked as alternatives.
func (s *Expect) lint(l *linter, f *facts) (string, bool) {
	p := f.target(s.on())
	if s.echo() != "" {
		return lintEcho(p), false
	}
	stream := s.stream()
	switch {
	case p == nil:
	case stream == "stderr" && p.spawn.TTY && !p.spawn.StderrPipe:
		return fmt.Sprintf("%q runs under a tty, where stderr is the terminal; give its spawn stderr: pipe, or expect on stdout", p.spawn.Name), false
	case stream == "stdout" && l.piped[p.spawn.Name] && !p.spawn.TTY:
		return fmt.Sprintf("the stdout of %q feeds another process's stdin (stdin_from), so drover never sees it", p.spawn.Name), false
	case p.eof[stream] != nil && needText(s.Patterns):
		return fmt.Sprintf("the expect: {eof: true} of line %d consumed all the %s of %q", p.eof[stream].Position().Line, stream, p.spawn.Name), false
	}
	// On stream: both, a stderr: pipe is read as it is, "\r\n" and all.
	if p != nil && p.spawn.TTY && (stream == "stdout" || stream == "both" && !p.spawn.StderrPipe) {
		for _, pat := range s.Patterns {
			if needsCR(pat) {
				l.warns = append(l.warns, &Error{Pos: pat.Pos, Step: s.Kind(), Err: fmt.Errorf(
					`re: %q runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r next to \n never matches there; match \n instead`,
					p.spawn.Name)})
			}
		}
	}
	if len(s.Patterns) == 1 && s.Patterns[0].EOF && stream != "both" {
		if p != nil && p.eof[stream] == nil {
			p.eof[stream] = s
		}
	}
	if s.branched() {
		return "", l.branches(f, s.children()...)
	}
	return "", false
}

// needsCR reports whether the regular expression of p cannot match
// without a carriage return next to a line feed: every match holds "\r\n"
// or "\n\r", which a terminal's output as drover matches it never does
// (exec's cooker folds "\r\n" to "\n" and drops a \r at a line's start).
// A \r that may be left out ('\r?\n', '(\r|)\n'), one of a class that
// has other characters ('[\r\n]', '\s'), and one away from a \n (the
// '50%\r' of a progress bar, which the cooked output keeps) are not
// needed. A variable in the expression stands for any text.
func needsCR(p Pattern) bool {
	if !p.Re {
		return false
	}
	src := p.Text
	if p.Regexp == nil { // Compiled when it runs.
		var err error
		src, err = Expand(p.Text, func(string) (string, bool) { return `(?s:.*)`, true })
		if err != nil {
			return false
		}
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return false // Its variables make it one only when it runs.
	}
	return crShapeOf(re).needed
}

// crShape is what every match of a regular expression has in common:
// needed says it holds a \r next to a \n; first and last are the
// character it starts and ends with when that is always \r or always \n
// (and the match is never empty), 0 otherwise.
type crShape struct {
	needed      bool
	first, last rune
}

// crShapeOf returns the crShape of r. It errs towards "not needed": a
// part it does not know, or one that can match nothing, needs nothing and
// stands between its neighbours.
func crShapeOf(r *syntax.Regexp) crShape {
	edge := func(c rune) rune {
		if c == '\r' || c == '\n' {
			return c
		}
		return 0
	}
	switch r.Op {
	case syntax.OpLiteral:
		s := string(r.Rune)
		return crShape{
			needed: strings.Contains(s, "\r\n") || strings.Contains(s, "\n\r"),
			first:  edge(r.Rune[0]), last: edge(r.Rune[len(r.Rune)-1]),
		}
	case syntax.OpCharClass:
		if len(r.Rune) == 2 && r.Rune[0] == r.Rune[1] { // One character.
			return crShape{first: edge(r.Rune[0]), last: edge(r.Rune[0])}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return crShapeOf(r.Sub[0])
	case syntax.OpRepeat:
		if r.Min > 0 {
			return crShapeOf(r.Sub[0])
		}
	case syntax.OpConcat:
		var out crShape
		var prev *crShape // The part before, which matched text.
		for _, sub := range r.Sub {
			if zeroWidth(sub.Op) {
				continue // An anchor: its neighbours still touch.
			}
			s := crShapeOf(sub)
			if prev == nil {
				out.first = s.first
			} else if prev.last == '\r' && s.first == '\n' || prev.last == '\n' && s.first == '\r' {
				out.needed = true
			}
			out.needed = out.needed || s.needed
			out.last = s.last
			prev = &s
		}
		return out
	case syntax.OpAlternate:
		out := crShapeOf(r.Sub[0])
		for _, sub := range r.Sub[1:] {
			s := crShapeOf(sub)
			out.needed = out.needed && s.needed
			if s.first != out.first {
				out.first = 0
			}
			if s.last != out.last {
				out.last = 0
			}
		}
		return out
	}
	return crShape{} // Star, quest, a repeat from 0, anything else.
}

// zeroWidth reports whether op matches no text: an anchor, a word
// boundary, or the empty string.
func zeroWidth(op syntax.Op) bool {
	switch op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return false
}

// needText reports whether no pattern can match the end of output with
// nothing before it: an expect of them after the end always fails.
func needText(pats []Pattern) bool {
	for _, p := range pats {
		switch {
		case p.EOF:
			return false
		case p.Re && (p.Regexp == nil || p.Regexp.MatchString("")):
			return false // Unknown until run, or it matches nothing.
		}
	}
	return true
}

// templates implements templater.
func (s *Expect) templates() []string {
	var ts []string
	for _, p := range s.Patterns {
		ts = append(ts, p.Text)
	}
	return ts
}

// defines implements definer: the captures of every pattern, and before:.
func (s *Expect) defines() []string {
	var names []string
	if before := s.before(); before != "" {
		names = append(names, before)
	}
	for _, p := range s.Patterns {
		names = append(names, p.capture()...)
	}
	return names
}
