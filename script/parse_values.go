package script

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drover-dev/drover/exec"
)

// stepCtx reads the values of one step (or of the top level, with kind "")
// and reports errors in them.
type stepCtx struct {
	p    *parser
	kind string
	k    *stepKind // the step's kind; nil at the top level
	sc   *scope
	// node is the step's whole mapping, for a kind with siblings.
	node *yaml.Node
	// lacks are the required keys its long form lacks, reported once
	// the step is read.
	lacks []string
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
		if len(n.Content) == 0 {
			return "an empty mapping"
		}
		return "a mapping"
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return "an empty list"
		}
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
// not plain names or that repeat. The pairs of mappings merged in with <<
// follow, unless the mapping has their key itself; among merged mappings
// the first has precedence, as YAML's merge key type says.
func (c *stepCtx) entries(n *yaml.Node, key string) []entry {
	out := make([]entry, 0, len(n.Content)/2)
	var merged []entry
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || isNull(k):
			c.errorf(k, key, "want a key name, got %s", describe(k))
			continue
		case k.Tag == "!!merge":
			merged = append(merged, c.merge(v, key)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.errorf(k, key, "key %s appears twice (first at line %d)", shortQuote(k.Value), first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{k.Value, k, v})
	}
	for _, e := range merged {
		if _, ok := seen[e.name]; !ok {
			seen[e.name] = e.key
			out = append(out, e)
		}
	}
	return out
}

// merge returns the pairs that the value of a << key merges in: those of
// a mapping or of a list of mappings.
func (c *stepCtx) merge(n *yaml.Node, key string) []entry {
	switch n.Kind {
	case yaml.MappingNode:
		return c.entries(n, key)
	case yaml.SequenceNode:
		var all []entry
		for _, item := range n.Content {
			if item = deref(item); item.Kind == yaml.MappingNode {
				all = append(all, c.entries(item, key)...)
			} else {
				c.errorf(item, key, "<<: want a mapping to merge, got %s", describe(item))
			}
		}
		return all
	}
	c.errorf(n, key, "<<: want a mapping or a list of mappings to merge, got %s", describe(n))
	return nil
}

// fields returns the pairs of mapping n by key, reporting keys not in
// allowed. what names the mapping in messages.
// fieldsOf reads the mapping n of form fm, as fields does, and reports
// each key that fm requires and n lacks at at, with what the key is.
func (c *stepCtx) fieldsOf(n *yaml.Node, fm *form, what, key string, at *yaml.Node) map[string]entry {
	f := c.fields(n, what, key, fm.names())
	for _, k := range fm.required {
		if _, ok := f[k]; !ok {
			c.errorf(at, "", "missing key %s: %s", k, fm.missing[k])
		}
	}
	return f
}

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
	if ok {
		ok = c.checkSize(n, key, s)
	}
	return s, ok
}

// checkSize reports a template whose value, with the longest values its
// variables can have from the matrix and vars:, would pass MaxValue:
// ${a}${a} ten times over, line after line, grows tenfold a line.
func (c *stepCtx) checkSize(n *yaml.Node, key, s string) bool {
	size := c.p.expandedSize(s)
	if size <= MaxValue {
		return true
	}
	how := strconv.Itoa(size) + " bytes"
	if size >= maxSize {
		how = "more than " + how
	}
	c.errorf(n, key, "expands to %s, more than the %d bytes (1 MiB) a value may have", how, MaxValue)
	return false
}

// maxSize caps the sizes expandedSize adds, so that they cannot overflow,
// a filter's growth (at most 6 bytes a byte) included, on 32 bits too.
const maxSize = min(1<<40, math.MaxInt>>3)

// expandedSize is the most bytes template s can expand to, as far as the
// parser knows: a capture or the environment counts as empty. It is at
// most maxSize.
func (p *parser) expandedSize(s string) int {
	size := 0
	_ = scanTmpl(s, func(lit, name, filters string) { // Syntax checked by the caller.
		v := p.sizes[name]
		if filters != "" {
			for f := range strings.SplitSeq(filters, "|") {
				g := filterGrowth[f]
				v = min(v*g[0]+g[1], maxSize)
			}
		}
		size = min(size+len(lit)+v, maxSize)
	})
	return size
}

