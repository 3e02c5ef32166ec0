package script

import (
	"context"
	"time"

	"gopkg.in/yaml.v3"
)

// Terminate ends a process's whole tree: SIGHUP under a tty, SIGTERM,
// then SIGKILL after Grace.
type Terminate struct {
	Pos   Pos
	On    string
	Grace time.Duration // default 5s
}

// Position and Kind implement Step.
func (s *Terminate) Position() Pos { return s.Pos }
func (*Terminate) Kind() string    { return "terminate" }

// terminateKind is the terminate step.
var terminateKind = &stepKind{
	stepSpec: stepSpec{kind: "terminate", doc: "end a process's whole tree: SIGHUP under a tty, SIGTERM, then SIGKILL after the grace",
		short: []valueType{tNull, tProcess},
		long: &form{
			fields: []field{fOn, {"grace", tDuration, "how long to wait after SIGTERM; default 5s"}},
		}},
	parse: parseTerminate,
}

// parseTerminate reads the step from its key and value.
func parseTerminate(c *stepCtx, key, val *yaml.Node) Step {
	s := &Terminate{Pos: c.p.pos(key), Grace: defaultGrace}
	switch {
	case isNull(val):
		c.needProcess(key)
	case val.Kind == yaml.ScalarNode:
		s.On = c.process(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.On = c.on(f, key)
		if e, ok := f["grace"]; ok {
			s.Grace, _ = c.duration(e.val, "grace", false)
		}
	default:
		c.errorf(val, "", "want nothing (the last process spawned), a process name, or a mapping with on and grace; got %s", describe(val))
	}
	return s
}

// run ends a process's whole tree. In finally:, a process the job did
// not get to spawn is nothing to clean up: a note says so.
func (s *Terminate) run(ctx context.Context, st *state) error {
	pr, err := st.proc(s.On)
	if err != nil {
		if st.inFinally { // Its only error: no such process.
			what := s.On + " was not spawned"
			if s.On == "" {
				what = "no process was spawned"
			}
			st.log.note("terminate: %s in this job: nothing to terminate\n", what)
			return nil
		}
		return err
	}
	pr.settled = true
	grace := s.Grace
	if grace <= 0 {
		grace = defaultGrace
	}
	return pr.failed(pr.p.Terminate(ctx, grace))
}

// lint implements linted: a terminate ends the process.
func (s *Terminate) lint(_ *linter, f *facts) (string, bool) {
	if p := f.target(s.On); p != nil && p.ended == nil {
		p.ended = s
	}
	return "", false
}
