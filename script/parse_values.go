package script

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"

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

// names returns the sorted names in m along the chain.
func (s *scope) names(m func(*scope) map[string]bool) []string {
	var out []string
	for ; s != nil; s = s.parent {
		for k := range m(s) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// stepCtx reads the values of one step (or of the top level, with kind "")
// and reports errors in them.
type stepCtx struct {
	p    *parser
	kind string
	sc   *scope
}

func (p *parser) at(kind string, sc *scope) *stepCtx {
	return &stepCtx{p: p, kind: kind, sc: sc}
}

// errorf reports a problem at n; key, when not empty, prefixes the message.
func (c *stepCtx) errorf(n *yaml.Node, key, format string, args ...any) {
	c.fail(n, key, fmt.Errorf(format, args...))
}

func (c *stepCtx) fail(n *yaml.Node, key string, err error) {
	if key != "" {
		err = &keyError{key, err}
	}
	c.p.add(c.p.pos(n), c.kind, err)
}

// keyError prefixes an error with the key whose value it is about.
type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return e.key + ": " + e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what n is, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return shortQuote(n.Value)
	}
	return "an alias"
}

// entry is one key and value of a mapping, aliases resolved.
type entry struct {
	name     string
	key, val *yaml.Node
}

// entries returns the pairs of mapping n in order, reporting keys that are
// not plain names or that repeat.
func (c *stepCtx) entries(n *yaml.Node, key string) []entry {
	out := make([]entry, 0, len(n.Content)/2)
	var seen map[string]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || isNull(k):
			c.errorf(k, key, "want a key name, got %s", describe(k))
			continue
		case k.Tag == "!!merge":
			c.errorf(k, key, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.errorf(k, key, "key %s appears twice (first at line %d)", shortQuote(k.Value), first.Line)
			continue
		}
		if seen == nil {
			seen = make(map[string]*yaml.Node)
		}
		seen[k.Value] = k
		out = append(out, entry{k.Value, k, v})
	}
	return out
}

// fields returns the pairs of mapping n by key, reporting keys not in
// allowed. what names the mapping in messages.
func (c *stepCtx) fields(n *yaml.Node, what, key string, allowed []string) map[string]entry {
	m := make(map[string]entry)
	for _, e := range c.entries(n, key) {
		if !slices.Contains(allowed, e.name) {
			c.errorf(e.key, "", "unknown key %s in %s; want one of: %s", shortQuote(e.name), what, strings.Join(allowed, ", "))
			continue
		}
		m[e.name] = e
	}
	return m
}

// oneOf returns the one key of names present in f. With none it reports
// an error at n; with several, an error at each after the first, which it
// returns so that parsing goes on.
func (c *stepCtx) oneOf(f map[string]entry, n *yaml.Node, names ...string) string {
	var found []entry
	for _, name := range names {
		if e, ok := f[name]; ok {
			found = append(found, e)
		}
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if len(found) == 0 {
		c.errorf(n, "", "want one of %s", want)
		return ""
	}
	slices.SortFunc(found, func(a, b entry) int {
		return cmpPos(a.key, b.key)
	})
	for _, e := range found[1:] {
		c.errorf(e.key, "", "%s and %s cannot be used together; want one of %s", found[0].name, e.name, want)
	}
	return found[0].name
}

func cmpPos(a, b *yaml.Node) int {
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}

// str reads a scalar other than null as text, as written.
func (c *stepCtx) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		c.errorf(n, key, "want text, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// tmpl reads a template: a scalar whose ${...} references are well formed
// and defined in the current scope.
func (c *stepCtx) tmpl(n *yaml.Node, key string) (string, bool) {
	s, ok := c.str(n, key)
	if ok {
		ok = c.checkRefs(n, key, s, false)
	}
	return s, ok
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
	if c.sc.hasVar(name) {
		return nil
	}
	return &UndefinedError{Name: name, Defined: c.sc.names(func(s *scope) map[string]bool { return s.vars })}
}

// reservedVars are the first parts of built-in names, which no variable
// may take.
var reservedVars = []string{"env", "match"}

// varName checks that the scalar n names a variable a script may define.
func (c *stepCtx) varName(n *yaml.Node, key string) bool {
	switch {
	case n.Kind != yaml.ScalarNode || isNull(n):
		c.errorf(n, key, "want a variable name, got %s", describe(n))
	case !isVarName(n.Value):
		c.errorf(n, key, "invalid variable name %s: want letters, digits and _, not starting with a digit", shortQuote(n.Value))
	case slices.Contains(reservedVars, n.Value):
		c.errorf(n, key, "%q is reserved (for ${%s.NAME}); choose another name", n.Value, n.Value)
	default:
		return true
	}
	return false
}

// boolean reads true or false.
func (c *stepCtx) boolean(n *yaml.Node, key string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if v, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return v, true
		}
	}
	c.errorf(n, key, "want true or false, got %s", describe(n))
	return false, false
}

// integer reads an integer in [lo, hi]; what describes it for messages.
func (c *stepCtx) integer(n *yaml.Node, key, what string, lo, hi int) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		var v int
		if err := n.Decode(&v); err == nil && lo <= v && v <= hi {
			return v, true
		}
	}
	c.errorf(n, key, "want %s, got %s", what, describe(n))
	return 0, false
}

// duration reads a Go duration, greater than zero unless zeroOK.
func (c *stepCtx) duration(n *yaml.Node, key string, zeroOK bool) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		c.errorf(n, key, "want a duration such as 10s, got %s", describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(n.Value)
	switch {
	case err != nil && n.Tag == "!!int":
		c.errorf(n, key, "invalid duration %s: a unit is needed, such as %ss or %sms", shortQuote(n.Value), n.Value, n.Value)
	case err != nil:
		c.errorf(n, key, "invalid duration %s: want a Go duration such as 500ms, 10s or 1m30s (units: ns, us, ms, s, m, h)", shortQuote(n.Value))
	case d < 0 || d == 0 && !zeroOK:
		c.errorf(n, key, "want a duration greater than 0, got %s", shortQuote(n.Value))
	default:
		return d, true
	}
	return 0, false
}

// regex compiles the regular expression re, the value of n, unless it
// holds ${...} references; those are compiled when the step runs.
func (c *stepCtx) regex(n *yaml.Node, key, re string) *regexp.Regexp {
	if refs, err := Refs(re); err != nil || len(refs) > 0 {
		return nil
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		if se, ok := errors.AsType[*syntax.Error](err); ok {
			c.errorf(n, key, "invalid regular expression: %s: %s", se.Code, shortQuote(se.Expr))
		} else {
			c.errorf(n, key, "invalid regular expression: %v", err)
		}
		return nil
	}
	return rx
}

// list reads a scalar or a list of scalars as templates; a scalar is a
// list of one.
func (c *stepCtx) list(n *yaml.Node, key string) []string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		s, _ := c.tmpl(n, key)
		return []string{s}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		c.errorf(n, key, "want text or a non-empty list of texts, got %s", describe(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		s, _ := c.tmpl(deref(item), key)
		out = append(out, s)
	}
	return out
}
