package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
	"github.com/drover-dev/drover/exec"
)

// stopSignals stop a run: the running jobs are terminated with their
// whole trees, the reports are written, and drover exits 128 plus the
// signal's number. A second one kills every process at once.
var stopSignals = launch.StopSignals

// stopsOn are the stop signals drover acts on: those it was not started
// with ignored. main sets it.
var stopsOn = stopSignals

// notifyStop delivers to c the stop signals drover acts on, until the
// function it returns is called. They are caught here; under the
// supervisor, relayed by it (see attachSupervisor).
var notifyStop = func(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, stopsOn...)
	return func() { signal.Stop(c) }
}

// keepIgnored leaves drover deaf to the signals it was started with
// ignored, as nohup and shells ask, yet catches them rather than ignore
// them: a caught signal is reset to the default in a child, an ignored
// one stays ignored. So every process drover starts gets the default
// dispositions, as systemd gives its services.
// A worker has the stop signals and SIGPIPE caught already (see
// launch.Caught).
func keepIgnored(ignored map[os.Signal]bool, worker bool) {
	var caught, acted []os.Signal
	for sig := range ignored {
		if worker && (sig == syscall.SIGPIPE || slices.Contains(stopSignals, sig)) {
			continue
		}
		caught = append(caught, sig)
	}
	for _, sig := range stopSignals {
		if !ignored[sig] {
			acted = append(acted, sig)
		}
	}
	stopsOn = acted
	if len(caught) > 0 {
		signal.Notify(make(chan os.Signal, 1), caught...) // Never read: Notify drops what does not fit.
	}
}

// asSyscall is sigs as system signals, which they all are.
func asSyscall(sigs []os.Signal) []syscall.Signal {
	var out []syscall.Signal
	for _, sig := range sigs {
		if n, ok := sig.(syscall.Signal); ok {
			out = append(out, n)
		}
	}
	return out
}

// stoppedBy is the cause of the cancellation of a run by a stop signal.
type stoppedBy struct{ sig os.Signal }

func (s stoppedBy) Error() string {
	if n, ok := s.sig.(syscall.Signal); ok {
		return "interrupted (" + exec.SignalName(n) + ")"
	}
	return "interrupted"
}

// signalCode is the exit code of a run stopped by sig: 128 plus its
// number, as a shell reports a process killed by it.
func signalCode(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitInterrupted
}

// stopCode is the exit code of a run whose context ctx was cancelled:
// that of the signal that stopped it.
func stopCode(ctx context.Context) int {
	var s stoppedBy
	if errors.As(context.Cause(ctx), &s) {
		return signalCode(s.sig)
	}
	return exitInterrupted
}
