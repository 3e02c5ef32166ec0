//go:build !unix

package exec

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// Signals where there are none, as on Windows: the names a script may use
// are Linux's, numbered as there, so that a script parses and fails only
// where it signals; KILL and TERM end the process (not its children: there
// are no process groups), CONT does nothing and any other is an error.
var signalTable = []namedSignal{
	{1, "HUP"}, {2, "INT"}, {3, "QUIT"}, {4, "ILL"}, {5, "TRAP"}, {6, "ABRT"},
	{7, "BUS"}, {8, "FPE"}, {syscall.SIGKILL, "KILL"}, {10, "USR1"},
	{11, "SEGV"}, {12, "USR2"}, {13, "PIPE"}, {14, "ALRM"},
	{syscall.SIGTERM, "TERM"}, {16, "STKFLT"}, {17, "CHLD"}, {sigCONT, "CONT"},
	{19, "STOP"}, {20, "TSTP"}, {21, "TTIN"}, {22, "TTOU"}, {23, "URG"},
	{24, "XCPU"}, {25, "XFSZ"}, {26, "VTALRM"}, {27, "PROF"}, {28, "WINCH"},
	{29, "IO"}, {30, "PWR"}, {31, "SYS"},
}

// sigCONT is SIGCONT's number on Linux.
const sigCONT = syscall.Signal(18)

// signalGroup ends the process pid for SIGKILL and SIGTERM, and does
// nothing for SIGCONT: a process is never stopped here. Any other signal
// is an error. A process already waited for is syscall.ESRCH, as on unix.
func signalGroup(pid int, sig syscall.Signal) error {
	switch sig {
	case syscall.SIGKILL, syscall.SIGTERM:
	case sigCONT:
		return nil
	default:
		return fmt.Errorf("%s is not supported on %s: only TERM and KILL, which end the process", SignalName(sig), runtime.GOOS)
	}
	started.Lock()
	p := started.procs[pid]
	started.Unlock()
	if p == nil {
		return syscall.ESRCH
	}
	if err := p.Kill(); errors.Is(err, os.ErrProcessDone) {
		started.Lock()
		delete(started.procs, pid)
		started.Unlock()
		return syscall.ESRCH
	} else if err != nil {
		return err
	}
	return nil
}
