//go:build unix

package exec

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestExpect(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile
	tests := []struct {
		name   string
		output string
		pats   []Pattern
		want   Match // Stream is always Stdout
	}{
		{"text", "hello world\n", []Pattern{text("world")},
			Match{Text: "world", Before: "hello "}},
		{"regexp groups", "x: key=42\n", []Pattern{{Regexp: re(`(\w+)=(\d+)`)}},
			Match{Text: "key=42", Before: "x: ", Groups: []string{"key=42", "key", "42"}}},
		{"regexp unmatched group", "n=7\n", []Pattern{{Regexp: re(`n=(\d+)(x)?`)}},
			Match{Text: "n=7", Groups: []string{"n=7", "7", ""}}},
		{"eof", "all of it\n", []Pattern{{EOF: true}},
			Match{Text: "all of it\n"}},
		{"eof of nothing", "", []Pattern{{EOF: true}},
			Match{}},
		{"earliest start wins", "hello world\n", []Pattern{text("world"), text("hello")},
			Match{Index: 1, Text: "hello"}},
		{"a tie goes to the first", "hello world\n", []Pattern{text("hell"), text("hello")},
			Match{Index: 0, Text: "hell"}},
		{"text and regexp", "a1 b2\n", []Pattern{{Regexp: re(`b\d`)}, text("a1")},
			Match{Index: 1, Text: "a1"}},
		// EOF is where the output ends: text printed before it wins,
		// whether or not the end has been read yet.
		{"text before eof", "xx foo\n", []Pattern{{EOF: true}, text("foo")},
			Match{Index: 1, Text: "foo", Before: "xx "}},
		{"eof when no text", "xx bar\n", []Pattern{text("foo"), {EOF: true}},
			Match{Index: 1, Text: "xx bar\n"}},
	}
	for _, tt := range tests {
		// live: Expect while the program runs; exited: after it has exited
		// and its output has been read to the end. Both must agree.
		for _, exited := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/exited=%t", tt.name, exited), func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				p := mustStart(t, ctx, helperCmd(t, "write", tt.output))
				if exited {
					if _, err := p.Wait(ctx); err != nil {
						t.Fatalf("Wait: %v", err)
					}
				}
				m := expect(t, ctx, p, Stdout, tt.pats...)
				want := tt.want
				if want.Groups == nil && tt.pats[want.Index].Regexp != nil {
					want.Groups = []string{want.Text}
				}
				if m.Index != want.Index || m.Text != want.Text || m.Before != want.Before ||
					!slices.Equal(m.Groups, want.Groups) || m.Stream != Stdout {
					t.Errorf("Expect(%s) on %q =\n\t%+v, want\n\t%+v", describe(tt.pats), tt.output, *m, want)
				}
			})
		}
	}
}

// Each Expect consumes the output up to the end of its match.
func TestExpectConsumes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "write", "a1 a2 ", "a3\nrest"))
	if _, err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	a := Pattern{Regexp: regexp.MustCompile(`a\d`)}
	for i, before := range []string{"", " ", " "} {
		m := expect(t, ctx, p, Stdout, a)
		if want := "a" + strconv.Itoa(i+1); m.Text != want || m.Before != before {
			t.Errorf("Expect #%d = %q after %q, want %q after %q", i+1, m.Text, m.Before, want, before)
		}
	}
	if b, dropped := p.Unconsumed(Stdout); string(b) != "\nrest" || dropped != 0 {
		t.Errorf("Unconsumed = %q, %d; want %q, 0", b, dropped, "\nrest")
	}
	if _, err := p.Expect(ctx, Stdout, a); !errors.Is(err, ErrEOF) {
		t.Errorf("a fourth Expect: %v, want ErrEOF", err)
	}
	if m := expect(t, ctx, p, Stdout, Pattern{EOF: true}); m.Text != "\nrest" {
		t.Errorf("Expect(EOF) = %q, want the rest", m.Text)
	}
	if b, _ := p.Unconsumed(Stdout); len(b) != 0 {
		t.Errorf("Unconsumed = %q after EOF, want nothing", b)
	}
	if got := string(p.Recent(Stdout)); got != "a1 a2 a3\nrest" {
		t.Errorf("Recent = %q, want all the output, consumed or not", got)
	}
}

