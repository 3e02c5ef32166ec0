package script

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file reads define: and import:, the step groups a call step runs.
// A group is read again at each call, with the caller's variables and
// processes and its params: a call is checked, and runs, as if its steps
// were written in its place, its params defined within them only.

// definition is one group of steps of define:.
type definition struct {
	Name   string
	Pos    Pos
	File   string     // the file it is in, for the positions of its steps
	Params []string   // in order
	Steps  *yaml.Node // read at each call
}

// reuse is what a script's parse knows of its groups, shared by the
// parsers of its imports and calls.
type reuse struct {
	defs       map[string]*definition
	called     map[string]bool
	stack      []string // the groups being read, call within call
	expansions int      // the calls read, in all
}

// maxExpansions is the most calls a script's parse reads, calls within
// calls counted each time: groups that call each other twice at each of
// twenty levels would otherwise be read a million times.
const maxExpansions = 10_000

// defineForm is one group of define:.
var defineForm = form{
	fields: []field{
		{"params", tCaptures, "the group's parameters, variables within its steps only; a call gives each with with:"},
		{"steps", tSteps, "the steps the group runs"},
	},
	required: []string{"steps"},
	missing:  map[string]string{"steps": "the steps the group runs"},
}

// libraryForm is the top level of a file import: brings in.
var libraryForm = form{
	fields: []field{
		{"define", tDefines, "named groups of steps, run by call"},
		{"import", tImports, "files whose define: groups this file brings in, relative to it"},
	},
}

// reuses reads the import: and define: keys of the file p reads, whose
// top level is f; chain are the files importing it, outermost first.
func (p *parser) reuses(f map[string]entry, chain []string) {
	if p.reuse == nil {
		p.reuse = &reuse{defs: map[string]*definition{}, called: map[string]bool{}}
	}
	c := p.at("", &scope{})
	if e, ok := f["import"]; ok && !isNull(e.val) {
		v := deref(e.val)
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		for _, item := range items {
			if name, ok := c.str(deref(item), "import"); ok {
				p.importFile(deref(item), name, chain)
			}
		}
	}
	if e, ok := f["define"]; ok && !isNull(e.val) {
		p.defines(e.val)
	}
}

// importFile reads the file name, relative to the importing file, for
// its define:. Its errors are reported at the import, each naming its
// place in that file.
func (p *parser) importFile(n *yaml.Node, name string, chain []string) {
	c := p.at("", &scope{})
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(p.file), name)
	}
	abs := realPath(path)
	chain = append(slices.Clone(chain), p.abs())
	if i := slices.Index(chain, abs); i >= 0 {
		files := make([]string, 0, len(chain)-i+1)
		for _, f := range chain[i:] {
			files = append(files, filepath.Base(f))
		}
		files = append(files, filepath.Base(abs))
		c.errorf(n, "import", "import cycle: %s", strings.Join(files, " imports "))
		return
	}
	src, err := readImport(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.errorf(n, "import", "no file %s (imports are relative to the importing script's directory)", path)
		return
	case err != nil:
		c.errorf(n, "import", "cannot read %s: %v", path, err)
		return
	}
	lp := &parser{file: path, reuse: p.reuse, absFile: abs}
	if root := lp.decode(src); root != nil && lp.checkTree(root, 1) {
		root = deref(root)
		lc := lp.at("", &scope{})
		if root.Kind != yaml.MappingNode {
			lc.errorf(root, "", "want a mapping with define: (and import:), got %s", describe(root))
		} else {
			lp.reuses(lc.fieldsOf(root, &libraryForm, "an imported file", "", root), chain)
		}
	}
	p.adopt(lp, p.pos(n), "import")
}

// maxImport is the largest file import: reads.
const maxImport = 16 << 20

// readImport reads the regular file at path, of at most maxImport bytes:
// a FIFO or a device (import: [/dev/zero]) would never end.
func readImport(path string) ([]byte, error) {
	// Stat before opening: opening a FIFO waits for a writer.
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, bare(err)
	case fi.IsDir():
		return nil, errors.New("it is a directory")
	case !fi.Mode().IsRegular():
		return nil, errors.New("not a regular file")
	case fi.Size() > maxImport:
		return nil, fmt.Errorf("larger than %d MiB", maxImport>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, bare(err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxImport+1))
	if err == nil && len(src) > maxImport {
		err = fmt.Errorf("larger than %d MiB", maxImport>>20)
	}
	return src, err
}

// bare is err without the path an *os.PathError repeats, unless the
// file does not exist, which callers test for.
func bare(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok && !errors.Is(err, os.ErrNotExist) {
		return pe.Err
	}
	return err
}

// abs is the real path of p's file, for import cycles.
func (p *parser) abs() string {
	if p.absFile == "" {
		p.absFile = realPath(p.file)
	}
	return p.absFile
}

