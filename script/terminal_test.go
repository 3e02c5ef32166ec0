package script

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTerminalOneJobAtATime: a second job waits while the first holds the
// terminal, gives up when its context ends, and gets it once released;
// hold hears each taking and giving back.
func TestTerminalOneJobAtATime(t *testing.T) {
	t.Parallel()
	var held []bool
	term := NewTerminal(nil, nil, func(h bool) { held = append(held, h) })
	release, err := term.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := term.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second Acquire while held: %v, want the context's end", err)
	}
	got := make(chan func())
	go func() {
		r, err := term.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("a second job took the terminal while the first held it")
	case <-time.After(10 * time.Millisecond):
	}
	release()
	(<-got)()
	if want := []bool{true, false, true, false}; len(held) != len(want) {
		t.Errorf("hold calls %v, want %v", held, want)
	}
}
