package script

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// scope is what is defined at a point of a script: variables, spawned
// processes, and whether ${match.index} is set. A then: branch reads its
// parent's scope and adds to its own, which the parent absorbs after the
// expect step.
type scope struct {
	parent  *scope
	vars    map[string]bool
	procs   map[string]bool
	anyDone bool // an expect with any: came before: ${match.index} is set
	inEach  bool // inside an each: ${each.index} is set
}

func (s *scope) child() *scope { return &scope{parent: s} }

func (s *scope) defineVar(name string) {
	if s.vars == nil {
		s.vars = make(map[string]bool)
	}
	s.vars[name] = true
}

func (s *scope) defineProc(name string) {
	if s.procs == nil {
		s.procs = make(map[string]bool)
	}
	s.procs[name] = true
}

func (s *scope) hasVar(name string) bool {
	for ; s != nil; s = s.parent {
		if s.vars[name] {
			return true
		}
	}
	return false
}

func (s *scope) hasProc(name string) bool {
	for ; s != nil; s = s.parent {
		if s.procs[name] {
			return true
		}
	}
	return false
}

func (s *scope) hasEach() bool {
	for ; s != nil; s = s.parent {
		if s.inEach {
			return true
		}
	}
	return false
}

func (s *scope) hasAny() bool {
	for ; s != nil; s = s.parent {
		if s.anyDone {
			return true
		}
	}
	return false
}

// spawned reports whether any process was spawned before.
func (s *scope) spawned() bool {
	for ; s != nil; s = s.parent {
		if len(s.procs) > 0 {
			return true
		}
	}
	return false
}

// absorb adds what c defined to s.
func (s *scope) absorb(c *scope) {
	for v := range c.vars {
		s.defineVar(v)
	}
	for v := range c.procs {
		s.defineProc(v)
	}
	s.anyDone = s.anyDone || c.anyDone
}

// maxListed is the most names an error lists as defined; with more, a
// list would not help and, error after error, would cost too much.
const maxListed = 100

// names returns the sorted names in m along the chain, or nil if there
// are more than maxListed.
func (s *scope) names(m func(*scope) map[string]bool) []string {
	n := 0
	for c := s; c != nil; c = c.parent {
		n += len(m(c))
	}
	if n > maxListed {
		return nil
	}
	out := make([]string, 0, n)
	for ; s != nil; s = s.parent {
		for k := range m(s) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkRefs checks the references of template s, the value of n. shell
// says s is a shell command line, where ${NAME} may mean a shell variable.
func (c *stepCtx) checkRefs(n *yaml.Node, key, s string, shell bool) bool {
	refs, err := Refs(s)
	if err != nil {
		c.fail(n, key, err)
		return false
	}
	ok := true
	for _, name := range refs {
		if err := c.checkRef(name); err != nil {
			if _, undef := errors.AsType[*UndefinedError](err); undef && shell {
				err = fmt.Errorf("%w; for the shell's own variable write $${%s}", err, name)
			}
			c.fail(n, key, err)
			ok = false
		}
	}
	return ok
}

// checkRef checks that the variable name is defined in the current scope.
func (c *stepCtx) checkRef(name string) error {
	if env, ok := strings.CutPrefix(name, "env."); ok && !strings.Contains(env, ".") {
		return nil
	}
	if name == "match.index" {
		if c.sc.hasAny() {
			return nil
		}
		return errors.New("${match.index} is set by an expect with any:, and none comes before")
	}
	if name == workVar {
		return nil // Every job's, and setup's.
	}
	if name == "each.index" {
		if c.sc.hasEach() {
			return nil
		}
		return errors.New("${each.index} is set inside the steps of an each, and this step is not one of them")
	}
	if c.sc.hasVar(name) || c.p.csvUnread {
		return nil // Or the variable may be a column of the csv: unread.
	}
	if err := c.p.setupRef(name); err != nil {
		return err
	}
	return &UndefinedError{Name: name, Defined: c.sc.names(func(s *scope) map[string]bool { return s.vars })}
}

// reservedVars are the first parts of built-in names, which no variable
// may take, and what they are for.
var reservedVars = map[string]string{"env": "${env.NAME}", "match": "${match.index}", "each": "${each.index}", workVar: "${work}, the job's work directory"}

// varName checks that the scalar n names a variable a script may define.
func (c *stepCtx) varName(n *yaml.Node, key string) bool {
	switch {
	case n.Kind != yaml.ScalarNode || isNull(n):
		c.errorf(n, key, "want a variable name, got %s", describe(n))
	case !isVarName(n.Value):
		c.errorf(n, key, "invalid variable name %s: want letters, digits and _, not starting with a digit", shortQuote(n.Value))
	case reservedVars[n.Value] != "":
		c.errorf(n, key, "%q is reserved (for %s); choose another name", n.Value, reservedVars[n.Value])
	default:
		return true
	}
	return false
}

// process checks that the name in n (the value of on:, stdin_from: or the
// short form of terminate:) is that of a process spawned before.
func (c *stepCtx) process(n *yaml.Node, key string) string {
	name, ok := c.str(n, key)
	if !ok || c.sc.hasProc(name) {
		return name
	}
	if err := c.p.setupProc(name); err != nil {
		c.fail(n, key, err)
		return name
	}
	procs := c.sc.names(func(s *scope) map[string]bool { return s.procs })
	switch {
	case len(procs) == 0 && c.sc.spawned():
		c.errorf(n, key, "unknown process %s", shortQuote(name))
	case len(procs) == 0:
		c.errorf(n, key, "unknown process %s (no spawn comes before this step)", shortQuote(name))
	default:
		c.errorf(n, key, "unknown process %s (spawned before this step: %s)", shortQuote(name), listNames(procs))
	}
	return name
}

// on reads the on: key of f, or checks that a process was spawned before
// the step at key for it to act on.
func (c *stepCtx) on(f map[string]entry, key *yaml.Node) string {
	if e, ok := f["on"]; ok {
		return c.process(e.val, "on")
	}
	c.needProcess(key)
	return ""
}

func (c *stepCtx) needProcess(key *yaml.Node) {
	if !c.sc.spawned() {
		hint := ""
		if len(c.p.setupProcs) > 0 {
			hint = " (setup:'s processes are shared by every job, which may not drive them)"
		}
		c.errorf(key, "", "no process to act on: %s acts on the last process spawned, and no spawn comes before it%s", c.kind, hint)
	}
}