// setSize records the longest value of a variable. One already reported
// too long counts as empty, so that the values made of it are not all
// reported too.
func (p *parser) setSize(name string, size int) {
	if p.sizes == nil {
		p.sizes = make(map[string]int)
	}
	if size > MaxValue {
		size = 0
	}
	p.sizes[name] = max(p.sizes[name], size)
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
			c.errorf(n, key, "invalid regular expression: %s: %s", se.Code, quoteRegexp(se.Expr))
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

// quoteRegexp quotes a regular expression for a message, in backquotes
// when it can, as package regexp does, so that backslashes read as written.
func quoteRegexp(re string) string {
	if len(re) <= 40 && strconv.CanBackquote(re) {
		return "`" + re + "`"
	}
	return shortQuote(re)
}

// signalNames are the signals a script may send or expect, without SIG:
// those package exec can send.
var signalNames = exec.SignalNames()

// exit reads an exit status spec: a code, a list of codes, nonzero or any.
func (c *stepCtx) exit(n *yaml.Node) ExitSpec {
	const want = `an exit code from 0 to 255, a list of codes, "nonzero" or "any"`
	var x ExitSpec
	switch {
	case n.Kind == yaml.ScalarNode && n.Value == "any" && n.Tag == "!!str":
		x.Any = true
	case n.Kind == yaml.ScalarNode && n.Value == "nonzero" && n.Tag == "!!str":
		x.Nonzero = true
	case n.Kind == yaml.ScalarNode && n.Tag == "!!int":
		if code, ok := c.integer(n, "exit", want, 0, 255); ok {
			x.Codes = []int{code}
		}
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		for _, item := range n.Content {
			if code, ok := c.integer(deref(item), "exit", "an exit code from 0 to 255", 0, 255); ok {
				x.Codes = append(x.Codes, code)
			}
		}
	default:
		c.errorf(n, "exit", "want %s, got %s", want, describe(n))
	}
	return x
}

// matcher reads an output matcher: text it must contain, or a mapping.
func (c *stepCtx) matcher(n *yaml.Node, key string) *OutputMatcher {
	m := &OutputMatcher{Pos: c.p.pos(n)}
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		s, _ := c.tmpl(n, key)
		m.Contains = []string{s}
	case n.Kind == yaml.MappingNode && len(n.Content) > 0:
		c.matcherFields(c.fields(n, key, key, matcherKeys), key+".", m)
	default:
		c.errorf(n, key, "want text the output contains, or a mapping with %s; got %s", strings.Join(matcherKeys, ", "), describe(n))
	}
	return m
}

// matcherFields reads the checks of f, the keys of matcherForm, into m.
// prefix (such as "stdout.") goes before each key in messages.
func (c *stepCtx) matcherFields(f map[string]entry, prefix string, m *OutputMatcher) {
	if e, ok := f["contains"]; ok {
		m.Contains = c.list(e.val, prefix+"contains")
	}
	if e, ok := f["not_contains"]; ok {
		m.NotContains = c.list(e.val, prefix+"not_contains")
	}
	if e, ok := f["equals"]; ok {
		if s, ok := c.tmpl(e.val, prefix+"equals"); ok {
			m.Equals = &s
		}
	}
	if e, ok := f["re"]; ok {
		if s, ok := c.tmpl(e.val, prefix+"re"); ok {
			m.Re = s
			c.regex(e.val, prefix+"re", s)
		}
	}
	if e, ok := f["empty"]; ok {
		if b, ok := c.boolean(e.val, prefix+"empty"); ok {
			m.Empty = &b
		}
	}
	if e, ok := f["lines"]; ok {
		if l, ok := c.integer(e.val, prefix+"lines", "a line count (0 or more)", 0, 1<<31-1); ok {
			m.Lines = &l
		}
	}
	if e, ok := f["json"]; ok {
		m.JSON = c.jsonChecks(e.val, prefix+"json")
	}
	if e, ok := f["equals_file"]; ok {
		if s, ok := c.tmpl(e.val, prefix+"equals_file"); ok {
			if strings.TrimSpace(s) == "" {
				c.errorf(e.val, prefix+"equals_file", "want the path of a golden file, relative to the script's directory")
			} else {
				m.EqualsFile = s
				c.p.goldens = append(c.p.goldens, golden{Pos: c.p.pos(e.val), Step: c.kind, Path: s})
			}
		}
	}
}

// signalName reads a signal name: TERM, SIGTERM and term all mean TERM.
func (c *stepCtx) signalName(n *yaml.Node, key string) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		name := strings.ToUpper(n.Value)
		name = strings.TrimPrefix(name, "SIG")
		if slices.Contains(signalNames, name) {
			return name
		}
	}
	c.errorf(n, key, "unknown signal %s; want one of: %s", describe(n), strings.Join(signalNames, ", "))
	return ""
}

// mustBeTrue checks the value of a key that only means something as true,
// such as eof: true.
func (c *stepCtx) mustBeTrue(n *yaml.Node, key string) {
	if v, ok := c.boolean(n, key); ok && !v {
		c.errorf(n, key, "only true means something here; remove the key or write %s: true", key)
	}
}