// realPath is path absolute, its symbolic links resolved where they can
// be: a file reached by two names, or through a link to a directory
// above it, is one file of an import cycle.
func realPath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	}
	if a, err := filepath.Abs(path); err == nil {
		path = a
	}
	return path
}

// adopt reports the errors of sub, a parser of another file or of a
// group's steps at a call, at pos, each with its own position after it.
func (p *parser) adopt(sub *parser, pos Pos, step string) {
	for _, e := range sub.errs {
		p.add(pos, step, e)
	}
	p.cut = p.cut || sub.cut
}

// defines reads define:, a mapping of group names to groups.
func (p *parser) defines(n *yaml.Node) {
	c := p.at("", &scope{})
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "define", "want a mapping of group names to {params, steps}, got %s", describe(n))
		return
	}
	for _, e := range c.entries(n, "define") {
		if !c.varName(e.key, "define") {
			continue
		}
		d := &definition{Name: e.name, Pos: p.pos(e.key), File: p.file}
		if old := p.reuse.defs[e.name]; old != nil {
			if old.Pos != d.Pos { // The same file imported twice defines it once.
				c.errorf(e.key, "define", "group %q is defined twice: here and at %s", e.name, old.Pos)
			}
			continue
		}
		v := deref(e.val)
		if v.Kind != yaml.MappingNode {
			c.errorf(v, "define."+e.name, "want a mapping with params and steps, got %s", describe(v))
			continue
		}
		f := c.fieldsOf(v, &defineForm, "define."+e.name, "define."+e.name, e.key)
		if pe, ok := f["params"]; ok {
			d.Params = c.params(pe.val, "define."+e.name+".params")
		}
		se, ok := f["steps"]
		if !ok {
			continue
		}
		if sv := deref(se.val); sv.Kind != yaml.SequenceNode || len(sv.Content) == 0 {
			c.errorf(sv, "define."+e.name+".steps", "want a non-empty list of steps, got %s", describe(sv))
			continue
		}
		d.Steps = se.val
		p.reuse.defs[e.name] = d
	}
}

// params reads a list of parameter names.
func (c *stepCtx) params(n *yaml.Node, key string) []string {
	n = deref(n)
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []string
	for _, item := range items {
		item = deref(item)
		if !c.varName(item, key) {
			continue
		}
		if slices.Contains(out, item.Value) {
			c.errorf(item, key, "%q appears twice", item.Value)
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// group reads the steps of d for a call at key, in scope sc with d's
// params defined, and returns them; what they define but the params is
// then defined in sc. Errors are reported at the call, each with its
// place in d.
func (c *stepCtx) group(d *definition, key *yaml.Node) []Step {
	r := c.p.reuse
	r.called[d.Name] = true
	pos := c.p.pos(key)
	if i := slices.Index(r.stack, d.Name); i >= 0 {
		c.errorf(key, "", "group %q calls itself (%s): a call is read as if its steps were written in its place, which would never end",
			d.Name, strings.Join(append(slices.Clone(r.stack[i:]), d.Name), " calls "))
		return nil
	}
	if r.expansions++; r.expansions > maxExpansions {
		if r.expansions == maxExpansions+1 {
			c.errorf(key, "", "calls within calls read more than %d groups; call fewer groups within groups", maxExpansions)
		}
		return nil
	}
	r.stack = append(r.stack, d.Name)
	defer func() { r.stack = r.stack[:len(r.stack)-1] }()
	sub := &parser{file: d.File, sizes: c.p.sizes, known: c.p.known, setupProcs: c.p.setupProcs, inSetup: c.p.inSetup, reuse: r}
	b := c.sc.child()
	for _, name := range d.Params {
		b.defineVar(name)
	}
	steps := sub.steps(d.Steps, "steps", b)
	for name := range b.vars {
		if !slices.Contains(d.Params, name) {
			c.sc.defineVar(name)
		}
	}
	for name := range b.procs {
		c.sc.defineProc(name)
	}
	c.sc.anyDone = c.sc.anyDone || b.anyDone
	c.p.adopt(sub, pos, "call "+d.Name)
	return steps
}

// uncalled returns the groups defined and never called, by position.
func (r *reuse) uncalled() []*definition {
	var out []*definition
	for name, d := range r.defs {
		if !r.called[name] {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *definition) int { return strings.Compare(a.Pos.String(), b.Pos.String()) })
	return out
}

// groupNames returns the names of the groups defined, sorted.
func (r *reuse) groupNames() []string {
	names := make([]string, 0, len(r.defs))
	for name := range r.defs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// errUncalled is the warning of a group never called.
func errUncalled(d *definition) *Error {
	return &Error{Pos: d.Pos, Step: "define", Err: fmt.Errorf("group %q is never called", d.Name)}
}
