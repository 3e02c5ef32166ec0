//go:build unix

package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestWaitExitCode(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, code := range []int{0, 1, 3, 255} {
			t.Run(fmt.Sprintf("%s/%d", mode.name, code), func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				c := helperCmd(t, "exit", strconv.Itoa(code))
				c.TTY = mode.tty
				p := mustStart(t, ctx, c)
				st, err := p.Wait(ctx)
				if st == nil || st.Code != code || st.Signal != 0 || st.Success() != (code == 0) {
					t.Fatalf("Wait = %+v, %v; want exit %d", st, err, code)
				}
				if want := fmt.Sprintf("exit %d", code); st.String() != want {
					t.Errorf("String() = %q, want %q", st, want)
				}
				var e *ExitError
				if code == 0 {
					if err != nil {
						t.Errorf("Wait: %v, want nil", err)
					}
				} else if !errors.As(err, &e) || e.Status != st {
					t.Errorf("Wait: %v, want an *ExitError with the status", err)
				}
				if !p.Exited() {
					t.Error("Exited() = false after Wait")
				}
				if st2, _ := p.Wait(ctx); st2 != st {
					t.Errorf("a second Wait = %v, want %v", st2, st)
				}
			})
		}
	}
}

func TestWaitSignal(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(SignalName(sig), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			p := mustStart(t, ctx, helperCmd(t, "hang"))
			expect(t, ctx, p, Stdout, text("ready\n"))
			if err := p.Signal(sig); err != nil {
				t.Fatalf("Signal: %v", err)
			}
			st, err := p.Wait(ctx)
			var e *ExitError
			if !errors.As(err, &e) || st.Signal != sig || st.Code != -1 || st.Success() {
				t.Fatalf("Wait = %+v, %v; want killed by %s", st, err, SignalName(sig))
			}
			if want := "killed by " + SignalName(sig); st.String() != want || e.Error() != want {
				t.Errorf("String() = %q, Error() = %q; want %q", st, e, want)
			}
		})
	}
}

func TestWaitExitErrorStderr(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "outerr", "3")
			c.TTY = mode.tty
			p := mustStart(t, ctx, c)
			_, err := p.Wait(ctx)
			var e *ExitError
			if !errors.As(err, &e) || e.Status.Code != 3 {
				t.Fatalf("Wait: %v, want an *ExitError with code 3", err)
			}
			// Stderr holds the tail of stderr only when it is apart.
			if mode.tty && e.Stderr != "" || !mode.tty && e.Stderr != "to stderr\n" {
				t.Errorf("ExitError.Stderr = %q", e.Stderr)
			}
		})
	}
}

// Wait's context bounds the wait, not the process.
func TestWaitContextLeavesRunning(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "hang"))
	expect(t, ctx, p, Stdout, text("ready\n"))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	st, err := p.Wait(short)
	if st != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, %v; want nil, context.DeadlineExceeded", st, err)
	}
	if p.Exited() {
		t.Fatal("the process exited")
	}
	if err := p.Signal(0); err != nil {
		t.Errorf("Signal(0): %v; want the process alive", err)
	}
}

// When the end of the context a process was started with ends it, a
// Wait, an Expect or a Send whose own context ends a moment later, as a
// child of that context does in the same cancellation, says that its
// context ended, not that the process exited or that its output ended.
func TestSameEnd(t *testing.T) {
	t.Parallel()
	for _, what := range []string{"wait", "expect", "send"} {
		t.Run(what, func(t *testing.T) {
			t.Parallel()
			watchdog := testContext(t, 10*time.Second)
			started, stop := context.WithCancel(watchdog)
			p := mustStart(t, started, helperCmd(t, "hang"))
			expect(t, watchdog, p, Stdout, text("ready\n"))
			own, cancel := context.WithCancel(watchdog)
			done := make(chan error, 1)
			run := func() {
				var err error
				switch what {
				case "wait":
					_, err = p.Wait(own)
				case "expect":
					_, err = p.Expect(own, Stdout, text("never"))
				case "send":
					err = p.Send(own, []byte("late\n"))
				}
				done <- err
			}
			if what != "send" {
				go run() // Waiting when the process ends.
			}
			stop() // It ends the process...
			<-p.Done()
			time.Sleep(20 * time.Millisecond) // ...its output ends...
			if what == "send" {
				go run() // Sent to the process gone.
				time.Sleep(20 * time.Millisecond)
			}
			cancel() // ...then the wait's own context.
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v, want context.Canceled", what, err)
			}
		})
	}
}

// A grandchild that keeps the output open does not keep Wait waiting past
// WaitDelay; the grandchild goes with Terminate.
func TestWaitDelay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "orphan")
	c.WaitDelay = 100 * time.Millisecond
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`orphan (\d+)\n`)})
	pid, _ := strconv.Atoi(m.Groups[1])
	if st, err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, %v; want exit 0 once WaitDelay has passed", st, err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the grandchild %d is gone before Terminate: %v", pid, err)
	}
	if err := p.Terminate(ctx, time.Second); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	waitGone(t, ctx, pid)
}

