package script

import (
	"context"
	"errors"
	"strings"

	"gopkg.in/yaml.v3"
)

// Fail fails the job with a message: the else of an if that found
// something wrong.
type Fail struct {
	Pos  Pos
	Text string // template
}

// Position and Kind implement Step.
func (s *Fail) Position() Pos { return s.Pos }
func (*Fail) Kind() string    { return "fail" }

// failKind is the fail step.
var failKind = &stepKind{
	stepSpec: stepSpec{kind: "fail", doc: "fail the job with a message",
		short: []valueType{tNonBlank}},
	parse: parseFail,
}

// parseFail reads the message.
func parseFail(c *stepCtx, key, val *yaml.Node) Step {
	text, ok := c.tmpl(val, "")
	if ok && isBlank(text) {
		c.errorf(val, "", "want a message that says what went wrong, got %s", describe(val))
	}
	return &Fail{Pos: c.p.pos(key), Text: text}
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// run fails with the message.
func (s *Fail) run(_ context.Context, st *state) error {
	msg, err := st.expand(s.Text)
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// templates implements templater.
func (s *Fail) templates() []string { return []string{s.Text} }

// lint implements linted: a fail always fails, and the steps after it in
// its list never run; it says so itself, so that is no warning.
func (s *Fail) lint(_ *linter, _ *facts) (string, bool) { return "", true }
