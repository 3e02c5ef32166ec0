package script

import (
	"context"
	"fmt"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Signal sends a signal to a process's whole group.
type Signal struct {
	Pos Pos
	Sig string // without SIG, upper case: TERM, INT, HUP, ...
	On  string
}

// Position and Kind implement Step.
func (s *Signal) Position() Pos { return s.Pos }
func (*Signal) Kind() string    { return "signal" }

// signalKind is the signal step.
var signalKind = &stepKind{
	stepSpec: stepSpec{kind: "signal", doc: "send a signal to the process's group",
		short: []valueType{tSignal},
		long: &form{
			fields:   []field{{"sig", tSignal, "the signal, such as TERM"}, fOn},
			required: []string{"sig"},
			missing:  map[string]string{"sig": "the signal to send, such as TERM"},
		}},
	parse: parseSignal,
}

// parseSignal reads the step from its key and value.
func parseSignal(c *stepCtx, key, val *yaml.Node) Step {
	s := &Signal{Pos: c.p.pos(key)}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Sig = c.signalName(val, "")
		c.needProcess(key)
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		if e, ok := f["sig"]; ok {
			s.Sig = c.signalName(e.val, "sig")
		}
	default:
		c.errorf(val, "", "want a signal name such as TERM, or a mapping with sig and on; got %s", describe(val))
	}
	return s
}

// run sends a signal to a process's group.
func (s *Signal) run(_ context.Context, st *state) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	pr.settled = true
	sig, err := exec.ParseSignal(s.Sig)
	if err != nil {
		return err
	}
	return pr.failed(pr.p.Signal(sig))
}

// lint implements linted: a signal to a process a terminate step has
// ended, whose whole tree is gone, fails. One a wait has seen exit is
// left alone: its process group may outlive it.
func (s *Signal) lint(_ *linter, f *facts) (string, bool) {
	if p := f.target(s.On); p != nil {
		if t, ok := p.ended.(*Terminate); ok {
			return fmt.Sprintf("%q has ended, at the terminate step of line %d", p.spawn.Name, t.Position().Line), false
		}
	}
	return "", false
}
