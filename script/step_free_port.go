package script

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"

	"gopkg.in/yaml.v3"
)

// FreePort picks a port on 127.0.0.1 that is free for both TCP and UDP
// and sets the variable Var to it, so that jobs running side by side can
// each start their own server.
type FreePort struct {
	Pos Pos
	Var string
}

// Position and Kind implement Step.
func (s *FreePort) Position() Pos { return s.Pos }
func (*FreePort) Kind() string    { return "free_port" }

// freePortKind is the free_port step.
var freePortKind = &stepKind{
	stepSpec: stepSpec{kind: "free_port", doc: "set a variable to a TCP and UDP port free on 127.0.0.1",
		short: []valueType{tVarName}},
	parse: parseFreePort,
}

// parseFreePort reads the step from its key and value.
func parseFreePort(c *stepCtx, key, val *yaml.Node) Step {
	s := &FreePort{Pos: c.p.pos(key)}
	if val.Kind != yaml.ScalarNode || isNull(val) {
		c.errorf(val, "", "want the name of a variable to receive the port, got %s", describe(val))
		return s
	}
	if c.varName(val, "") {
		s.Var = val.Value
		c.sc.defineVar(val.Value)
	}
	return s
}

// run sets the variable to a free port.
func (s *FreePort) run(_ context.Context, st *state) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	st.vars[s.Var] = strconv.Itoa(port)
	return nil
}

// handedOut holds the ports freePort has given in this process, so that
// two jobs never get the same one, even if the kernel offers it twice.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a port of 127.0.0.1 on which both TCP and UDP could
// bind just now, and that no other job of this drover was given.
func freePort() (int, error) {
	var last error
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = l.Close() // Only its number was wanted.
		if err != nil {
			last = err
			continue
		}
		_ = u.Close() // Likewise.
		handedOut.Lock()
		taken := handedOut.ports[port]
		handedOut.ports[port] = true
		handedOut.Unlock()
		if !taken {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port found on 127.0.0.1: %v", last)
}

// defines implements definer.
func (s *FreePort) defines() []string { return []string{s.Var} }
