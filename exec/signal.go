package exec

import (
	"fmt"
	"strings"
	"syscall"
)

// signalNames are the signals a script may send or wait for, without SIG,
// in the order messages list them. Each system's file maps them to its
// numbers in signals.
var signalNames = []string{
	"HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "PIPE", "ALRM", "TERM",
	"CONT", "STOP", "TSTP", "TTIN", "TTOU", "WINCH", "ABRT", "SEGV",
}

// SignalNames returns the names ParseSignal knows, without SIG, in a
// fixed order.
func SignalNames() []string { return append([]string(nil), signalNames...) }

// ParseSignal returns the signal named s: "TERM", "SIGTERM" or "term".
func ParseSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signals[name]; ok {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// SignalName returns the conventional name of sig, such as "SIGTERM".
func SignalName(sig syscall.Signal) string {
	for _, name := range signalNames {
		if signals[name] == sig {
			return "SIG" + name
		}
	}
	return fmt.Sprintf("signal %d", int(sig))
}
