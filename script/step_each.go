package script

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Each runs a group of steps once per item of a list, in order, in the
// same job: a table of hosts and their addresses driven through one
// session. An item sets one variable (As) or, when it is a mapping or a
// CSV row, one variable per key. ${each.index} counts the items from 0.
// The item's variables and ${each.index} hold only inside the steps;
// what the steps capture is still set after the loop, as after any:.
type Each struct {
	Pos    Pos
	Source string     // in, lines, csv or split
	File   string     // lines: and csv:, the path as written
	Names  []string   // the variables each item sets
	Rows   [][]string // the items, one value per name; templates for in:
	Split  string     // split:, the template whose lines are the items
	Steps  []Step
}

// Position and Kind implement Step.
func (s *Each) Position() Pos { return s.Pos }
func (*Each) Kind() string    { return "each" }

// eachKind is the each step.
var eachKind = &stepKind{
	stepSpec: stepSpec{kind: "each", doc: "run a group of steps once per item of a list, in order",
		long: &form{
			fields: []field{
				{"in", tItems, "the items: a list of texts, or of mappings that set one variable per key"},
				{"lines", tDataFile, "a file, one item per line that is not blank; relative to the script's directory"},
				{"csv", tDataFile, "a CSV file whose header row names the variables, one item per row; relative to the script's directory"},
				{"split", tText, "one item per line of this text, such as ${out}, at run time"},
				{"as", tVarName, "the variable an item of in: (texts), lines: or split: sets; default item"},
				{"steps", tSteps, "the steps run for each item"},
			},
			oneOf:    []string{"in", "lines", "csv", "split"},
			required: []string{"steps"},
			missing:  map[string]string{"steps": "the steps to run for each item"},
		}},
	parse: parseEach,
}

// parseEach reads the items (a file's when the script is parsed), then
// the steps in a scope where the item's variables and ${each.index} are
// defined.
func parseEach(c *stepCtx, key, val *yaml.Node) Step {
	s := &Each{Pos: c.p.pos(key)}
	if val.Kind != yaml.MappingNode {
		c.errorf(val, "", "want a mapping with in, lines, csv or split, and steps; got %s", describe(val))
		return s
	}
	f := c.longForm(val)
	as := ""
	if e, ok := f["as"]; ok && c.varName(e.val, "as") {
		as = e.val.Value
	}
	s.Source = c.oneOf(f, key, c.k.long.oneOf...)
	switch s.Source {
	case "in":
		c.eachIn(s, f["in"].val)
	case "lines", "csv":
		c.eachFile(s, f[s.Source].val)
	case "split":
		s.Split, _ = c.tmpl(f["split"].val, "split")
	}
	keyed := s.Source == "csv" || s.Source == "in" && len(s.Names) > 0 && s.Names[0] != ""
	if as != "" && keyed {
		c.errorf(f["as"].key, "", "as: names the variable of an item that is text; the keys of a mapping item, or the header of a csv file, name the variables themselves")
	}
	if s.Source == "csv" && s.Names == nil || s.Source == "" {
		return s // Which variables the steps may use is unknown: read them once it is known.
	}
	if s.Names == nil || len(s.Names) == 1 && s.Names[0] == "" {
		s.Names = []string{cmpOr(as, "item")}
	}
	for j, name := range s.Names {
		size := 0
		for _, row := range s.Rows {
			if j < len(row) {
				size = max(size, c.p.expandedSize(row[j]))
			}
		}
		c.p.setSize(name, size)
	}
	e, has := f["steps"]
	if !has {
		return s
	}
	items := &scope{parent: c.sc, inEach: true}
	for _, name := range s.Names {
		items.defineVar(name)
	}
	body := &stepCtx{p: c.p, kind: c.kind, k: c.k, sc: items.child()}
	s.Steps = body.block(e.val, "steps")
	c.sc.absorb(body.sc) // What the steps define holds after the loop.
	return s
}

