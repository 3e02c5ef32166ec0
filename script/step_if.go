package script

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// If runs its then: steps when a condition on a variable holds, else its
// else: steps (if any). then and else are keys beside if, in the same
// mapping: the one step with sibling keys.
type If struct {
	Pos  Pos
	Cond Condition
	Then []Step
	Else []Step // may be empty
}

// Condition is a check of a variable's value or of a file: var or file,
// and the keys of an output check (contains, not_contains, equals, re,
// empty, lines, equals_file), which must all hold; a file's also
// exists. if and assert take one.
type Condition struct {
	Pos  Pos
	Var  string
	File string // template: a path, relative to the script's directory
	// Exists, for a file, says whether it must exist; nil when not given
	// (a file whose content is checked must exist).
	Exists *bool
	Match  OutputMatcher
	// content says the file's content is checked, not only whether it
	// exists.
	content bool
}

// Position and Kind implement Step.
func (s *If) Position() Pos { return s.Pos }
func (*If) Kind() string    { return "if" }

// condForm is a condition: var or file, and the checks of matcherForm;
// a file's also exists.
var condForm = form{
	fields: append([]field{
		{"var", tVarRef, "the variable whose value is checked"},
		{"file", tNonBlank, "the file whose content is checked, relative to the script's directory (write ${work}/NAME for the job's work directory)"},
		{"exists", tBool, "the file exists (true) or does not (false)"},
	}, matcherForm.fields...),
	oneOf: []string{"var", "file"},
	needs: map[string]string{"exists": "file"},
}

// condKeys are the checks of a condition, one of which it needs.
var condKeys = matcherForm.names()

// ifKind is the if step.
var ifKind = &stepKind{
	stepSpec: stepSpec{kind: "if", doc: "run then: when a variable's value passes a check, else: otherwise; then and else are keys beside if",
		long: &condForm},
	parse: parseIf,
	siblings: &form{
		fields: []field{
			{"then", tSteps, "the steps run when the condition holds"},
			{"else", tSteps, "the steps run when it does not"},
		},
		required: []string{"then"},
		missing:  map[string]string{"then": "the steps run when the condition holds, a key beside if"},
	},
}

// parseIf reads the condition, then then: and else: from the step's own
// mapping, each a branch whose definitions hold after the step.
func parseIf(c *stepCtx, key, val *yaml.Node) Step {
	s := &If{Pos: c.p.pos(key)}
	s.Cond = c.condition(key, val)
	s.Cond.Match.predicate = true
	allowed := append([]string{"if"}, c.k.siblings.names()...)
	f := c.fields(c.node, "an if step", "", allowed)
	var branches []*stepCtx
	for _, name := range c.k.siblings.names() {
		e, ok := f[name]
		if !ok {
			continue
		}
		b := c.branch()
		list := b.block(e.val, name)
		if name == "then" {
			s.Then = list
		} else {
			s.Else = list
		}
		branches = append(branches, b)
	}
	if _, ok := f["then"]; !ok {
		c.errorf(key, "", "missing key then: %s", c.k.siblings.missing["then"])
	}
	c.join(branches...)
	return s
}

// condition reads the condition of if or assert, the value n of key.
func (c *stepCtx) condition(key, n *yaml.Node) Condition {
	cd := Condition{Pos: c.p.pos(n)}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "", "want a condition, a mapping with var or file and a check such as equals: 42 (%s); got %s", strings.Join(condKeys, ", "), describe(n))
		return cd
	}
	f := c.fieldsOf(n, &condForm, c.kind, "", key)
	_, hasVar := f["var"]
	_, hasFile := f["file"]
	switch c.oneOf(f, n, condForm.oneOf...) {
	case "file":
		c.fileCondition(n, f, &cd)
		return cd
	case "var":
		if hasFile {
			return cd // Reported: which one was meant is unknown.
		}
	}
	if !hasVar {
		return cd
	}
	if e, ok := f["var"]; ok {
		switch name, isText := c.str(e.val, "var"); {
		case !isText:
		case checkRefName(name) != nil:
			c.errorf(e.val, "var", "want a variable name such as addr, each.index or env.HOME, got %s", shortQuote(name))
		default:
			if err := c.checkRef(name); err != nil {
				c.fail(e.val, "var", err)
			}
			cd.Var = name
		}
	}
	if e, ok := f["exists"]; ok {
		c.errorf(e.key, "exists", "checks a file: it goes with file:, not var:")
	}
	checks := 0
	for _, k := range condKeys {
		if _, ok := f[k]; ok {
			checks++
		}
	}
	if checks == 0 && cd.Var != "" {
		c.errorf(n, "", "want a check of ${%s} beside var: one of %s", cd.Var, strings.Join(condKeys, ", "))
	}
	cd.Match.Pos = cd.Pos
	c.matcherFields(f, "", &cd.Match)
	return cd
}

