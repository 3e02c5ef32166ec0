package script

import (
	"cmp"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
)

// Warnings returns what Parse accepts in s but is almost certainly a
// mistake, each an *Error at the step concerned, in the order of the file.
// drover check prints them; they never stop a script from running.
//
// Two kinds are reported. First, a step that fails every time it runs,
// so that the steps after it never run (those of finally: excepted). Only
// what holds on every run is reported, from the steps before it in the
// same list:
//
//   - send to a process that a wait or terminate step before has ended;
//   - send of text to a process on pipes whose stdin a send: {eof: true}
//     before has closed;
//   - send to a process whose stdin comes from another (stdin_from);
//   - expect on the stderr of a process under a tty without stderr: pipe,
//     where stderr goes to the terminal;
//   - expect on the stdout of a process whose stdout feeds another's
//     stdin_from;
//   - expect of text or a regular expression that needs text, after an
//     expect: {eof: true} on the same stream, which consumed all of it;
//   - a sleep that brings the sleeps of steps: to the script's timeout
//     (drover run --timeout can give more).
//
// A spawn that reuses a name starts a new process, which the steps after
// it see afresh; after an expect with any:, only what holds after every
// branch counts.
//
// Second, an expect on the terminal of a process under a tty with a
// regular expression that needs a carriage return: drover matches a
// terminal's output with "\r\n" folded to "\n", so it never matches there.
//
// Third, a variable that a capture or free_port defines and no step after
// it uses (finally: is after every step): its value is still in the JSON
// report, but most often a later step was meant to use it, or its name is
// misspelt there. Steps reported above as never running are left out.
//
// Third, a send with secret: true of a value shorter than 4 characters,
// when the value is known before the script runs (the literal text, or a
// variable's value in vars: or matrix:): masking text that short wherever
// it appears gives the secret away.
//
// Warnings is safe for concurrent use.
func (s *Script) Warnings() []*Error {
	l := &linter{script: s, piped: map[string]bool{}, never: map[Step]bool{}}
	// As the interpreter decides it: a name used by a stdin_from in steps:
	// is spawned with its stdout on a pipe to that reader.
	walkSteps(s.Steps, func(step Step) {
		if sp, ok := step.(*Spawn); ok && sp.StdinFrom != "" {
			l.piped[sp.StdinFrom] = true
		}
	})
	l.budget = s.Timeout
	l.steps(s.Steps, &facts{procs: map[string]*procFacts{}}, true)
	// finally: runs after a failure anywhere: nothing is known of what ran.
	l.steps(s.Finally, &facts{procs: map[string]*procFacts{}}, false)
	l.unusedCaptures()
	l.shortSecrets()
	slices.SortStableFunc(l.warns, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return l.warns
}

// linter is one run of Warnings.
type linter struct {
	script *Script
	piped  map[string]bool // processes whose stdout feeds a stdin_from
	budget time.Duration   // the script's timeout less the sleeps so far
	never  map[Step]bool   // steps after one that always fails
	warns  []*Error
}

func (l *linter) warn(step Step, format string, args ...any) {
	l.warns = append(l.warns, &Error{Pos: step.Position(), Step: step.Kind(), Err: fmt.Errorf(format, args...)})
}

// facts are what holds, on every run, of the processes at a point of a
// list of steps.
type facts struct {
	procs   map[string]*procFacts // by name
	current string                // the process steps act on without on:; "" if unknown
}

// procFacts are what holds of one process. A nil spawn means that the
// process, if any, is unknown.
type procFacts struct {
	spawn       *Spawn
	stdinClosed Step            // the send: {eof: true} that closed stdin on pipes
	ended       Step            // the wait or terminate that ended it
	eof         map[string]Step // the expect: {eof: true} that consumed a stream
}

func (f *facts) clone() *facts {
	c := &facts{procs: make(map[string]*procFacts, len(f.procs)), current: f.current}
	for name, p := range f.procs {
		cp := *p
		cp.eof = make(map[string]Step, len(p.eof))
		for k, v := range p.eof {
			cp.eof[k] = v
		}
		c.procs[name] = &cp
	}
	return c
}

// meet returns what holds in all of fs, where lists of steps join.
func meet(fs []*facts) *facts {
	m := fs[0].clone()
	for name, p := range m.procs {
		for _, o := range fs[1:] {
			op := o.procs[name]
			if op == nil || op.spawn != p.spawn {
				*p = procFacts{}
				break
			}
			if op.stdinClosed == nil {
				p.stdinClosed = nil
			}
			if op.ended == nil {
				p.ended = nil
			}
			for k := range p.eof {
				if op.eof[k] == nil {
					delete(p.eof, k)
				}
			}
		}
	}
	for _, o := range fs[1:] {
		for name := range o.procs {
			if m.procs[name] == nil {
				m.procs[name] = &procFacts{} // Spawned in some branches only.
			}
		}
		if o.current != m.current {
			m.current = ""
		}
	}
	return m
}

// target returns what is known of the process a step acts on, or nil.
func (f *facts) target(on string) *procFacts {
	if on == "" {
		on = f.current
	}
	if p := f.procs[on]; p != nil && p.spawn != nil {
		return p
	}
	return nil
}

// steps checks a list of steps in order and reports whether one of them
// always fails. top says the list is steps:, whose sleeps count against
// the script's timeout.
func (l *linter) steps(list []Step, f *facts, top bool) (dead bool) {
	for i, step := range list {
		if l.step(step, f, top) {
			for _, s := range list[i+1:] {
				l.never[s] = true
			}
			return true
		}
	}
	return false
}

// step checks one step, then updates f with what holds after it. It
// reports whether the step always fails.
func (l *linter) step(step Step, f *facts, top bool) (dead bool) {
	if why := l.fails(step, f, top); why != "" {
		l.warn(step, "always fails here: %s; the steps after it never run", why)
		return true
	}
	switch s := step.(type) {
	case *Spawn:
		f.procs[s.Name] = &procFacts{spawn: s, eof: map[string]Step{}}
		f.current = s.Name
	case *Send:
		if p := f.target(s.On); p != nil && s.EOF && !p.spawn.TTY && p.stdinClosed == nil {
			p.stdinClosed = s
		}
	case *Wait:
		if p := f.target(s.On); p != nil && p.ended == nil {
			p.ended = s
		}
	case *Terminate:
		if p := f.target(s.On); p != nil && p.ended == nil {
			p.ended = s
		}
	case *Expect:
		if p := f.target(s.On); p != nil && p.spawn.TTY && s.Stream != "stderr" {
			for _, pat := range s.Patterns {
				if needsCR(pat) {
					l.warns = append(l.warns, &Error{Pos: pat.Pos, Step: s.Kind(), Err: fmt.Errorf(
						`re: %q runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r never matches there; match \n instead`,
						p.spawn.Name)})
				}
			}
		}
		if len(s.Patterns) == 1 && s.Patterns[0].EOF && s.Stream != "both" {
			if p := f.target(s.On); p != nil && p.eof[s.Stream] == nil {
				p.eof[s.Stream] = s
			}
		}
		if s.Any {
			return l.branches(s, f)
		}
	case *Retry:
		// Every attempt runs the steps from the first, from what held
		// before the first; what always fails does so in each.
		return l.steps(s.Steps, f, false)
	}
	return false
}

// branches checks the then: steps of an expect with any: and leaves in f
// what holds after it. It reports whether every branch always fails.
func (l *linter) branches(s *Expect, f *facts) (dead bool) {
	var outs []*facts
	for _, p := range s.Patterns {
		b := f.clone()
		if !l.steps(p.Then, b, false) {
			outs = append(outs, b)
		}
	}
	if len(outs) == 0 {
		return true
	}
	*f = *meet(outs)
	return false
}

// fails says why step fails whenever it runs after what f holds, or "".
func (l *linter) fails(step Step, f *facts, top bool) string {
	switch s := step.(type) {
	case *Send:
		p := f.target(s.On)
		switch {
		case p == nil:
		case p.spawn.StdinFrom != "":
			return fmt.Sprintf("the stdin of %q comes from %q (stdin_from), not from drover", p.spawn.Name, p.spawn.StdinFrom)
		case p.ended != nil && !(s.EOF && !p.spawn.TTY):
			return fmt.Sprintf("%q has ended, at the %s step of line %d", p.spawn.Name, p.ended.Kind(), p.ended.Position().Line)
		case p.stdinClosed != nil && !s.EOF:
			return fmt.Sprintf("the stdin of %q was closed by the send: {eof: true} of line %d", p.spawn.Name, p.stdinClosed.Position().Line)
		}
	case *Expect:
		p := f.target(s.On)
		switch {
		case p == nil:
		case s.Stream == "stderr" && p.spawn.TTY && !p.spawn.StderrPipe:
			return fmt.Sprintf("%q runs under a tty, where stderr is the terminal; give its spawn stderr: pipe, or expect on stdout", p.spawn.Name)
		case s.Stream == "stdout" && l.piped[p.spawn.Name] && !p.spawn.TTY:
			return fmt.Sprintf("the stdout of %q feeds another process's stdin (stdin_from), so drover never sees it", p.spawn.Name)
		case p.eof[s.Stream] != nil && needText(s.Patterns):
			return fmt.Sprintf("the expect: {eof: true} of line %d consumed all the %s of %q", p.eof[s.Stream].Position().Line, s.Stream, p.spawn.Name)
		}
	case *Sleep:
		if !top {
			break
		}
		if l.budget -= s.D; l.budget <= 0 {
			return fmt.Sprintf("the sleeps of steps: add up to the script's timeout of %s", l.script.Timeout)
		}
	}
	return ""
}

// needsCR reports whether the regular expression of p can only match a
// carriage return where it has one: it holds \r as a literal, or as a
// class of that one character. A class such as [\r\n] or \s is left
// alone: it can match "\n" too.
func needsCR(p Pattern) bool {
	if p.Re == "" {
		return false
	}
	if p.Regexp == nil { // Compiled when it runs: judge the text.
		return strings.Contains(p.Re, `\r`) || strings.ContainsRune(p.Re, '\r')
	}
	re, err := syntax.Parse(p.Re, syntax.Perl)
	if err != nil {
		return false // Cannot happen: it compiled.
	}
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpLiteral:
			return slices.Contains(r.Rune, '\r')
		case syntax.OpCharClass:
			return len(r.Rune) == 2 && r.Rune[0] == '\r' && r.Rune[1] == '\r'
		}
		return slices.ContainsFunc(r.Sub, walk)
	}
	return walk(re)
}

