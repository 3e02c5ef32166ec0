package script

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

func (p *parser) expect(key, val *yaml.Node, sc *scope) Step {
	c := p.at("expect", sc)
	s := &Expect{Pos: p.pos(key), Stream: "stdout", Timeout: defaultStepTimeout}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		c.needProcess(key)
		s.Patterns = []Pattern{{Pos: p.pos(val), Text: c.text(val, "")}}
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "expect", "", expectKeys)
		s.On = c.on(f, key)
		if e, ok := f["stream"]; ok {
			if v := e.val; v.Kind == yaml.ScalarNode && slices.Contains(streams, v.Value) {
				s.Stream = v.Value
			} else {
				c.errorf(v, "stream", "want stdout, stderr or both, got %s", describe(v))
			}
		}
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["idle_timeout"]; ok {
			s.Idle, _ = c.duration(e.val, "idle_timeout", false)
		}
		switch which := c.oneOf(f, key, "text", "re", "eof", "any"); which {
		case "":
		case "any":
			s.Any = true
			if e, ok := f["capture"]; ok {
				c.errorf(e.key, "", "capture goes in each branch of any:, beside its re:")
			}
			s.Patterns = c.branches(f["any"].val)
		default:
			pat := c.pattern(f, which)
			s.Patterns = []Pattern{pat}
			for _, name := range pat.Capture {
				sc.defineVar(name)
			}
		}
	default:
		c.errorf(val, "", "want text to wait for, or a mapping with text, re, eof or any; got %s", describe(val))
	}
	return s
}

// text reads the text of a pattern: a template that is not empty.
func (c *stepCtx) text(n *yaml.Node, key string) string {
	s, ok := c.tmpl(n, key)
	if ok && s == "" {
		c.errorf(n, key, "empty text matches at once; want some text to wait for")
	}
	return s
}

// pattern reads the pattern of kind which (text, re or eof) and its
// capture from f.
func (c *stepCtx) pattern(f map[string]entry, which string) Pattern {
	e := f[which]
	pat := Pattern{Pos: c.p.pos(e.val)}
	switch which {
	case "text":
		pat.Text = c.text(e.val, "text")
	case "re":
		pat.Re = c.text(e.val, "re")
		pat.Regexp = c.regex(e.val, "re", pat.Re)
	case "eof":
		c.mustBeTrue(e.val, "eof")
		pat.EOF = true
	}
	if ce, ok := f["capture"]; ok {
		if which != "re" {
			c.errorf(ce.key, "", "capture needs re: it names the groups of a regular expression")
		} else {
			pat.Capture = c.captures(ce.val, pat.Regexp)
		}
	}
	return pat
}

// captures reads the variable names for a regular expression's groups: a
// list, or one name. rx, when not nil, is the compiled expression.
func (c *stepCtx) captures(n *yaml.Node, rx *regexp.Regexp) []string {
	var items []*yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		items = []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		items = n.Content
	default:
		c.errorf(n, "capture", "want a list of variable names such as [addr, port], got %s", describe(n))
		return nil
	}
	var names []string
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		item = deref(item)
		if !c.varName(item, "capture") {
			continue
		}
		if seen[item.Value] {
			c.errorf(item, "capture", "%q appears twice", item.Value)
			continue
		}
		seen[item.Value] = true
		names = append(names, item.Value)
	}
	if rx != nil && len(items) > rx.NumSubexp() {
		groups := "groups"
		if rx.NumSubexp() == 1 {
			groups = "group"
		}
		c.errorf(n, "capture", "%d names for %d %s in the regular expression; each name takes the text of one (...) group", len(items), rx.NumSubexp(), groups)
	}
	return names
}

// branches reads the list of any:. Each branch's then: steps see its own
// captures and ${match.index}; after the expect every branch's definitions
// count as made.
func (c *stepCtx) branches(n *yaml.Node) []Pattern {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		c.errorf(n, "any", "want a non-empty list of texts or mappings with text, re or eof; got %s", describe(n))
		return nil
	}
	pats := make([]Pattern, 0, len(n.Content))
	branches := make([]*scope, 0, len(n.Content))
	for _, item := range n.Content {
		item = deref(item)
		switch {
		case item.Kind == yaml.ScalarNode && !isNull(item):
			pats = append(pats, Pattern{Pos: c.p.pos(item), Text: c.text(item, "any")})
		case item.Kind == yaml.MappingNode:
			f := c.fields(item, "any", "any", branchKeys)
			var pat Pattern
			if which := c.oneOf(f, item, "text", "re", "eof"); which != "" {
				pat = c.pattern(f, which)
			} else {
				pat.Pos = c.p.pos(item)
			}
			b := c.sc.child()
			b.anyDone = true
			for _, name := range pat.Capture {
				b.defineVar(name)
			}
			if e, ok := f["then"]; ok && !isNull(e.val) {
				pat.Then = c.p.steps(e.val, "then", b)
			}
			branches = append(branches, b)
			pats = append(pats, pat)
		default:
			c.errorf(item, "any", "want text, or a mapping with text, re or eof and then; got %s", describe(item))
		}
	}
	for _, b := range branches {
		c.sc.absorb(b)
	}
	c.sc.anyDone = true
	return pats
}

// mustBeTrue checks the value of a key that only means something as true,
// such as eof: true.
func (c *stepCtx) mustBeTrue(n *yaml.Node, key string) {
	if v, ok := c.boolean(n, key); ok && !v {
		c.errorf(n, key, "only true means something here; remove the key or write %s: true", key)
	}
}

func (p *parser) send(key, val *yaml.Node, sc *scope) Step {
	c := p.at("send", sc)
	s := &Send{Pos: p.pos(key)}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		c.needProcess(key)
		s.Text, _ = c.tmpl(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "send", "", sendKeys)
		s.On = c.on(f, key)
		switch c.oneOf(f, key, "text", "raw", "control", "eof") {
		case "text":
			s.Text, _ = c.tmpl(f["text"].val, "text")
		case "raw":
			s.Text, _ = c.tmpl(f["raw"].val, "raw")
			s.Raw = true
		case "control":
			// The control byte is also the raw text, so that "@" (NUL,
			// whose byte is 0) is told apart from no control at all.
			s.Control = c.control(f["control"].val)
			s.Text, s.Raw = string([]byte{s.Control}), true
		case "eof":
			c.mustBeTrue(f["eof"].val, "eof")
			s.EOF = true
		}
		if e, ok := f["secret"]; ok {
			s.Secret, _ = c.boolean(e.val, "secret")
		}
	default:
		c.errorf(val, "", `want text to send (send: "" sends just a newline), or a mapping with text, raw, control or eof; got %s`, describe(val))
	}
	return s
}

// control reads a control key: a letter (c for ^C), or one of @[\]^_,
// optionally written with a leading ^ (^C). It returns the byte it sends.
func (c *stepCtx) control(n *yaml.Node) byte {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		v := n.Value
		if len(v) == 2 && v[0] == '^' {
			v = v[1:]
		}
		if len(v) == 1 {
			ch := v[0]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			if 'a' <= ch && ch <= 'z' || strings.IndexByte(`@[\]^_`, ch) >= 0 {
				return ch & 0x1f
			}
		}
	}
	c.errorf(n, "control", `want a letter such as c (for ^C), or one of @ [ \ ] ^ _; got %s`, describe(n))
	return 0
}
