package script

import (
	"context"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Send writes to a process's stdin (or its terminal).
type Send struct {
	Pos     Pos
	Text    string // template; a newline follows unless Raw
	Raw     bool   // raw: no newline is added
	Control byte   // control: a letter; the byte sent is letter&0x1f
	EOF     bool   // close stdin, or ^D on a tty
	Secret  bool
	On      string
}

// Position and Kind implement Step.
func (s *Send) Position() Pos { return s.Pos }
func (*Send) Kind() string    { return "send" }

// sendKind is the send step.
var sendKind = &stepKind{
	stepSpec: stepSpec{kind: "send", doc: "type into the process: text and Enter",
		short: []valueType{tText},
		long: &form{
			fields: []field{
				{"text", tText, "text, then Enter"},
				{"raw", tText, "text without Enter"},
				{"control", tControl, "a control key: c sends ^C"},
				{"eof", tTrue, "close stdin (^D on a tty)"},
				{"secret", tBool, "never print or report the text"},
				fOn,
			},
			oneOf: []string{"text", "raw", "control", "eof"},
		}},
	parse: parseSend,
}

// parseSend reads the step from its key and value.
func parseSend(c *stepCtx, key, val *yaml.Node) Step {
	s := &Send{Pos: c.p.pos(key)}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		c.needProcess(key)
		s.Text, _ = c.tmpl(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		switch c.oneOf(f, key, c.k.long.oneOf...) {
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

// run types text (or a control character, or EOF) into a process.
func (s *Send) run(ctx context.Context, st *state) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	if s.EOF {
		return pr.p.SendEOF(ctx)
	}
	var b []byte
	if s.Control != 0 {
		b = []byte{s.Control}
	} else {
		text, err := st.expand(s.Text)
		if err != nil {
			return err
		}
		if s.Secret && text != "" {
			st.log.addSecret(text)
			refs, _ := Refs(s.Text) // Parsed already: no error.
			for _, name := range refs {
				st.secrets[name] = true // Left out of reports.
			}
		}
		b = []byte(text)
		if !s.Raw {
			if pr.tty {
				b = append(b, '\r') // What a keyboard's Enter sends.
			} else {
				b = append(b, '\n')
			}
		}
	}
	if s.Secret {
		st.log.trace(lineSent, "%s > ******\n", pr.name)
	} else {
		st.log.trace(lineSent, "%s > %s\n", pr.name, visible(strings.TrimRight(string(b), "\r\n")))
	}
	if pr.cast != nil {
		pr.cast.input(st.log.masked(string(b)))
	}
	return pr.p.Send(ctx, b)
}

// lint implements linted: a send fails to a process whose stdin is
// another's stdout, that has ended, or whose stdin it closed before; an
// eof on pipes closes stdin.
func (s *Send) lint(_ *linter, f *facts) (string, bool) {
	p := f.target(s.On)
	switch {
	case p == nil:
		return "", false
	case p.spawn.StdinFrom != "":
		return fmt.Sprintf("the stdin of %q comes from %q (stdin_from), not from drover", p.spawn.Name, p.spawn.StdinFrom), false
	case p.ended != nil && !(s.EOF && !p.spawn.TTY):
		return fmt.Sprintf("%q has ended, at the %s step of line %d", p.spawn.Name, p.ended.Kind(), p.ended.Position().Line), false
	case p.stdinClosed != nil && !s.EOF:
		return fmt.Sprintf("the stdin of %q was closed by the send: {eof: true} of line %d", p.spawn.Name, p.stdinClosed.Position().Line), false
	}
	if s.EOF && !p.spawn.TTY && p.stdinClosed == nil {
		p.stdinClosed = s
	}
	return "", false
}

// templates implements templater.
func (s *Send) templates() []string { return []string{s.Text} }
