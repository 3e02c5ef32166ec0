package script

import (
	"context"

	"gopkg.in/yaml.v3"
)

// Log prints a message for a runbook's reader.
type Log struct {
	Pos  Pos
	Text string // template
}

// Position and Kind implement Step.
func (s *Log) Position() Pos { return s.Pos }
func (*Log) Kind() string    { return "log" }

// logKind is the log step.
var logKind = &stepKind{
	stepSpec: stepSpec{kind: "log", doc: "print a message for the reader of a runbook",
		short: []valueType{tText}},
	parse: parseLog,
}

// parseLog reads the step from its key and value.
func parseLog(c *stepCtx, key, val *yaml.Node) Step {
	text, _ := c.tmpl(val, "")
	return &Log{Pos: c.p.pos(key), Text: text}
}

// run prints the message.
func (s *Log) run(_ context.Context, st *state) error {
	msg, err := st.expand(s.Text)
	if err != nil {
		return err
	}
	st.log.note("%s\n", msg)
	return nil
}

// templates implements templater.
func (s *Log) templates() []string { return []string{s.Text} }