// needText reports whether no pattern can match the end of output with
// nothing before it: an expect of them after the end always fails.
func needText(pats []Pattern) bool {
	for _, p := range pats {
		switch {
		case p.EOF:
			return false
		case p.Re != "" && (p.Regexp == nil || p.Regexp.MatchString("")):
			return false // Unknown until run, or it matches nothing.
		}
	}
	return true
}

// unusedCaptures reports variables that captures and free_port define and
// no step after them uses. finally: counts as after every step.
func (l *linter) unusedCaptures() {
	var all []Step
	var never []bool // all[i] never runs: what it captures is beside the point
	var walk func([]Step, bool)
	walk = func(list []Step, dead bool) {
		for _, s := range list {
			dead := dead || l.never[s]
			all, never = append(all, s), append(never, dead)
			switch s := s.(type) {
			case *Expect:
				for _, p := range s.Patterns {
					walk(p.Then, dead)
				}
			case *Retry:
				walk(s.Steps, dead)
			}
		}
	}
	walk(l.script.Steps, false)
	walk(l.script.Finally, false)
	used := make([]map[string]bool, len(all))
	for i, s := range all {
		used[i] = map[string]bool{}
		for _, tmpl := range templates(s) {
			refs, _ := Refs(tmpl) // Parsed already: no error.
			for _, name := range refs {
				used[i][name] = true
			}
		}
	}
	for i, s := range all {
		if never[i] {
			continue
		}
		for _, name := range defines(s) {
			later := false
			for _, u := range used[i+1:] {
				later = later || u[name]
			}
			if !later {
				l.warn(s, "%q is captured but no step after this one uses ${%s}", name, name)
			}
		}
	}
}

