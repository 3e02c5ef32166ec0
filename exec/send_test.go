//go:build unix

package exec

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SendEOF on pipes closes stdin: cat sees its end and exits.
func TestPipeSendEOF(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "cat"))
	send(t, ctx, p, "hello\n")
	if err := p.SendEOF(ctx); err != nil {
		t.Fatalf("SendEOF: %v", err)
	}
	if m := expect(t, ctx, p, Stdout, Pattern{EOF: true}); m.Text != "hello\n" {
		t.Errorf("cat wrote %q, want %q", m.Text, "hello\n")
	}
	if st, err := p.Wait(ctx); err != nil {
		t.Errorf("Wait = %v, %v; want exit 0", st, err)
	}
	if err := p.SendEOF(ctx); err != nil {
		t.Errorf("a second SendEOF: %v, want nil", err)
	}
	// To a process that still runs, Send after SendEOF says stdin is closed.
	p = mustStart(t, ctx, helperCmd(t, "hang"))
	if err := p.SendEOF(ctx); err != nil {
		t.Fatalf("SendEOF: %v", err)
	}
	if err := p.Send(ctx, []byte("more\n")); !errors.Is(err, errStdinClosed) {
		t.Errorf("Send after SendEOF: %v, want errStdinClosed", err)
	}
}

// Send to a process that has gone reports ErrExited, however it went.
func TestSendAfterExit(t *testing.T) {
	t.Parallel()
	ends := []struct {
		name   string
		helper string
		end    func(ctx context.Context, p *Process, cancel context.CancelFunc) error
	}{
		{"exited", "exit", func(ctx context.Context, p *Process, _ context.CancelFunc) error {
			_, err := p.Wait(ctx)
			return err
		}},
		{"terminated", "hang", func(ctx context.Context, p *Process, _ context.CancelFunc) error {
			return p.Terminate(ctx, time.Second)
		}},
		{"start context ended", "hang", func(ctx context.Context, p *Process, cancel context.CancelFunc) error {
			cancel()
			if _, err := p.Wait(ctx); !errors.As(err, new(*ExitError)) {
				return err
			}
			return nil
		}},
	}
	for _, mode := range modes {
		for _, end := range ends {
			t.Run(mode.name+"/"+end.name, func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				startCtx, cancel := context.WithCancel(ctx)
				defer cancel()
				c := helperCmd(t, end.helper, "0")
				c.TTY = mode.tty
				p := mustStart(t, startCtx, c)
				if err := end.end(ctx, p, cancel); err != nil {
					t.Fatal(err)
				}
				if err := p.Send(ctx, []byte("late\n")); !errors.Is(err, ErrExited) {
					t.Errorf("Send: %v, want ErrExited", err)
				}
				if mode.tty {
					if err := p.SendEOF(ctx); !errors.Is(err, ErrExited) {
						t.Errorf("SendEOF: %v, want ErrExited", err)
					}
				}
			})
		}
	}
}

// Send while the process exits either succeeds or reports ErrExited: it
// does not report the broken pipe the exit caused, and does not wait for
// its deadline on a terminal whose input nobody will read again.
func TestSendRacingExit(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			for range 5 {
				ctx := testContext(t, 10*time.Second)
				c := helperCmd(t, "exit", "0")
				c.TTY = mode.tty
				p := mustStart(t, ctx, c)
				var err error
				for err == nil {
					err = p.Send(ctx, []byte("x\n"))
				}
				if ctx.Err() != nil {
					t.Fatalf("Send waited for its deadline after the process exited: %v", err)
				}
				if !errors.Is(err, ErrExited) {
					t.Fatalf("Send: %v, want nil or ErrExited", err)
				}
			}
		})
	}
}

// A Send that blocks because the process does not read ends when the
// process exits, with ErrExited, not at its deadline.
func TestSendDuringExit(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			tr := newTranscript()
			c := helperCmd(t, "hang")
			c.TTY, c.Observe = mode.tty, tr.observe
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			done := make(chan error, 1)
			go func() {
				done <- p.Send(ctx, []byte(strings.Repeat("x\n", 1<<19))) // More than a pipe or a terminal holds.
			}()
			if mode.tty {
				// The terminal's echo shows that the write has begun.
				if err := tr.waitFor(ctx, "x\r\nx\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := <-done
			if ctx.Err() != nil {
				t.Fatalf("Send waited for its deadline after the process exited: %v", err)
			}
			if !errors.Is(err, ErrExited) {
				t.Fatalf("Send: %v, want ErrExited", err)
			}
		})
	}
}

// Send gives up when its context ends: the process does not read.
func TestSendDeadline(t *testing.T) {
	t.Parallel()
	for range 5 {
		ctx := testContext(t, 10*time.Second)
		p := mustStart(t, ctx, helperCmd(t, "hang"))
		sendCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := p.Send(sendCtx, make([]byte, 1<<20)) // More than a pipe holds.
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send: %v, want context.DeadlineExceeded", err)
		}
	}
}