// eachIn reads in:, a list of texts or a list of mappings with the same
// keys. For texts it leaves Names as [""], for as: to name.
func (c *stepCtx) eachIn(s *Each, n *yaml.Node) bool {
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "in", "want a list of items, texts or mappings, got %s", describe(n))
		return false
	}
	ok := true
	var first *yaml.Node
	for i, item := range n.Content {
		item = deref(item)
		if i == 0 {
			first = item
		}
		switch {
		case item.Kind == yaml.MappingNode && first.Kind == yaml.MappingNode:
			row, good := c.eachMapping(s, item, i)
			ok = ok && good
			s.Rows = append(s.Rows, row)
		case item.Kind == yaml.ScalarNode && !isNull(item) && first.Kind == yaml.ScalarNode:
			v, good := c.tmpl(item, "in")
			ok = ok && good
			s.Rows = append(s.Rows, []string{v})
			s.Names = []string{""}
		default:
			want := "text"
			if first.Kind == yaml.MappingNode {
				want = "a mapping, as the first item is"
			} else if i == 0 {
				want = "text or a mapping"
			}
			c.errorf(item, "in", "item %d: want %s, got %s", i, want, describe(item))
			ok = false
		}
	}
	if len(n.Content) == 0 {
		s.Names = []string{""}
	}
	return ok
}

// eachMapping reads the mapping item i of in:. The first item's keys name
// the variables; every other item must have the same keys.
func (c *stepCtx) eachMapping(s *Each, n *yaml.Node, i int) ([]string, bool) {
	entries := c.entries(n, "in")
	if i == 0 {
		if len(entries) == 0 {
			c.errorf(n, "in", "item 0: an empty mapping sets no variable")
			return nil, false
		}
		for _, e := range entries {
			if !c.varName(e.key, "in") {
				return nil, false
			}
			s.Names = append(s.Names, e.name)
		}
	}
	if len(s.Names) == 0 {
		return nil, false // The first item was wrong, and said so.
	}
	row := make([]string, len(s.Names))
	got := make(map[string]bool, len(entries))
	ok := true
	for _, e := range entries {
		j := indexOf(s.Names, e.name)
		if j < 0 {
			c.errorf(e.key, "in", "item %d: key %s is not one of the first item's (%s)", i, shortQuote(e.name), strings.Join(s.Names, ", "))
			ok = false
			continue
		}
		got[e.name] = true
		v, good := c.tmpl(e.val, "in")
		ok = ok && good
		row[j] = v
	}
	for _, name := range s.Names {
		if !got[name] && ok {
			c.errorf(n, "in", "item %d lacks key %s, which the first item has", i, name)
			ok = false
		}
	}
	return row, ok
}

