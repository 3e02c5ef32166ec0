package exec

import (
	"fmt"
	"strings"
	"syscall"
)

// SignalNames returns the names ParseSignal knows, without SIG: every
// signal this system defines (see signalTable), in the order of their
// numbers.
func SignalNames() []string {
	names := make([]string, len(signalTable))
	for i, s := range signalTable {
		names[i] = s.name
	}
	return names
}

// ParseSignal returns the signal named s: "TERM", "SIGTERM" or "term".
func ParseSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for _, sig := range signalTable {
		if sig.name == name {
			return sig.num, nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// SignalName returns the conventional name of sig, such as "SIGTERM".
func SignalName(sig syscall.Signal) string {
	for _, s := range signalTable {
		if s.num == sig {
			return "SIG" + s.name
		}
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// namedSignal is a signal and its name without SIG.
type namedSignal struct {
	num  syscall.Signal
	name string
}