func TestExpectTimeout(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "hang")
			c.TTY = mode.tty
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			pats := []Pattern{text("never"), {Regexp: regexp.MustCompile(`nor this`)}}
			m, err := p.Expect(short, Stdout, pats...)
			var e *ExpectError
			if m != nil || !errors.As(err, &e) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Expect = %v, %v; want an *ExpectError for context.DeadlineExceeded", m, err)
			}
			if errors.Is(err, ErrEOF) {
				t.Errorf("Expect: %v is ErrEOF", err)
			}
			if e.Recent != "ready\n" || e.Stream != Stdout || len(e.Patterns) != 2 || e.Waited <= 0 {
				t.Errorf("ExpectError = %+v, want Recent %q on stdout with both patterns", e, "ready\n")
			}
			if msg := e.Error(); !strings.Contains(msg, `"never"`) || !strings.Contains(msg, "/nor this/") {
				t.Errorf("Error() = %q, want the patterns named", msg)
			}
		})
	}
}

func TestExpectCanceled(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "hang"))
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := p.Expect(canceled, Stdout, text("never"))
	var e *ExpectError
	if !errors.As(err, &e) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Expect: %v, want an *ExpectError for context.Canceled", err)
	}
}

// When the output ends without a match, Expect says so at once, whatever
// its deadline.
func TestExpectEOFError(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, s := range []Stream{Stdout, Both} {
			t.Run(mode.name+"/"+s.String(), func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, time.Hour)
				watchdog := testContext(t, 10*time.Second)
				c := helperCmd(t, "write", "no match here\n")
				c.TTY = mode.tty
				p := mustStart(t, watchdog, c)
				done := make(chan error, 1)
				go func() {
					_, err := p.Expect(ctx, s, text("never"))
					done <- err
				}()
				var err error
				select {
				case err = <-done:
				case <-watchdog.Done():
					t.Fatal("Expect still waits after the output ended")
				}
				var e *ExpectError
				if !errors.As(err, &e) || !errors.Is(err, ErrEOF) || e.Stream != s {
					t.Fatalf("Expect: %v, want an *ExpectError for ErrEOF", err)
				}
				if !strings.Contains(e.Recent, "no match here\n") {
					t.Errorf("Recent = %q, want the output", e.Recent)
				}
			})
		}
	}
}

// A match split between two reads is found, for text and for regexps.
func TestExpectAcrossReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pat  Pattern
	}{
		{"text", text("hello world")},
		{"regexp", Pattern{Regexp: regexp.MustCompile(`hel+o\s+w\w+d`)}},
	}
	for _, mode := range modes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t, 10*time.Second)
				tr := newTranscript()
				c := helperCmd(t, "write", "> hel", "<sig>", "lo wor", "<sig>", "ld <")
				c.TTY, c.Observe = mode.tty, tr.observe
				p := mustStart(t, ctx, c)
				type result struct {
					m   *Match
					err error
				}
				done := make(chan result, 1)
				go func() {
					m, err := p.Expect(ctx, Stdout, tt.pat)
					done <- result{m, err}
				}()
				for _, seen := range []string{"> hel", "> hello wor"} {
					if err := tr.waitFor(ctx, seen); err != nil {
						t.Fatal(err)
					}
					if err := p.Signal(syscall.SIGUSR1); err != nil {
						t.Fatal(err)
					}
				}
				r := <-done
				if r.err != nil || r.m.Text != "hello world" || r.m.Before != "> " {
					t.Fatalf("Expect = %+v, %v; want %q after %q", r.m, r.err, "hello world", "> ")
				}
			})
		}
	}
}

