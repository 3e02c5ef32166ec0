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
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 { // Pty starts, opening masters all the time.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, err := Start(ctx, &Cmd{Args: []string{"true"}, TTY: true})
				if err != nil {
					t.Error(err)
					return
				}
				_ = p.Terminate(ctx, time.Second)
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
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
