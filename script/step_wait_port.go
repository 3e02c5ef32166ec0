package script

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// WaitPort waits until a TCP connection to Addr succeeds.
type WaitPort struct {
	Pos     Pos
	Addr    string // template, host:port
	Timeout time.Duration
}

// Position and Kind implement Step.
func (s *WaitPort) Position() Pos { return s.Pos }
func (*WaitPort) Kind() string    { return "wait_port" }

// waitPortKind is the wait_port step.
var waitPortKind = &stepKind{
	stepSpec: stepSpec{kind: "wait_port", doc: "wait until a TCP connection to host:port succeeds",
		short: []valueType{tAddr},
		long: &form{
			fields:   []field{{"addr", tAddr, "host:port"}, fTimeout},
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
		e, ok := f["addr"]
		if !ok {
			return s // Missing: longForm said so.
		}
		addr, addrKey = e.val, "addr"
	default:
		c.errorf(val, "", "want host:port such as 127.0.0.1:8080, or a mapping with addr and timeout; got %s", describe(val))
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

// run waits until a TCP connection to the address succeeds.
func (s *WaitPort) run(ctx context.Context, st *state) error {
	addr, err := st.expand(s.Addr)
	if err != nil {
		return err
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
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.Close() // Only the connection's success mattered.
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("nothing listening on %s after %s: %v", addr, time.Since(began).Round(time.Millisecond), lastDialError(err))
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
