package script

import (
	"cmp"
	"fmt"
	"slices"
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
//   - send to a process that a wait or terminate step before has ended,
//     or signal to one a terminate step has ended;
//   - send of text to a process on pipes whose stdin a send: {eof: true}
//     before has closed;
//   - send to a process whose stdin comes from another (stdin_from);
//   - expect on the stderr of a process under a tty without stderr: pipe,
//     where stderr goes to the terminal;
//   - expect on the stdout of a process whose stdout feeds another's
//     stdin_from;
//   - expect of text or a regular expression that needs text, after an
//     expect: {eof: true} on the same stream, which consumed all of it;
//   - resize, or expect: {echo: ...}, on a process on pipes (it has no
//     terminal) or one that has ended;
//   - a sleep that brings the sleeps of steps: to the script's timeout
//     (drover run --timeout can give more).
//
// A spawn that reuses a name starts a new process, which the steps after
// it see afresh; after an expect with any:, only what holds after every
// branch counts.
//
// Second, an expect on the terminal of a process under a tty with a
// regular expression that needs a carriage return next to a line feed:
// drover matches a terminal's output with "\r\n" folded to "\n", so it
// never matches there (see needsCR).
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
// Fourth, a group of define: (the script's own or an imported file's)
// that no call runs.
//
// Warnings is safe for concurrent use.
func (s *Script) Warnings() []*Error {
	l := &linter{script: s, piped: stdinSources(s.Steps, s.Finally), never: map[Step]bool{}}
	l.budget = s.Timeout
	// setup: runs apart, before the jobs, with processes of its own.
	l.steps(s.Setup, &facts{procs: map[string]*procFacts{}}, false)
	l.steps(s.Steps, &facts{procs: map[string]*procFacts{}}, true)
	// finally: runs after a failure anywhere: nothing is known of what ran.
	l.steps(s.Finally, &facts{procs: map[string]*procFacts{}}, false)
	l.unusedCaptures()
	l.shortSecrets()
	for _, d := range s.uncalled {
		l.warns = append(l.warns, errUncalled(d))
	}
	slices.SortStableFunc(l.warns, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return l.warns
}

// linter is one run of Warnings.
type linter struct {
	script *Script
	piped  map[string]bool   // processes whose stdout feeds a stdin_from
	budget time.Duration     // the script's timeout less the sleeps so far
	never  map[Step]bool     // steps after one that always fails
	top    bool              // the step being checked is in steps:, not nested
	known  map[string]string // variables known before the script runs, for constant; nil until needed
	set    map[string]bool   // variables some step sets, for constant
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
// reports whether the step always fails. A parent that is not linted is
// checked as lists that may or may not run: only what holds whether they
// ran or not is kept.
func (l *linter) step(step Step, f *facts, top bool) (dead bool) {
	l.top = top
	var why string
	switch s := step.(type) {
	case linted:
		why, dead = s.lint(l, f)
	case parent:
		outs := []*facts{f.clone()}
		for _, list := range s.children() {
			b := f.clone()
			if !l.steps(list, b, false) {
				outs = append(outs, b)
			}
		}
		*f = *meet(outs)
	}
	if why != "" {
		l.warn(step, "always fails here: %s; the steps after it never run", why)
		return true
	}
	return dead
}

// block checks a nested list of steps that runs in order from f, such as
// retry's, and leaves in f what holds after it. It reports whether a step
// of it always fails.
func (l *linter) block(list []Step, f *facts) (dead bool) {
	return l.steps(list, f, false)
}

// branches checks nested lists of which exactly one runs, such as the
// then: steps of an expect with any:, each from what f holds, and leaves
// in f what holds after every one that can finish. It reports whether
// every one always fails.
func (l *linter) branches(f *facts, lists ...[]Step) (dead bool) {
	var outs []*facts
	for _, list := range lists {
		b := f.clone()
		if !l.steps(list, b, false) {
			outs = append(outs, b)
		}
	}
	if len(outs) == 0 {
		return true
	}
	*f = *meet(outs)
	return false
}

// unusedCaptures reports variables that captures and free_port define and
// no step after them uses. finally: counts as after every step.
func (l *linter) unusedCaptures() {
	// The steps from the last back, as a walk from the first would meet
	// them (a step, then its nested lists): usedAfter holds the names
	// the steps after the one met use. A step after one that always
	// fails never runs: what it captures is beside the point.
	type unused struct {
		step  Step
		names []string
	}
	var found []unused // in the reverse order of the steps
	usedAfter := map[string]bool{}
	var back func([]Step, bool)
	back = func(list []Step, dead bool) {
		for _, s := range slices.Backward(list) {
			dead := dead || l.never[s]
			if p, ok := s.(parent); ok {
				for _, list := range slices.Backward(p.children()) {
					back(list, dead)
				}
			}
			if d, _ := s.(definer); d != nil && !dead {
				var names []string
				for _, name := range d.defines() {
					if !usedAfter[name] {
						names = append(names, name)
					}
				}
				if names != nil {
					found = append(found, unused{s, names})
				}
			}
			if t, _ := s.(templater); t != nil {
				for _, tmpl := range t.templates() {
					refs, _ := Refs(tmpl) // Parsed already: no error.
					for _, name := range refs {
						usedAfter[name] = true
					}
				}
			}
		}
	}
	back(l.script.Finally, false)
	back(l.script.Steps, false)
	back(l.script.Setup, false) // Its variables are every job's.
	for _, u := range slices.Backward(found) {
		for _, name := range u.names {
			l.warn(u.step, "%q is captured but no step after this one uses ${%s}", name, name)
		}
	}
}
