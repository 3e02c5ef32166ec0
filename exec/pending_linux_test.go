package exec

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// awaitDelivered waits while a hang-up is pending (here: the process is
// stopped, so it cannot take it) and returns once the process took it,
// which is what keeps Terminate's second hang-up from merging with the
// first on a loaded machine.
func TestAwaitDelivered(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "hang"))
	expect(t, ctx, p, Stdout, text("ready\n"))
	if pending(p.Pid, syscall.SIGHUP) {
		t.Fatal("SIGHUP pending before it was sent")
	}
	if err := syscall.Kill(p.Pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// SIGSTOP takes effect before the process runs again; until then
	// SIGHUP could be taken at once, so wait for the stop.
	for st, _ := readStat(p.Pid); st.state != 'T'; st, _ = readStat(p.Pid) {
		if ctx.Err() != nil {
			t.Fatalf("the process did not stop: state %c", st.state)
		}
		time.Sleep(time.Millisecond)
	}
	if err := syscall.Kill(p.Pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !pending(p.Pid, syscall.SIGHUP) {
		t.Fatal("SIGHUP to a stopped process is not pending")
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	awaitDelivered(short, p.Done(), p.Pid, syscall.SIGHUP)
	cancel()
	if short.Err() == nil {
		t.Fatal("awaitDelivered returned while SIGHUP was pending")
	}
	if err := syscall.Kill(p.Pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	awaitDelivered(ctx, p.Done(), p.Pid, syscall.SIGHUP)
	if ctx.Err() != nil {
		t.Fatal("awaitDelivered did not return once the signal was taken")
	}
	if st, _ := p.Wait(ctx); st == nil || st.Signal != syscall.SIGHUP {
		t.Errorf("status %v, want killed by SIGHUP", st)
	}
}
