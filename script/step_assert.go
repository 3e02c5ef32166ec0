package script

import (
	"context"

	"gopkg.in/yaml.v3"
)

// Assert fails the job unless a condition on a variable holds, showing
// the value (masked when secret) and what was wanted, with a diff for an
// equals of several lines.
type Assert struct {
	Pos  Pos
	Cond Condition
}

// Position and Kind implement Step.
func (s *Assert) Position() Pos { return s.Pos }
func (*Assert) Kind() string    { return "assert" }

// assertKind is the assert step. Its key table is the condition's,
// condForm, where a file: check would go.
var assertKind = &stepKind{
	stepSpec: stepSpec{kind: "assert", doc: "fail the job unless a variable's value passes a check",
		long: &condForm},
	parse: parseAssert,
}

// parseAssert reads the condition.
func parseAssert(c *stepCtx, key, val *yaml.Node) Step {
	return &Assert{Pos: c.p.pos(key), Cond: c.condition(key, val)}
}

// run fails with why the condition does not hold.
func (s *Assert) run(ctx context.Context, st *state) error {
	_, why, err := s.Cond.test(ctx, st)
	if err != nil {
		return err
	}
	return why
}

// templates implements templater.
func (s *Assert) templates() []string { return s.Cond.templates() }
