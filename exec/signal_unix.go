//go:build unix

package exec

import (
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// signalTable is every signal of this system, by its number: the table
// golang.org/x/sys/unix keeps of the system's headers, one name for each
// number, POSIX's where the headers give an older one first (the BSDs
// name 6 IOT). Real-time signals, which have no names, are not in it.
var signalTable = func() []namedSignal {
	posix := map[string]string{"IOT": "ABRT", "POLL": "IO", "CLD": "CHLD"}
	var t []namedSignal
	for n := syscall.Signal(1); n < 65; n++ {
		name := strings.TrimPrefix(unix.SignalName(n), "SIG")
		if p, ok := posix[name]; ok {
			name = p
		}
		if name != "" {
			t = append(t, namedSignal{n, name})
		}
	}
	return t
}()

// sigCONT resumes a stopped process; a constant so that systems without
// SIGCONT can define their own.
const sigCONT = syscall.SIGCONT