// test reports whether the condition holds, and why not as a mismatch
// message ("${addr} is "x", want "y""). err is a failure to judge: an
// undefined variable, a template that cannot be expanded, a regular
// expression that does not compile, the job stopped.
func (cd *Condition) test(ctx context.Context, st *state) (ok bool, why, err error) {
	if cd.File != "" {
		return cd.testFile(ctx, st)
	}
	v, set := st.lookup(cd.Var)
	if !set {
		return false, nil, st.undefined(cd.Var)
	}
	// Expanded first, so that what checkOutput returns is a mismatch.
	for _, t := range cd.Match.templates() {
		if _, err := st.expand(t); err != nil {
			return false, nil, err
		}
	}
	if cd.Match.Re != "" {
		src, _ := st.expand(cd.Match.Re)
		if _, err := regexp.Compile("(?m)" + src); err != nil {
			return false, nil, fmt.Errorf("bad regular expression: %v", err)
		}
	}
	for _, ch := range cd.Match.JSON {
		if _, _, err := st.code(ch.Expr, ch.code); err != nil {
			return false, nil, err
		}
	}
	why = st.checkOutput(ctx, "${"+cd.Var+"}", &cd.Match, &exec.Output{Kept: []byte(v)})
	if ctx.Err() != nil {
		return false, nil, ctx.Err()
	}
	return why == nil, why, nil
}

// templates returns what the condition expands, the variable included.
func (cd *Condition) templates() []string {
	if cd.File != "" {
		return append(cd.Match.templates(), cd.File)
	}
	return append(cd.Match.templates(), "${"+cd.Var+"}")
}

// run runs then: or else:.
func (s *If) run(ctx context.Context, st *state) error {
	ok, _, err := s.Cond.test(ctx, st)
	if err != nil {
		return err
	}
	if ok {
		return st.runBlock(ctx, s.Then)
	}
	return st.runBlock(ctx, s.Else)
}

// children implements parent.
func (s *If) children() [][]Step { return [][]Step{s.Then, s.Else} }

// templates implements templater.
func (s *If) templates() []string { return s.Cond.templates() }

// lint implements linted: exactly one of then and else runs (else may be
// empty). A condition that can be judged from values known before the
// script runs leaves one of them unreachable, which is reported.
func (s *If) lint(l *linter, f *facts) (string, bool) {
	if holds, known := l.constant(&s.Cond); known {
		switch {
		case holds && len(s.Else) > 0:
			l.warn(s, "the condition always holds (${%s} is %q before the script runs; only --var can change it): else: never runs", s.Cond.Var, l.known[s.Cond.Var])
		case !holds:
			l.warn(s, "the condition never holds (${%s} is %q before the script runs; only --var can change it): then: never runs", s.Cond.Var, l.known[s.Cond.Var])
		}
	}
	return "", l.branches(f, s.Then, s.Else)
}

// constant judges cd from the values known before the script runs (vars:
// of literal text, matrix axes of one value), when no step sets its
// variable or one its checks use. known is false when it cannot.
func (l *linter) constant(cd *Condition) (holds, known bool) {
	if cd.File != "" || cd.Match.EqualsFile != "" {
		return false, false // Files are read when the step runs.
	}
	if l.known == nil {
		l.known = knownVars(l.script)
		l.set = map[string]bool{}
		for _, list := range [][]Step{l.script.Steps, l.script.Finally} {
			walkSteps(list, func(s Step) {
				if d, ok := s.(definer); ok {
					for _, name := range d.defines() {
						l.set[name] = true
					}
				}
				if e, ok := s.(*Each); ok {
					for _, name := range e.Names {
						l.set[name] = true
					}
				}
			})
		}
	}
	for _, t := range cd.templates() {
		refs, _ := Refs(t) // Parsed already: no error.
		for _, name := range refs {
			if _, ok := l.known[name]; !ok || l.set[name] {
				return false, false
			}
		}
	}
	st := &state{vars: l.known}
	// A jq expression may run for ever: past lintJQTime, it is not judged.
	ctx, cancel := context.WithTimeout(context.Background(), lintJQTime)
	defer cancel()
	ok, _, err := cd.test(ctx, st)
	return ok, err == nil
}