// Unconsumed output beyond BufferSize is dropped, oldest first; what is
// kept still matches.
func TestExpectBoundedMemory(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			const n, marker = 1 << 20, "THE-END"
			c := helperCmd(t, "lots", strconv.Itoa(n), marker)
			c.TTY, c.BufferSize = mode.tty, 1 // The least is 2*RegexpWindow.
			p := mustStart(t, ctx, c)
			if _, err := p.Wait(ctx); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			total := int64(len("start\n") + n + len(marker+"\n"))
			b, dropped := p.Unconsumed(Stdout)
			if len(b) > 2*RegexpWindow || dropped == 0 || dropped+int64(len(b)) != total {
				t.Errorf("Unconsumed: %d bytes kept, %d dropped; want at most %d kept of %d", len(b), dropped, 2*RegexpWindow, total)
			}
			if !strings.HasSuffix(string(b), marker+"\n") {
				t.Errorf("what is kept does not end with the marker: ...%q", b[max(len(b)-40, 0):])
			}
			if _, err := p.Expect(ctx, Stdout, text("start\n")); !errors.Is(err, ErrEOF) {
				t.Errorf("Expect of dropped output: %v, want ErrEOF", err)
			}
			if m := expect(t, ctx, p, Stdout, text(marker)); len(m.Before) > 2*RegexpWindow {
				t.Errorf("Before holds %d bytes, more than was kept", len(m.Before))
			}
			if r := p.Recent(Stdout); len(r) > tailSize {
				t.Errorf("Recent holds %d bytes, more than %d", len(r), tailSize)
			}
		})
	}
}

func TestExpectNoStream(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "hang")
	c.StdoutPipe = true
	p := mustStart(t, ctx, c)
	for _, s := range []Stream{Stdout, Stream(7)} {
		var e *Error
		if _, err := p.Expect(ctx, s, text("ready")); !errors.As(err, &e) || e.Op != "expect" {
			t.Errorf("Expect(%s): %v, want an *Error", s, err)
		}
	}
	// Stderr is still there.
	p.Signal(syscall.SIGKILL)
	if _, err := p.Expect(ctx, Both, Pattern{EOF: true}); err != nil {
		t.Errorf("Expect(both, EOF): %v, want stderr's end", err)
	}
}

// Observe sees each stream's raw output under its own name; Expects on
// the two streams may run at once.
func TestObserveAndConcurrentExpects(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	var mu sync.Mutex
	seen := map[Stream]string{}
	c := helperCmd(t, "outerr")
	c.Observe = func(s Stream, b []byte) {
		mu.Lock()
		seen[s] += string(b)
		mu.Unlock()
	}
	p := mustStart(t, ctx, c)
	errs := make(chan error, 2)
	for _, s := range []Stream{Stdout, Stderr} {
		go func() {
			_, err := p.Expect(ctx, s, text("to "+s.String()+"\n"))
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[Stdout] != "to stdout\n" || seen[Stderr] != "to stderr\n" || len(seen) != 2 {
		t.Errorf("Observe saw %q", seen)
	}
}

// An idle timeout fires when nothing arrives, not while output that does
// not match keeps coming; the total deadline still bounds the latter.
func TestExpectIdle(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "hang")
			c.TTY = mode.tty
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			_, err := p.ExpectIdle(ctx, 100*time.Millisecond, Stdout, text("never"))
			var e *ExpectError
			if !errors.As(err, &e) || !errors.Is(err, ErrIdle) || e.Idle != 100*time.Millisecond {
				t.Fatalf("ExpectIdle on a silent process: %v, want ErrIdle after 100ms", err)
			}
			if !strings.Contains(e.Error(), "no output for 100ms (idle timeout)") {
				t.Errorf("Error() = %q", e.Error())
			}

			c = helperCmd(t, "tick")
			c.TTY = mode.tty
			busy := mustStart(t, ctx, c)
			// From its first tick: a loaded machine may take a second to
			// start it, and that silence would be idleness indeed.
			expect(t, ctx, busy, Stdout, text("tick"))
			// Ticks come every 10ms; a second without one would take a
			// very loaded machine.
			short, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
			defer cancel()
			_, err = busy.ExpectIdle(short, time.Second, Stdout, text("never"))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("ExpectIdle on a busy process: %v, want the total deadline, not idleness", err)
			}
		})
	}
}

// RecentRaw keeps what a terminal sent before cooking; Recent what was
// matched.
func TestRecentRaw(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "write", "\x1b[1mbold\x1b[0m line\n")
	c.TTY = true
	p := mustStart(t, ctx, c)
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := p.Expect(short, Stdout, text("never"))
	var e *ExpectError
	if !errors.As(err, &e) {
		t.Fatalf("Expect: %v", err)
	}
	if e.Recent != "bold line\n" || e.RecentRaw != "\x1b[1mbold\x1b[0m line\r\n" {
		t.Errorf("Recent = %q, RecentRaw = %q", e.Recent, e.RecentRaw)
	}
}