// A program that closes stdout and keeps running: Expect sees stdout end,
// while stderr and the process go on.
func TestCloseStdoutKeepsRunning(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "close-stdout"))
	if m := expect(t, ctx, p, Stdout, Pattern{EOF: true}); m.Text != "closing\n" {
		t.Errorf("stdout was %q, want %q", m.Text, "closing\n")
	}
	expect(t, ctx, p, Stderr, text("stdout closed\n"))
	if p.Exited() {
		t.Fatal("the process exited")
	}
	if err := p.Terminate(ctx, 5*time.Second); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if st, _ := p.Wait(ctx); st.Signal != syscall.SIGTERM {
		t.Errorf("status %v, want killed by SIGTERM", st)
	}
}

// startGrandchildren starts the grandchildren helper with children running
// helper child, and returns the children's pids.
func startGrandchildren(t *testing.T, ctx context.Context, tty bool, child string) (*Process, []int) {
	t.Helper()
	c := helperCmd(t, "grandchildren", child)
	c.TTY = tty
	helperUsed.Store(child, true)
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`pids (\d+) (\d+)\n`)})
	var pids []int
	for _, g := range m.Groups[1:] {
		pid, err := strconv.Atoi(g)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return p, pids
}

// Signal reaches the whole group, grandchildren included.
func TestSignalGroup(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			p, pids := startGrandchildren(t, ctx, mode.tty, "hang")
			if err := p.Signal(syscall.SIGTERM); err != nil {
				t.Fatalf("Signal: %v", err)
			}
			if st, _ := p.Wait(ctx); st == nil || st.Signal != syscall.SIGTERM {
				t.Errorf("status %v, want killed by SIGTERM", st)
			}
			for _, pid := range pids {
				waitGone(t, ctx, pid)
			}
		})
	}
}

// Terminate ends the whole tree, including children that ignore SIGTERM
// and outlive their parent.
func TestTerminateGroup(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, child := range []string{"hang", "ignore-term"} {
			t.Run(mode.name+"/"+child, func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				p, pids := startGrandchildren(t, ctx, mode.tty, child)
				// The grace is long: the parent dies of SIGTERM (of the
				// hang-up, under a tty) at once, and its exit, not the
				// grace, must let SIGKILL go.
				if err := p.Terminate(ctx, time.Hour); err != nil {
					t.Fatalf("Terminate: %v", err)
				}
				if ctx.Err() != nil {
					t.Fatal("Terminate waited for the grace")
				}
				want := syscall.SIGTERM
				if mode.tty {
					want = syscall.SIGHUP
				}
				st, _ := p.Wait(ctx)
				if st == nil || st.Signal != want {
					t.Errorf("status %v, want killed by %s", st, SignalName(want))
				}
				for _, pid := range pids {
					waitGone(t, ctx, pid)
				}
			})
		}
	}
}

// A process that ignores SIGTERM (and the hang-up, under a tty) is killed
// once the grace has passed.
func TestTerminateIgnoringTerm(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "ignore-term")
			if mode.tty {
				c = helperCmd(t, "ignore", "HUP", "TERM")
			}
			c.TTY = mode.tty
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			if err := p.Terminate(ctx, 100*time.Millisecond); err != nil {
				t.Fatalf("Terminate: %v", err)
			}
			if !p.Exited() {
				t.Fatal("Terminate returned before the process exited")
			}
			if st, _ := p.Wait(ctx); st.Signal != syscall.SIGKILL {
				t.Errorf("status %v, want killed by SIGKILL", st)
			}
		})
	}
}

// Terminate's context cuts the grace short.
func TestTerminateContextSkipsGrace(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "ignore-term"))
	expect(t, ctx, p, Stdout, text("ready\n"))
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := p.Terminate(short, time.Hour); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if st, _ := p.Wait(ctx); st.Signal != syscall.SIGKILL {
		t.Errorf("status %v, want killed by SIGKILL", st)
	}
}

// Terminate on a process that has exited returns, as often as it is called.
func TestTerminateExited(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "exit", "3"))
	st, _ := p.Wait(ctx)
	for range 2 {
		if err := p.Terminate(ctx, time.Hour); err != nil {
			t.Fatalf("Terminate: %v", err)
		}
	}
	if st2, _ := p.Wait(ctx); st2 != st || st.Code != 3 {
		t.Errorf("status %v after Terminate, want %v", st2, st)
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, ErrExited) {
		t.Errorf("Signal: %v, want ErrExited", err)
	}
}