// defines returns the variables step sets.
func defines(step Step) []string {
	switch s := step.(type) {
	case *Run:
		if s.Capture != "" {
			return []string{s.Capture}
		}
	case *Expect:
		var names []string
		for _, p := range s.Patterns {
			names = append(names, p.Capture...)
		}
		return names
	case *FreePort:
		return []string{s.Var}
	}
	return nil
}

// templates returns the templates of step: the text in which ${...}
// references are expanded when it runs.
func templates(step Step) []string {
	var ts []string
	kvs := func(kvs []KV) {
		for _, kv := range kvs {
			ts = append(ts, kv.Value)
		}
	}
	matcher := func(m *OutputMatcher) {
		if m == nil {
			return
		}
		ts = append(ts, m.Contains...)
		ts = append(ts, m.NotContains...)
		ts = append(ts, m.Re)
		if m.Equals != nil {
			ts = append(ts, *m.Equals)
		}
	}
	switch s := step.(type) {
	case *Run:
		ts = append(append(ts, s.Cmd.Argv...), s.Cmd.Shell, s.Dir)
		if s.Stdin != nil {
			ts = append(ts, *s.Stdin)
		}
		kvs(s.Env)
		matcher(s.Stdout)
		matcher(s.Stderr)
	case *Spawn:
		ts = append(append(ts, s.Cmd.Argv...), s.Cmd.Shell, s.Dir)
		kvs(s.Env)
	case *Expect:
		for _, p := range s.Patterns {
			ts = append(ts, p.Text, p.Re)
		}
	case *Send:
		ts = append(ts, s.Text)
	case *Wait:
		matcher(s.Stdout)
		matcher(s.Stderr)
	case *WaitPort:
		ts = append(ts, s.Addr)
	case *Log:
		ts = append(ts, s.Text)
	}
	return ts
}
