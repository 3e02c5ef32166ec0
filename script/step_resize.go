package script

import (
	"context"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Resize gives a process's terminal a new size; the kernel sends the
// process SIGWINCH, as when a terminal window is resized.
type Resize struct {
	Pos        Pos
	Rows, Cols int
	On         string
}

// Position and Kind implement Step.
func (s *Resize) Position() Pos { return s.Pos }
func (*Resize) Kind() string    { return "resize" }

// resizeKind is the resize step.
var resizeKind = &stepKind{
	stepSpec: stepSpec{kind: "resize", doc: "give the process's terminal a new size, ROWSxCOLS; it gets SIGWINCH",
		short: []valueType{tSize},
		long: &form{
			fields:   []field{{"size", tSize, "the terminal's new size, ROWSxCOLS"}, fOn},
			required: []string{"size"},
			missing:  map[string]string{"size": "the terminal's new size, ROWSxCOLS such as 40x120"},
		}},
	parse: parseResize,
}

// parseResize reads the step from its key and value.
func parseResize(c *stepCtx, key, val *yaml.Node) Step {
	s := &Resize{Pos: c.p.pos(key)}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		c.needProcess(key)
		s.Rows, s.Cols = c.size(val)
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		if e, ok := f["size"]; ok {
			s.Rows, s.Cols = c.size(e.val)
		}
	default:
		c.errorf(val, "", "want the terminal's new size, ROWSxCOLS such as 40x120, or a mapping with size and on; got %s", describe(val))
	}
	return s
}

// run resizes the process's terminal, and records the new size in its
// .cast file.
func (s *Resize) run(_ context.Context, st *state) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	if err := pr.p.Resize(uint16(s.Rows), uint16(s.Cols)); err != nil {
		return pr.failed(err)
	}
	st.log.trace(lineSent, "%s resized to %dx%d\n", pr.name, s.Rows, s.Cols)
	if pr.cast != nil {
		pr.cast.resize(s.Rows, s.Cols)
	}
	return nil
}

// lint implements linted: a resize fails on a process on pipes, which
// has no terminal, and on one that has ended.
func (s *Resize) lint(_ *linter, f *facts) (string, bool) {
	p := f.target(s.On)
	switch {
	case p == nil:
	case !p.spawn.TTY:
		return fmt.Sprintf("%q runs on pipes (tty: false), so it has no terminal to resize", p.spawn.Name), false
	case p.ended != nil:
		return fmt.Sprintf("%q has ended, at the %s step of line %d", p.spawn.Name, p.ended.Kind(), p.ended.Position().Line), false
	}
	return "", false
}

// resize records a new size of the terminal: asciicast v2's "r" event,
// COLSxROWS.
func (c *castWriter) resize(rows, cols int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.event("r", fmt.Sprintf("%dx%d", cols, rows))
}