// The end of Start's context terminates the process: SIGHUP under a tty,
// SIGTERM, then SIGKILL after Cmd.Grace for one that ignores them.
func TestStartContextCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		helper     string
		args       []string
		pipes, tty syscall.Signal // the death it dies
	}{
		{"hang", nil, syscall.SIGTERM, syscall.SIGHUP},
		{"ignore-term", nil, syscall.SIGKILL, syscall.SIGHUP},
		{"ignore", []string{"HUP", "TERM"}, syscall.SIGKILL, syscall.SIGKILL},
	}
	for _, mode := range modes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.helper, func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				startCtx, cancel := context.WithCancel(ctx)
				defer cancel()
				want := tt.pipes
				if mode.tty {
					want = tt.tty
				}
				// A process that ignores nothing dies of the first signal
				// whenever the machine lets it run: a grace it may outlast
				// under load would have it killed instead. The ones that
				// ignore the signals wait out a short grace.
				grace := time.Hour
				if want == syscall.SIGKILL {
					grace = 100 * time.Millisecond
				}
				c := helperCmd(t, tt.helper, tt.args...)
				c.TTY, c.Grace = mode.tty, grace
				p := mustStart(t, startCtx, c)
				expect(t, ctx, p, Stdout, text("ready\n"))
				cancel()
				if st, _ := p.Wait(ctx); st == nil || st.Signal != want {
					t.Errorf("status %v, want killed by %s", st, SignalName(want))
				}
			})
		}
	}
	t.Run("done before Start", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		done, cancel := context.WithCancel(ctx)
		cancel()
		p := mustStart(t, done, helperCmd(t, "hang"))
		if st, _ := p.Wait(ctx); st == nil || st.Signal == 0 {
			t.Errorf("status %v, want killed by a signal", st)
		}
	})
}

func TestParseSignal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want syscall.Signal
	}{
		{"TERM", syscall.SIGTERM},
		{"SIGTERM", syscall.SIGTERM},
		{"term", syscall.SIGTERM},
		{"sigint", syscall.SIGINT},
		{"KILL", syscall.SIGKILL},
		{"WINCH", syscall.SIGWINCH},
	}
	for _, tt := range tests {
		got, err := ParseSignal(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if name := SignalName(got); !strings.EqualFold(name, "SIG"+strings.TrimPrefix(strings.ToUpper(tt.in), "SIG")) {
			t.Errorf("SignalName(%v) = %q", got, name)
		}
	}
	for _, in := range []string{"", "SIG", "NOPE", "15"} {
		if got, err := ParseSignal(in); err == nil {
			t.Errorf("ParseSignal(%q) = %v, want an error", in, got)
		}
	}
	if got := SignalName(syscall.Signal(63)); got != "signal 63" {
		t.Errorf("SignalName(63) = %q", got)
	}
}

// Under a tty, a grandchild that ignores the hangup and still holds the
// terminal does not keep Wait waiting either: the kernel hangs the
// terminal up when the session leader exits (so the master reads EIO),
// and WaitDelay would end the read otherwise. Wait returns with the
// reader stopped and the grandchild still running.
func TestWaitTTYGrandchild(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := &Cmd{Args: []string{"sh", "-c", "trap '' HUP; sleep 60 & echo orphan $!"}, TTY: true}
	c.WaitDelay = 100 * time.Millisecond
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`orphan (\d+)\n`)})
	pid, _ := strconv.Atoi(m.Groups[1])
	if st, err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, %v; want exit 0 once WaitDelay has passed", st, err)
	}
	select {
	case <-p.out.done:
	default:
		t.Error("Wait returned with the reader still reading")
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the grandchild %d is gone before Terminate: %v (the test proves nothing)", pid, err)
	}
	if err := p.Terminate(ctx, time.Second); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	waitGone(t, ctx, pid)
}

// TestWaitDelayKeepsWhatCame: when WaitDelay runs out while the reader
// lags (here held in Observe), what the process wrote before it exited
// is still read: only what a grandchild may write later is cut off.
func TestWaitDelayKeepsWhatCame(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipes", true: "tty"}[tty], func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			held, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			c := &Cmd{Args: []string{"sh", "-c", "echo first; read x; echo second"}, TTY: tty, WaitDelay: 50 * time.Millisecond,
				Observe: func(s Stream, b []byte) {
					if s == Stdout {
						once.Do(func() { close(held); <-release })
					}
				}}
			p := mustStart(t, ctx, c)
			<-held // The reader has "first" and waits.
			if err := p.Send(ctx, []byte("go\n")); err != nil {
				t.Fatal(err)
			}
			<-p.Done()
			// Released once WaitDelay has run out; if it was not yet, the
			// test proves less but does not fail.
			time.AfterFunc(250*time.Millisecond, func() { close(release) })
			if _, err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if out := string(p.Output(Stdout).Kept); !strings.Contains(out, "second") {
				t.Errorf("stdout %q lacks what the process wrote before it exited", out)
			}
			_ = p.Terminate(ctx, time.Second)
		})
	}
}

// Once cut (WaitDelay ran out), a reader reads at most cutBudget bytes
// more, however much its file still holds: a grandchild that writes as
// fast as it is read cannot hold Wait. A regular file stands for that
// writer, which a pipe cannot be made to be at every read.
func TestCutReadsAtMostTheBudget(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "held")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 3*cutBudget)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	st := newStream(0)
	st.cutting = true
	budget := cutBudget
	b := make([]byte, readChunk)
	total := 0
	for {
		n, err := st.next(f, b, &budget)
		total += n
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	if total != cutBudget {
		t.Errorf("read %d bytes after the cut, want %d", total, cutBudget)
	}
}
