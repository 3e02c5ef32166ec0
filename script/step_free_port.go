package script

import (
	"context"
	"fmt"
	"math/rand/v2"
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
//
// Where the kernel tells its ephemeral range (the ports it gives any
// connect or bind to port 0), the port is picked outside it: a port from
// inside could be taken by any process's outgoing connection between this
// check and the server's bind, and a client such as wait_port would then
// reach that foreign socket. Outside the range only an explicit bind can
// take it.
func freePort() (int, error) {
	lo, hi, known := ephemeralPorts()
	var last error
	for range 200 {
		want := 0
		if known {
			if want = portOutside(lo, hi); want == 0 {
				known = false // The range spans every port: take the kernel's.
			}
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", want))
		if err != nil {
			if want == 0 {
				return 0, err
			}
			last = err // Taken: try another.
			continue
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

// portOutside returns a random unprivileged port (1024-65535) outside
// lo-hi, or 0 when there is none.
func portOutside(lo, hi int) int {
	below := max(0, min(lo, 65536)-1024) // 1024 .. lo-1
	above := max(0, 65535-max(hi, 1023)) // hi+1 .. 65535
	if below+above == 0 {
		return 0
	}
	n := rand.IntN(below + above)
	if n < below {
		return 1024 + n
	}
	return max(hi, 1023) + 1 + n - below
}

// defines implements definer.
func (s *FreePort) defines() []string { return []string{s.Var} }
