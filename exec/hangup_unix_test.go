//go:build unix

package exec

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

func init() { helpers["ignore"] = helperIgnore }

// helperIgnore SIG... ignores the named signals (HUP, TERM), prints
// "ready" and hangs.
func helperIgnore(args ...string) {
	for _, name := range args {
		sig, err := ParseSignal(name)
		if err != nil {
			fail(err)
		}
		signal.Ignore(sig)
	}
	fmt.Println("ready")
	sleepForever()
}

// Under a tty, Terminate hangs the process up first, as Expect's close
// does: one that ignores SIGTERM, as an interactive shell does, dies of
// SIGHUP at once instead of costing the whole grace.
func TestTerminateHangsUp(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "ignore", "TERM")
	c.TTY = true
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, text("ready\n"))
	if err := p.Terminate(ctx, time.Hour); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Terminate waited for the grace")
	}
	if st, _ := p.Wait(ctx); st == nil || st.Signal != syscall.SIGHUP {
		t.Errorf("status %v, want killed by SIGHUP", st)
	}
}

// One that ignores the hang-up gets SIGTERM next, and one that ignores
// both SIGKILL after the grace; on pipes there is no hang-up.
func TestTerminateAfterHangup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tty    bool
		ignore []string
		grace  time.Duration
		want   syscall.Signal
	}{
		{true, []string{"HUP"}, time.Hour, syscall.SIGTERM},
		{true, []string{"HUP", "TERM"}, 300 * time.Millisecond, syscall.SIGKILL},
		{false, []string{"TERM"}, 300 * time.Millisecond, syscall.SIGKILL},
		{false, nil, time.Hour, syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.tty, tt.ignore), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "ignore", tt.ignore...)
			c.TTY = tt.tty
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			if err := p.Terminate(ctx, tt.grace); err != nil {
				t.Fatalf("Terminate: %v", err)
			}
			if st, _ := p.Wait(ctx); st == nil || st.Signal != tt.want {
				t.Errorf("status %v, want killed by %s", st, SignalName(tt.want))
			}
		})
	}
}

func init() { helpers["second-hup"] = helperSecondHUP }

// helperSecondHUP ignores SIGTERM, prints "ready" and exits 7 at the
// second SIGHUP it gets, as bash does when the first comes as it starts
// to read a command line: it notes it, and acts on it only when another
// signal interrupts its read.
func helperSecondHUP(...string) {
	signal.Ignore(syscall.SIGTERM)
	hups := make(chan os.Signal, 2)
	signal.Notify(hups, syscall.SIGHUP)
	fmt.Println("ready")
	<-hups
	<-hups
	os.Exit(7)
}

// Terminate hangs such a process up again with SIGTERM, rather than
// waiting the whole grace for it.
func TestTerminateHangsUpAgain(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "second-hup")
	c.TTY = true
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, text("ready\n"))
	if err := p.Terminate(ctx, time.Hour); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Terminate waited for the grace")
	}
	if st, _ := p.Wait(ctx); st == nil || st.Code != 7 {
		t.Errorf("status %v, want exit 7", st)
	}
}
