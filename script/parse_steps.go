package script

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// steps reads a list of steps. key names the list in messages.
func (p *parser) steps(n *yaml.Node, key string, sc *scope) []Step {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.at("", sc).errorf(n, key, "want a list of steps, got %s", describe(n))
		return nil
	}
	out := make([]Step, 0, len(n.Content))
	for _, item := range n.Content {
		if p.cut {
			break
		}
		if s := p.step(deref(item), sc); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// step reads one step, a mapping with one key: the kind of the step.
func (p *parser) step(n *yaml.Node, sc *scope) Step {
	c := p.at("", sc)
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "", "want a step, a mapping with one key such as expect: or send:, got %s", describe(n))
		return nil
	}
	key, val := deref(n.Content[0]), deref(n.Content[1])
	if k := siblingOf(n); k != nil {
		key, val := kindPair(n, k.kind)
		return k.parse(&stepCtx{p: p, kind: k.kind, k: k, sc: sc, node: n}, key, val)
	}
	if len(n.Content) > 2 {
		var keys, kinds []string
		for i := 0; i < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			keys = append(keys, k.Value)
			if slices.Contains(stepKinds, k.Value) {
				kinds = append(kinds, k.Value)
				if len(kinds) == 1 {
					key, val = k, deref(n.Content[i+1])
				}
			}
		}
		hint := ""
		switch {
		case len(kinds) == 1:
			others := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == kinds[0] })
			hint = fmt.Sprintf("; indent %s under %s: as its options", listNames(others), kinds[0])
		case len(kinds) > 1:
			hint = `; begin each step with "- "`
		}
		c.errorf(n, "", "a step is a mapping with one key, got %d keys (%s)%s", len(keys), listNames(keys), hint)
		if isNull(val) {
			return nil // Its options were the other keys.
		}
	}
	if key.Kind != yaml.ScalarNode || isNull(key) {
		c.errorf(key, "", "want a step kind such as expect, got %s", describe(key))
		return nil
	}
	k := kindIndex[key.Value]
	if k == nil {
		if owner := siblingOwner(key.Value); owner != "" {
			c.errorf(key, "", "%s: goes beside %s: in the same step, indented as %s: is, without a \"- \" of its own", key.Value, owner, owner)
		} else if best := closest(key.Value, stepKinds); best != "" {
			c.errorf(key, "", "unknown step %s; did you mean %q?", shortQuote(key.Value), best)
		} else {
			c.errorf(key, "", "unknown step %s; want one of: %s", shortQuote(key.Value), strings.Join(stepKinds, ", "))
		}
		return nil
	}
	c.kind, c.k, c.node = k.kind, k, n
	s := k.parse(c, key, val)
	for _, name := range c.lacks {
		c.errorf(key, "", "missing key %s: %s", name, k.long.missing[name])
	}
	return s
}

// siblingOf returns the kind of step n when that kind takes sibling keys
// (if's then and else) and n has one key of that kind, or nil.
func siblingOf(n *yaml.Node) *stepKind {
	var found *stepKind
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if kind := kindIndex[k.Value]; kind != nil && k.Kind == yaml.ScalarNode {
			if found != nil || kind.siblings == nil {
				return nil
			}
			found = kind
		}
	}
	return found
}

// siblingOwner returns the kind of step whose sibling key name is, or "".
func siblingOwner(name string) string {
	for _, kind := range stepKinds {
		if k := kindIndex[kind]; k.siblings != nil && k.siblings.typeOf(name) != "" {
			return k.kind
		}
	}
	return ""
}

// kindPair returns the key kind of the step's mapping n, and its value.
func kindPair(n *yaml.Node, kind string) (key, val *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k.Value == kind {
			return k, deref(n.Content[i+1])
		}
	}
	return nil, nil // Not reached: siblingOf found the key.
}

// command reads cmd: or shell:, exactly one of them.
func (c *stepCtx) command(f map[string]entry, key *yaml.Node) Command {
	var cmd Command
	switch c.oneOf(f, key, c.k.long.oneOf...) {
	case "cmd":
		v := f["cmd"].val
		if v.Kind == yaml.ScalarNode && !isNull(v) {
			c.errorf(v, "cmd", "want a list such as [ls, -l] (no shell); for a shell command line write shell: %s", shortQuote(v.Value))
			return cmd
		}
		cmd.Argv = c.argv(v, "cmd")
	case "shell":
		cmd.Shell = c.shell(f["shell"].val, "shell")
	}
	return cmd
}

// argv reads a non-empty list of argument templates.
func (c *stepCtx) argv(n *yaml.Node, key string) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		c.errorf(n, key, "want a non-empty list of arguments such as [ls, -l], got %s", describe(n))
		return nil
	}
	argv := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		a, ok := c.tmpl(item, key)
		if ok && i == 0 && a == "" {
			c.errorf(item, key, "the program name is empty")
		}
		argv = append(argv, a)
	}
	return argv
}

// shell reads a shell command line.
func (c *stepCtx) shell(n *yaml.Node, key string) string {
	s, ok := c.str(n, key)
	if !ok {
		return ""
	}
	if strings.TrimSpace(s) == "" {
		c.errorf(n, key, "empty shell command line")
		return s
	}
	c.checkRefs(n, key, s, true)
	return s
}

// closest returns the word in words within a small edit distance of s, or "".
func closest(s string, words []string) string {
	if len(s) > 32 {
		return ""
	}
	best, bestD := "", 0
	for _, w := range words {
		d := editDistance(strings.ToLower(s), w)
		if d <= max(1, len(w)/3) && (best == "" || d < bestD) {
			best, bestD = w, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours count one each.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
