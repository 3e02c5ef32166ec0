package script

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Call runs a group of steps of define:, its params given by with:.
// Its steps run as if written in its place: they act on the caller's
// processes, and what they capture is the caller's after the call. The
// params are variables within the group only: after the call, a name
// they shadowed has its value again.
type Call struct {
	Pos  Pos
	Name string
	With []KV   // one per param, in the order of params; value templates
	Def  Pos    // where the group is defined
	Body []Step // the group's steps, read for this call
}

// Position and Kind implement Step.
func (s *Call) Position() Pos { return s.Pos }
func (*Call) Kind() string    { return "call" }

// callKind is the call step.
var callKind = &stepKind{
	stepSpec: stepSpec{kind: "call", doc: "run a group of steps of define:, giving its params",
		short: []valueType{tGroup},
		long: &form{
			fields: []field{
				{"name", tGroup, "the group of define: (its own or an imported file's)"},
				{"with", tVars, "a value for each of the group's params"},
			},
			required: []string{"name"},
			missing:  map[string]string{"name": "the group to run"},
		}},
	parse: parseCall,
}

// parseCall reads a call: the group's name, or a mapping with name and
// with; then the group's steps, in the caller's scope.
func parseCall(c *stepCtx, key, val *yaml.Node) Step {
	s := &Call{Pos: c.p.pos(key)}
	nameNode := val
	var with map[string]entry
	var withNode *yaml.Node
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		e, ok := f["name"]
		if !ok {
			return s // Missing: longForm said so.
		}
		nameNode = e.val
		if w, ok := f["with"]; ok && !isNull(w.val) {
			withNode = deref(w.val)
			if withNode.Kind != yaml.MappingNode {
				c.errorf(withNode, "with", "want a mapping of the group's params to values, got %s", describe(withNode))
				withNode = nil
			} else {
				with = map[string]entry{}
				for _, e := range c.entries(withNode, "with") {
					with[e.name] = e
				}
			}
		}
	default:
		c.errorf(val, "", "want the name of a group of define:, or a mapping with name and with; got %s", describe(val))
		return s
	}
	name, ok := c.str(nameNode, "name")
	if !ok {
		return s
	}
	s.Name = name
	r := c.p.reuse
	d := r.defs[name]
	if d == nil {
		names := r.groupNames()
		switch best := closest(name, names); {
		case best != "":
			c.errorf(nameNode, "", "no group %s in define:; did you mean %q?", shortQuote(name), best)
		case len(names) == 0:
			c.errorf(nameNode, "", "no group %s: the script defines none (define:) and imports none (import:)", shortQuote(name))
		default:
			c.errorf(nameNode, "", "no group %s in define:; defined: %s", shortQuote(name), listNames(names))
		}
		return s
	}
	s.Def = d.Pos
	if withNode != nil {
		for _, e := range c.entries(withNode, "with") {
			if !slices.Contains(d.Params, e.name) {
				c.errorf(e.key, "with", "%s is not a param of group %q (%s); its params: %s", shortQuote(e.name), name, d.Pos, paramList(d.Params))
			}
		}
	}
	var lacking []string
	for _, p := range d.Params {
		e, ok := with[p]
		if !ok {
			lacking = append(lacking, p)
			continue
		}
		v, _ := c.value(e.val, "with."+p)
		s.With = append(s.With, KV{Key: p, Value: v, Pos: c.p.pos(e.key)})
	}
	if len(lacking) > 0 {
		c.errorf(key, "", "group %q (%s) needs a value for %s: give it in with:", name, d.Pos, strings.Join(lacking, ", "))
	}
	s.Body = c.group(d, key)
	return s
}

func paramList(params []string) string {
	if len(params) == 0 {
		return "none"
	}
	return strings.Join(params, ", ")
}

// run runs the group's steps with its params set, then gives the names
// the params shadowed their values again. A failure inside is reported
// at the call, naming the step in the group.
func (s *Call) run(ctx context.Context, st *state) error {
	values := make([]string, len(s.With))
	for i, kv := range s.With {
		v, err := st.expand(kv.Value)
		if err != nil {
			return fmt.Errorf("with.%s: %w", kv.Key, err)
		}
		values[i] = v
	}
	type saved struct {
		v      string
		ok     bool
		secret bool
	}
	old := make([]saved, len(s.With))
	for i, kv := range s.With {
		v, ok := st.vars[kv.Key]
		old[i] = saved{v, ok, st.secrets[kv.Key]}
		st.vars[kv.Key] = values[i]
	}
	err := st.runBlock(ctx, s.Body)
	for i, kv := range s.With {
		if old[i].ok {
			st.vars[kv.Key] = old[i].v
		} else {
			delete(st.vars, kv.Key)
		}
	}
	if err != nil {
		return &Error{Pos: s.Pos, Step: "call " + s.Name, Err: err}
	}
	return nil
}

// children implements parent.
func (s *Call) children() [][]Step { return [][]Step{s.Body} }

// templates implements templater.
func (s *Call) templates() []string { return kvTemplates(s.With) }

// lint implements linted: the group's steps run in order, in place.
func (s *Call) lint(l *linter, f *facts) (string, bool) {
	return "", l.block(s.Body, f)
}
