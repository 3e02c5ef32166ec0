package script

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Send writes to a process's stdin (or its terminal).
type Send struct {
	Pos     Pos
	Text    string // template; a newline follows unless Raw
	Raw     bool   // raw: no newline is added
	Control byte   // control: a caret name; c sends 0x03, ? sends 0x7f (DEL)
	EOF     bool   // close stdin, or ^D on a tty
	Secret  bool
	Extra   *SendExtra // what most sends leave unset; nil when all of it is
}

// SendExtra holds the settings of a send that most leave unset, apart, so
// that each of the many plain sends of a long script is smaller.
type SendExtra struct {
	On   string        // the process, by name; "" is the last spawned
	Hex  []byte        // hex: exact bytes, decoded when parsed; no template, no newline
	Pace time.Duration // pace: the pause between characters (bytes for hex), Enter included
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
				{"control", tControl, "a control key: c sends ^C, ? sends DEL"},
				{"eof", tTrue, "close stdin (^D on a tty)"},
				{"secret", tBool, "never print or report the text"},
				fOn,
				{"hex", tHex, "exact bytes, in hex such as 80ff1b; no Enter is added"},
				{"pace", tDuration, "a pause between characters (of text, raw or hex), as a slow typist; the Enter after text too"},
			},
			oneOf: []string{"text", "raw", "control", "eof", "hex"},
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
		if on := c.on(f, key); on != "" {
			s.extra().On = on
		}
		which := c.oneOf(f, key, c.k.long.oneOf...)
		switch which {
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
		case "hex":
			s.extra().Hex = c.hexBytes(f["hex"].val)
			s.Raw = true
		}
		if e, ok := f["secret"]; ok {
			s.Secret, _ = c.boolean(e.val, "secret")
		}
		if e, ok := f["pace"]; ok {
			if pace, _ := c.duration(e.val, "pace", false); pace != 0 {
				s.extra().Pace = pace
			}
			if which == "control" || which == "eof" {
				c.errorf(e.key, "", "pace: paces the characters of text, raw or hex; a control key or eof is one keystroke")
			}
		}
	default:
		c.errorf(val, "", `want text to send (send: "" sends just a newline), or a mapping with text, raw, control, eof or hex; got %s`, describe(val))
	}
	return s
}

// hexBytes reads hex: bytes written as pairs of hex digits, such as
// 80ff1b; spaces between the pairs are allowed ("80 ff 1b").
func (c *stepCtx) hexBytes(n *yaml.Node) []byte {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		digits := strings.ReplaceAll(n.Value, " ", "")
		b, err := hex.DecodeString(digits)
		if err == nil && len(b) > 0 {
			return b
		}
	}
	c.errorf(n, "hex", "want bytes as pairs of hex digits, such as 80ff1b or \"80 ff 1b\"; got %s", describe(n))
	return nil
}

// control reads a control key by its caret name: a letter (c for ^C), or
// one of @ [ \ ] ^ _ and ? (DEL), optionally written with a leading ^ (^C).
// It returns the byte it sends: the name's code with bit 0x40 flipped,
// 0x00 to 0x1f, and 0x7f for ?.
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
			switch {
			case 'a' <= ch && ch <= 'z' || strings.IndexByte(`@[\]^_`, ch) >= 0:
				return ch & 0x1f
			case ch == '?':
				return 0x7f // DEL, what a Backspace key sends on most terminals.
			}
		}
	}
	c.errorf(n, "control", `want a letter such as c (for ^C), or one of @ [ \ ] ^ _ ? (? is DEL); got %s`, describe(n))
	return 0
}

// run types text (or a control character, exact bytes, or EOF) into a
// process, with Pace between its characters when it has one.
func (s *Send) run(ctx context.Context, st *state) error {
	pr, err := st.proc(s.on())
	if err != nil {
		return err
	}
	if s.EOF {
		return sendError(ctx, pr, pr.p.SendEOF(ctx))
	}
	var b []byte
	switch {
	case s.Control != 0:
		b = []byte{s.Control}
	case s.hex() != nil:
		b = s.hex() // Exact: no template, no Enter.
		if secret := strings.TrimRight(string(b), "\r\n"); s.Secret && secret != "" {
			st.log.addSecret(secret) // As text is, without its Enter.
		}
	default:
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
		b = append(make([]byte, 0, len(text)+1), text...) // One allocation with the Enter.
		if !s.Raw {
			if pr.tty {
				b = append(b, '\r') // What a keyboard's Enter sends.
			} else {
				b = append(b, '\n')
			}
		}
	}
	switch {
	case !st.log.tracing(): // Else the line's arguments cost allocations a send.
	case s.Secret:
		st.log.trace(lineSent, "%s > ******\n", pr.name)
	default:
		st.log.trace(lineSent, "%s > %s\n", pr.name, visible(strings.TrimRight(string(b), "\r\n")))
	}
	// A cast records paced keys one at a time, unless a secret is among
	// them: masked, it goes in whole, as no single key shows it.
	perKey := pr.cast != nil && s.pace() > 0 && st.log.masked(string(b)) == string(b)
	if pr.cast != nil && !perKey {
		pr.cast.input(st.log.masked(string(b)))
	}
	if s.pace() <= 0 {
		return sendError(ctx, pr, pr.p.Send(ctx, b))
	}
	for i, key := range keystrokes(b, s.hex() != nil) {
		if i > 0 {
			if err := sleep(ctx, s.pace()); err != nil {
				return err
			}
		}
		if perKey {
			pr.cast.input(string(key))
		}
		if err := pr.p.Send(ctx, key); err != nil {
			return sendError(ctx, pr, err)
		}
	}
	return nil
}

// sendError is why a send to pr failed with err: why ctx ended, when it
// cut the send short (the script's timeout or Ctrl-C, while blocked on a
// full pipe or between two keys), else err naming pr; nil if err is nil.
func sendError(ctx context.Context, pr *proc, err error) error {
	if err != nil && ctx.Err() != nil {
		return stopped(ctx, 0)
	}
	return pr.failed(err)
}

// keystrokes splits b into what a typist sends one at a time: its
// characters (a rune's bytes stay together; a byte that is not UTF-8 goes
// alone), or its bytes when bytes is true.
func keystrokes(b []byte, bytes bool) [][]byte {
	keys := make([][]byte, 0, len(b))
	for len(b) > 0 {
		n := 1
		if !bytes {
			_, n = utf8.DecodeRune(b)
		}
		keys, b = append(keys, b[:n:n]), b[n:]
	}
	return keys
}

// lint implements linted: a send fails to a process whose stdin is
// another's stdout, that has ended, or whose stdin it closed before; an
// eof on pipes closes stdin.
func (s *Send) lint(_ *linter, f *facts) (string, bool) {
	p := f.target(s.on())
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
