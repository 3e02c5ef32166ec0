//go:build linux

package exec

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

// TestPTYMasterNotInherited: a pty master opened for one process never
// leaks into a process another goroutine starts at the same moment (the
// duplicate must be close-on-exec from its creation, not a moment later).
func TestPTYMasterNotInherited(t *testing.T) {
	if testing.Short() {
		t.Skip("a stress of concurrent starts")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer churn(t, ctx, &Cmd{Args: []string{"true"}, TTY: true})() // Pty masters opened all the time.
	for i := range 400 {
		p, err := Start(ctx, &Cmd{Args: []string{"ls", "-l", "/proc/self/fd/"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if out := p.Output(Stdout).Kept; bytes.Contains(out, []byte("ptmx")) {
			t.Fatalf("start %d: a process on pipes inherited a pty master:\n%s", i, out)
		}
	}
}

// churn starts and ends cmd in two goroutines, over and over, until the
// function it returns is called: starts that race with the test's own.
func churn(t *testing.T, ctx context.Context, cmd *Cmd) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				c := *cmd
				p, err := Start(ctx, &c)
				if err != nil {
					t.Error(err)
					return
				}
				_ = p.Terminate(ctx, time.Second)
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}
