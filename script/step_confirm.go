package script

import (
	"context"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Confirm asks the operator a yes/no question on drover's terminal: the
// job goes on if the answer is y or yes, and fails otherwise. --yes
// (Options.Yes) answers yes without asking; without a terminal, and
// without --yes, it fails at once.
type Confirm struct {
	Pos  Pos
	Text string // template: the question
}

// Position and Kind implement Step.
func (s *Confirm) Position() Pos { return s.Pos }
func (*Confirm) Kind() string    { return "confirm" }

// confirmKind is the confirm step.
var confirmKind = &stepKind{
	stepSpec: stepSpec{kind: "confirm", doc: "ask the operator a yes/no question on drover's terminal; anything but y or yes fails the job (--yes answers yes)",
		short: []valueType{tNonBlank}},
	parse: parseConfirm,
}

// parseConfirm reads the question.
func parseConfirm(c *stepCtx, key, val *yaml.Node) Step {
	text, ok := c.tmpl(val, "")
	if ok && isBlank(text) {
		c.errorf(val, "", "want the question to ask, got %s", describe(val))
	}
	return &Confirm{Pos: c.p.pos(key), Text: text}
}

// run asks the question, or takes --yes for the answer.
func (s *Confirm) run(ctx context.Context, st *state) error {
	q, err := st.expand(s.Text)
	if err != nil {
		return err
	}
	if st.opts.Yes {
		st.log.note("confirmed by --yes: %s\n", q)
		return nil
	}
	if st.opts.Terminal == nil {
		return fmt.Errorf("not confirmed: %s: no terminal to ask on (drover's stdin is not one); --yes answers yes", q)
	}
	answer, err := st.prompt(ctx, q+" [y/N] ", false)
	if err != nil {
		if isStopped(err) {
			return err
		}
		return fmt.Errorf("not confirmed: %s: %w", q, err)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		st.log.trace(lineStep, "confirmed: %s\n", q)
		return nil
	}
	return fmt.Errorf("not confirmed: %s", q)
}

// templates implements templater.
func (s *Confirm) templates() []string { return []string{s.Text} }
