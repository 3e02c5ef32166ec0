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
// are known, so that a script parses and fails only where it signals; KILL
// and TERM end the process (not its children: there are no process
// groups), CONT does nothing and any other is an error.
const (
	sigUSR1  = syscall.Signal(10) // Numbered as on Linux.
	sigUSR2  = syscall.Signal(12)
	sigCONT  = syscall.Signal(18)
	sigSTOP  = syscall.Signal(19)
	sigTSTP  = syscall.Signal(20)
	sigTTIN  = syscall.Signal(21)
	sigTTOU  = syscall.Signal(22)
	sigWINCH = syscall.Signal(28)
)

// signals numbers the names of signalNames on this system.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL, "USR1": sigUSR1, "USR2": sigUSR2,
	"PIPE": syscall.SIGPIPE, "ALRM": syscall.SIGALRM, "TERM": syscall.SIGTERM,
	"CONT": sigCONT, "STOP": sigSTOP, "TSTP": sigTSTP,
	"TTIN": sigTTIN, "TTOU": sigTTOU, "WINCH": sigWINCH,
	"ABRT": syscall.SIGABRT, "SEGV": syscall.SIGSEGV,
}

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
