//go:build unix

package exec

import (
	"syscall"
)

// signals numbers the names of signalNames on this system.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
	"PIPE": syscall.SIGPIPE, "ALRM": syscall.SIGALRM, "TERM": syscall.SIGTERM,
	"CONT": syscall.SIGCONT, "STOP": syscall.SIGSTOP, "TSTP": syscall.SIGTSTP,
	"TTIN": syscall.SIGTTIN, "TTOU": syscall.SIGTTOU, "WINCH": syscall.SIGWINCH,
	"ABRT": syscall.SIGABRT, "SEGV": syscall.SIGSEGV,
}

// sigCONT resumes a stopped process; a constant so that systems without
// SIGCONT can define their own.
const sigCONT = syscall.SIGCONT
