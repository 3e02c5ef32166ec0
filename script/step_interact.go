package script

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Interact hands drover's own terminal to a process under a tty: the
// operator types to it and sees its output, until the escape key, the
// until pattern or the process's exit.
type Interact struct {
	Pos      Pos
	Escape   byte     // the key that ends it, not sent: a control byte; default ^]
	Until    *Pattern // a pattern in the output that ends it, or nil
	Optional bool     // skipped, with a log line, where drover has no terminal
	On       string
}

// Position and Kind implement Step.
func (s *Interact) Position() Pos { return s.Pos }
func (*Interact) Kind() string    { return "interact" }

// defaultEscape is interact's escape key, ^], as telnet's and Expect's.
const defaultEscape = ']' & 0x1f

// interactKind is the interact step.
var interactKind = &stepKind{
	stepSpec: stepSpec{kind: "interact", doc: "hand drover's terminal to the process until the escape key, until: or its exit",
		short: []valueType{tNull},
		long: &form{
			fields: []field{
				{"escape", tCaret, `the key that gives the terminal back, not sent to the process; default ^]`},
				{"until", tSeen, "give the terminal back when this appears in the output (consumed up to its end)"},
				{"optional", tBool, "where drover has no terminal (CI), skip the step with a log line instead of failing"},
				fOn,
			},
		}},
	parse: parseInteract,
}

// parseInteract reads the step from its key and value.
func parseInteract(c *stepCtx, key, val *yaml.Node) Step {
	s := &Interact{Pos: c.p.pos(key), Escape: defaultEscape}
	switch {
	case isNull(val):
		c.needProcess(key)
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		if e, ok := f["escape"]; ok {
			if s.Escape = c.caret(e.val, "escape"); s.Escape == 0 && e.val.Value == "^@" {
				c.errorf(e.val, "escape", "^@ (NUL, which Ctrl-Space types too) cannot be the escape key; ^] is the usual one")
			}
		}
		if e, ok := f["until"]; ok {
			if pat, ok := c.seen(e.val, "until"); ok {
				s.Until = &pat
			}
		}
		if e, ok := f["optional"]; ok {
			s.Optional, _ = c.boolean(e.val, "optional")
		}
	default:
		c.errorf(val, "", "want nothing (- interact:) or a mapping with %s; got %s", strings.Join(c.keys(), ", "), describe(val))
	}
	return s
}

// caret reads a control key written with a caret, such as ^] (0x1d) or
// ^? (DEL), and returns its byte.
func (c *stepCtx) caret(n *yaml.Node, key string) byte {
	if v := n.Value; n.Kind == yaml.ScalarNode && len(v) == 2 && v[0] == '^' {
		ch := v[1]
		switch {
		case ch == '?':
			return 0x7f
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', strings.IndexByte(`@[\]^_`, ch) >= 0:
			return ch & 0x1f
		}
	}
	c.errorf(n, key, `want a control key written with a caret, such as "^]" (^ and a letter, or one of @ [ \ ] ^ _ ?); got %s`, describe(n))
	return 0
}

// errNoTerminal is interact's error where drover has no terminal.
var errNoTerminal = errors.New("drover has no terminal to hand over: its stdin is not one (as in CI); add optional: true to skip this step there")

// run hands the terminal to the process and records what is typed.
func (s *Interact) run(ctx context.Context, st *state) error {
	t := st.opts.Terminal
	if t == nil {
		if s.Optional {
			st.log.note("interact skipped: no terminal\n")
			return nil
		}
		return errNoTerminal
	}
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	if !pr.tty {
		return fmt.Errorf("%s is on pipes (tty: false): only a process under a tty can be handed the terminal", pr.name)
	}
	opts := exec.InteractOptions{Escape: s.Escape}
	if s.Until != nil {
		pat, err := st.pattern(*s.Until)
		if err != nil {
			return err
		}
		opts.Until = []exec.Pattern{pat}
	}
	release, err := t.Acquire(ctx)
	if err != nil {
		return orStopped(ctx, 0, err)
	}
	defer release()
	keys := &keyLog{st: st, pr: pr}
	opts.Input = keys.typed
	st.log.trace(lineStep, "%s: interact (%s to go on)\n", pr.name, caretName(s.Escape))
	fmt.Fprintf(t.Out, "drover: %s is yours; %s gives it back\r\n", pr.name, caretName(s.Escape))
	end, _, err := pr.p.Interact(ctx, t.In, t.Out, opts)
	keys.flush()
	fmt.Fprintf(t.Out, "\r\n")
	if err != nil {
		if why := stopped(ctx, 0); why != nil {
			return why
		}
		return pr.failed(err)
	}
	st.log.trace(lineStep, "%s: interact ended (%s)\n", pr.name, end)
	return nil
}

// caretName is how a control byte is written: ^] for 0x1d.
func caretName(b byte) string {
	if b == 0x7f {
		return "^?"
	}
	return "^" + string(rune(b|0x40))
}

// keyLog records the keys typed during interact in the job's log, a line
// at a time, and in the terminal's recording as input events. Keys typed
// while the terminal did not echo (a password) are never written: their
// line is shown as ******. Its typed runs on Interact's reading
// goroutine, flush after Interact returned.
type keyLog struct {
	st     *state
	pr     *proc
	line   []byte
	secret bool // a key of line was typed with echo off
}

func (k *keyLog) typed(b []byte, echo bool) {
	if echo {
		if k.pr.cast != nil {
			k.pr.cast.input(k.st.log.masked(string(b)))
		}
	} else {
		k.secret = true
	}
	for _, c := range b {
		if c == '\r' || c == '\n' {
			k.flush()
			continue
		}
		k.line = append(k.line, c)
	}
}

// flush writes the line typed so far, if any.
func (k *keyLog) flush() {
	if k.secret {
		k.st.log.trace(lineSent, "%s > ******\n", k.pr.name)
		if k.pr.cast != nil {
			k.pr.cast.input("******")
		}
	} else if len(k.line) > 0 {
		k.st.log.trace(lineSent, "%s > %s\n", k.pr.name, visible(string(k.line)))
	}
	k.line, k.secret = k.line[:0], false
}

// lint implements linted: interact fails on a process on pipes. What the
// operator did meanwhile is unknown (the process may have exited), so it
// adds nothing to f.
func (s *Interact) lint(l *linter, f *facts) (string, bool) {
	p := f.target(s.On)
	if p == nil || p.spawn.TTY {
		return "", false
	}
	why := fmt.Sprintf("interact needs a process under a tty, and %q is on pipes (tty: false)", p.spawn.Name)
	if s.Optional {
		l.warn(s, "%s; it fails wherever drover has a terminal", why)
		return "", false
	}
	return why, false
}

// templates implements templater.
func (s *Interact) templates() []string {
	if s.Until == nil {
		return nil
	}
	return []string{s.Until.Text}
}
