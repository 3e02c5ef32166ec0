package script

import (
	"context"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Sleep pauses the script.
type Sleep struct {
	Pos Pos
	D   time.Duration
}

// Position and Kind implement Step.
func (s *Sleep) Position() Pos { return s.Pos }
func (*Sleep) Kind() string    { return "sleep" }

// sleepKind is the sleep step.
var sleepKind = &stepKind{
	stepSpec: stepSpec{kind: "sleep", doc: "pause for a duration",
		short: []valueType{tDuration0}},
	parse: parseSleep,
}

// parseSleep reads the step from its key and value.
func parseSleep(c *stepCtx, key, val *yaml.Node) Step {
	d, _ := c.duration(val, "", true)
	return &Sleep{Pos: c.p.pos(key), D: d}
}

// run pauses.
func (s *Sleep) run(ctx context.Context, _ *state) error { return sleep(ctx, s.D) }

// sleep pauses until d has passed or ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return stopped(ctx, 0)
	}
}

// lint implements linted: the sleeps of steps: count against the
// script's timeout.
func (s *Sleep) lint(l *linter, _ *facts) (string, bool) {
	if !l.top {
		return "", false
	}
	if l.budget -= s.D; l.budget <= 0 {
		return fmt.Sprintf("the sleeps of steps: add up to the script's timeout of %s", l.script.Timeout), false
	}
	return "", false
}
