package script

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// WaitPort waits until a TCP connection to Addr succeeds. It watches a
// process meanwhile, the one On names or else the last one spawned, and
// fails at once if that process fails first: the server that was to
// listen is dead.
type WaitPort struct {
	Pos     Pos
	Addr    string // template, host:port
	Timeout time.Duration
	On      string // the process to watch; "": the last one spawned, if any
}

// Position and Kind implement Step.
func (s *WaitPort) Position() Pos { return s.Pos }
func (*WaitPort) Kind() string    { return "wait_port" }

// waitPortKind is the wait_port step.
var waitPortKind = &stepKind{
	stepSpec: stepSpec{kind: "wait_port", doc: "wait until a TCP connection to host:port succeeds; fail at once if the watched process fails first",
		short: []valueType{tAddr},
		long: &form{
			fields: []field{{"addr", tAddr, "host:port"}, fTimeout,
				{"on", tProcess, "the process to watch, whose failure ends the wait; default: the last one spawned"}},
			required: []string{"addr"},
			missing:  map[string]string{"addr": "the host:port to connect to"},
		}},
	parse: parseWaitPort,
}

// parseWaitPort reads the step from its key and value.
func parseWaitPort(c *stepCtx, key, val *yaml.Node) Step {
	s := &WaitPort{Pos: c.p.pos(key), Timeout: defaultStepTimeout}
	addr, addrKey := val, ""
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["on"]; ok {
			s.On = c.watched(e.val)
		}
		e, ok := f["addr"]
		if !ok {
			return s // Missing: longForm said so.
		}
		addr, addrKey = e.val, "addr"
	default:
		c.errorf(val, "", "want host:port such as 127.0.0.1:8080, or a mapping with addr, timeout and on; got %s", describe(val))
		return s
	}
	a, ok := c.tmpl(addr, addrKey)
	if !ok {
		return s
	}
	s.Addr = a
	if refs, _ := Refs(a); len(refs) == 0 {
		_, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			c.errorf(addr, addrKey, "want host:port such as 127.0.0.1:8080 or [::1]:8080, got %s", shortQuote(a))
		}
	}
	return s
}

// watched reads wait_port's on:, a job's process. A setup:'s process is
// watched by a wait_port in setup:, not by a job's.
func (c *stepCtx) watched(n *yaml.Node) string {
	if name, ok := c.str(n, "on"); ok && !c.sc.hasProc(name) {
		if pos, ok := c.p.setupProcs[name]; ok {
			c.errorf(n, "on", "process %q is setup:'s (line %d): a job cannot watch it; a wait_port in setup:, after its spawn, does", name, pos.Line)
			return name
		}
	}
	return c.process(n, "on")
}

// run waits until a TCP connection to the address succeeds, or the
// watched process fails: exits with a code other than 0 or dies of a
// signal. One that exits 0, a server that went into the background, is
// waited past. A process a wait, signal or terminate step has dealt with
// is not watched: its end was expected.
func (s *WaitPort) run(ctx context.Context, st *state) error {
	addr, err := st.expand(s.Addr)
	if err != nil {
		return err
	}
	watch := st.current
	if s.On != "" {
		if watch, err = st.proc(s.On); err != nil {
			return err
		}
	}
	if watch != nil && watch.settled {
		watch = nil
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	var d net.Dialer
	delay := 10 * time.Millisecond
	var found error // the last dial's error that the step's end did not cut short
	for {
		var ended <-chan struct{}
		if watch != nil {
			if status := watch.p.Status(); status == nil {
				ended = watch.p.Done()
			} else if !status.Success() {
				if ctx.Err() == nil {
					return &runError{what: fmt.Sprintf("%s failed (%s) before %s accepted a connection", watch.name, status, addr), waited: time.Since(began), p: watch.p}
				}
				// Killed as the step ended (a timeout, drover stopped):
				// the step's end is the news, below.
			} else {
				watch = nil // Gone into the background, it may yet listen.
			}
		}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.Close() // Only the connection's success mattered.
			return nil
		}
		if ctx.Err() == nil || found == nil {
			found = err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ended:
			t.Stop()
			continue // Its status, at the top.
		case <-ctx.Done():
			t.Stop()
			// What the dials found: "connection refused", not the i/o
			// timeout of one the step's end cut short.
			what := fmt.Sprintf("nothing listening on %s after %s: %v", addr, time.Since(began).Round(time.Millisecond), lastDialError(found))
			if watch != nil {
				return &runError{what: what, waited: time.Since(began), p: watch.p}
			}
			return errors.New(what)
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

func lastDialError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// templates implements templater.
func (s *WaitPort) templates() []string { return []string{s.Addr} }
