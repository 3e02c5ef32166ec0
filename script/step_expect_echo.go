package script

import (
	"context"
	"errors"
	"fmt"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// This file is expect: {echo: off} and {echo: on}: an expect that waits
// for the terminal's echo mode instead of for output. A program that
// reads a password turns echo off before it reads; text sent before that
// would be echoed, and some programs flush what was typed ahead.

// echoMode reads echo: on or off from f, and rejects the keys that are
// about output beside it.
func (c *stepCtx) echoMode(f map[string]entry) string {
	n := f["echo"].val
	mode := ""
	if n.Kind == yaml.ScalarNode && (n.Value == "on" || n.Value == "off") {
		mode = n.Value
	} else {
		c.errorf(n, "echo", "want off (wait until the terminal stops echoing input) or on (until it echoes again), got %s", describe(n))
	}
	for _, key := range []string{"stream", "before", "idle_timeout"} {
		if e, ok := f[key]; ok {
			c.errorf(e.key, "", "%s: is about output, and echo: waits for the terminal's mode, not for output; remove it", key)
		}
	}
	return mode
}

// waitEcho waits until the terminal of pr echoes input (s.echo() "on") or
// does not ("off"), for at most the step's timeout.
func (s *Expect) waitEcho(ctx context.Context, st *state, pr *proc) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := pr.p.WaitEcho(ectx, s.echo() == "on")
	switch {
	case err == nil:
		st.log.trace(lineReceived, "%s: echo is %s\n", pr.name, s.echo())
		return nil
	case ctx.Err() != nil:
		return stopped(ctx, 0) // Ctrl-C or the script's timeout: they say so.
	case errors.Is(err, context.DeadlineExceeded):
		was, want := "on", "turned it off (it never prompted for a password, or prompted without turning echo off)"
		if s.echo() == "on" {
			was, want = "off", "turned it back on"
		}
		return fmt.Errorf("%s: the terminal's echo was still %s after %s: the program never %s", pr.name, was, timeout, want)
	case errors.Is(err, exec.ErrNoTTY):
		return fmt.Errorf("%s runs on pipes, not under a tty: it has no terminal whose echo to wait for; spawn it with tty: true", pr.name)
	case errors.Is(err, exec.ErrExited):
		return fmt.Errorf("%s exited while the expect waited for echo %s", pr.name, s.echo())
	}
	return pr.failed(err)
}

// lintEcho is why an expect: {echo: ...} on p always fails: p runs on
// pipes, or has ended; "" if it may work.
func lintEcho(p *procFacts) string {
	switch {
	case p == nil:
	case !p.spawn.TTY:
		return fmt.Sprintf("%q runs on pipes (tty: false), so it has no terminal whose echo to wait for", p.spawn.Name)
	case p.ended != nil:
		return fmt.Sprintf("%q has ended, at the %s step of line %d", p.spawn.Name, p.ended.Kind(), p.ended.Position().Line)
	}
	return ""
}