// eachFile reads the file of lines: or csv: now, relative to the script's
// directory, so that drover check sees what is wrong with it.
func (c *stepCtx) eachFile(s *Each, n *yaml.Node) bool {
	name, ok := c.str(n, s.Source)
	if !ok {
		return false
	}
	if strings.TrimSpace(name) == "" {
		c.errorf(n, s.Source, "want a file name, got an empty text")
		return false
	}
	if strings.Contains(name, "${") {
		c.errorf(n, s.Source, "%s is read when the script is loaded, so its name cannot use variables; for items known only at run time, write split: ${VAR}", shortQuote(name))
		return false
	}
	s.File = name
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(c.p.file), path)
	}
	text, err := readData(path, name)
	if err != nil {
		c.fail(n, s.Source, err)
		return false
	}
	if s.Source == "lines" {
		lines, _, err := dataLines(text, name, maxItems)
		if err != nil {
			c.fail(n, s.Source, err)
			return false
		}
		s.Rows = make([][]string, len(lines))
		for i, l := range lines {
			s.Rows[i] = []string{l}
		}
		s.Names = []string{""}
		return true
	}
	t, err := readCSV(text, name)
	if err != nil {
		c.fail(n, s.Source, err)
		return false
	}
	for i, h := range t.Header {
		switch {
		case !isVarName(h):
			c.errorf(n, s.Source, "%s:1: column %d: %s is not a variable name: want letters, digits and _, not starting with a digit", name, i+1, shortQuote(h))
			return false
		case reservedVars[h] != "":
			c.errorf(n, s.Source, "%s:1: column %d: %q is reserved (for %s); choose another name", name, i+1, h, reservedVars[h])
			return false
		case indexOf(t.Header[:i], h) >= 0:
			c.errorf(n, s.Source, "%s:1: column %s appears twice", name, h)
			return false
		}
	}
	s.Names, s.Rows = t.Header, t.Rows
	return true
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// run runs the steps once per item. The item's variables and
// ${each.index} are set for each, and given back their values of before
// the loop (or none) after it.
func (s *Each) run(ctx context.Context, st *state) error {
	rows := s.Rows
	if s.Source == "split" {
		v, err := st.expand(s.Split)
		if err != nil {
			return err
		}
		// A value has at most 1 MiB (MaxValue), which bounds its lines.
		lines, _, _ := dataLines([]byte(v), "", len(v)+1)
		rows = make([][]string, len(lines))
		for i, l := range lines {
			rows[i] = []string{l}
		}
	}
	names := append([]string{"each.index"}, s.Names...)
	type saved struct {
		v   string
		set bool
	}
	before := make([]saved, len(names))
	for i, name := range names {
		before[i].v, before[i].set = st.vars[name]
	}
	defer func() {
		for i, name := range names {
			if before[i].set {
				st.vars[name] = before[i].v
			} else {
				delete(st.vars, name)
			}
		}
	}()
	for i, row := range rows {
		st.vars["each.index"] = strconv.Itoa(i)
		for j, name := range s.Names {
			v := row[j]
			if s.Source == "in" {
				var err error
				if v, err = st.expand(v); err != nil {
					return &eachError{label: s.label(st, i, row), err: err}
				}
			}
			st.vars[name] = v
		}
		if err := st.runBlock(ctx, s.Steps); err != nil {
			return &eachError{label: s.label(st, i, row), err: err}
		}
	}
	return nil
}

// label names item i in a failure: each[37] host=api, its values as the
// loop set them (secrets masked), each cut short.
func (s *Each) label(st *state, i int, row []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "each[%d]", i)
	for _, name := range s.Names {
		v := st.vars[name]
		if _, set := st.vars[name]; !set && s.Source != "in" {
			v = row[indexOf(s.Names, name)]
		}
		v = clip(st.log.masked(v), 40)
		if v == "" || strings.ContainsAny(v, " \t\n\"'=") {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, " %s=%s", name, v)
	}
	return b.String()
}

// eachError is the failure of an item's steps: the item, then the step's
// error as it is.
type eachError struct {
	label string
	err   error
}

func (e *eachError) Error() string { return e.label + ": " + e.err.Error() }
func (e *eachError) Unwrap() error { return e.err }

// children implements parent.
func (s *Each) children() [][]Step { return [][]Step{s.Steps} }

// templates implements templater.
func (s *Each) templates() []string {
	var t []string
	if s.Source == "in" {
		for _, row := range s.Rows {
			t = append(t, row...)
		}
	}
	if s.Split != "" {
		t = append(t, s.Split)
	}
	return t
}

// lint implements linted: an each over no item at all never runs its
// steps, which is almost certainly a mistake; one over items known when
// the script is read runs them at least once, in order.
func (s *Each) lint(l *linter, f *facts) (string, bool) {
	if s.Source == "split" {
		return "", l.branches(f, s.Steps, nil)
	}
	if len(s.Rows) == 0 {
		what := "an empty list"
		if s.File != "" {
			what = fmt.Sprintf("%s, which has no items", s.File)
		}
		l.warn(s, "each over %s: its steps never run", what)
		return "", false
	}
	return "", l.block(s.Steps, f)
}
