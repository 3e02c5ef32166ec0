//go:build unix

package exec

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// readerOn starts st's reader on a new pipe, cooking as under a tty when
// tty is set, and returns the pipe's write end.
func readerOn(t *testing.T, st *stream, tty bool) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var c *cooker
	if tty {
		c = &cooker{}
	}
	go st.read(r, c, nil)
	t.Cleanup(func() {
		_ = w.Close()
		<-st.done
		_ = r.Close()
	})
	return w
}

// write writes b to w and waits until st's reader has taken it in.
func write(t *testing.T, st *stream, w *os.File, b string) {
	t.Helper()
	st.mu.Lock()
	want := st.received + int64(len(b))
	st.mu.Unlock()
	if _, err := w.WriteString(b); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		st.mu.Lock()
		got := st.received
		st.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reader took %d bytes of %d in 10s", got, want)
		}
	}
}

// woken reports whether st's reader has woken the Expect since the last
// call, and forgets it.
func woken(st *stream) bool {
	select {
	case <-st.notify:
		return true
	default:
		return false
	}
}

// wokenSoon is woken for a wake-up that is due: the reader counts the
// bytes it took in (what write waits for) before it sends the wake-up,
// outside the lock, so the send may come a moment after.
func wokenSoon(st *stream) bool {
	select {
	case <-st.notify:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// The reader wakes a waiting Expect when its output may hold a match and
// not before: output that cannot match costs the Expect no wake-up. A
// match split at any byte, a tty's "\r\n" included, wakes it once its
// last byte has arrived, and the Expect then finds it where a search of
// the whole output would.
func TestReaderWakesForAMatch(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		out, want := "noise\nmore noise\nMARKER\ntail", "MARKER\n"
		if mode.tty {
			out, want = "noise\r\nmore noise\r\nMARKER\r\ntail", "MARKER\r\n"
		}
		end := len(out) - len("tail") // The match is whole after end bytes.
		for cut := 1; cut < len(out); cut++ {
			t.Run(mode.name+"/"+strconv.Itoa(cut), func(t *testing.T) {
				t.Parallel()
				st := newStream(0)
				w := readerOn(t, st, mode.tty)
				pat := Pattern{Text: want}
				if mode.tty {
					pat.Text = cookPattern(pat.Text)
				}
				scs := newScanners(pat)
				st.await(scs, nil)
				defer st.unawait()
				write(t, st, w, out[:cut])
				got := false
				if cut >= end {
					got = wokenSoon(st)
				} else {
					time.Sleep(time.Millisecond) // A wrong wake-up has time to come.
					got = woken(st)
				}
				if got != (cut >= end) {
					t.Fatalf("after %q: woken %v, want %v", out[:cut], got, cut >= end)
				}
				write(t, st, w, out[cut:])
				if cut < end && !wokenSoon(st) {
					t.Fatalf("after %q then %q: the Expect was not woken", out[:cut], out[cut:])
				}
				m, _ := st.match(scs)
				if m == nil || m.Text != pat.Text || m.Before != "noise\nmore noise\n" {
					t.Fatalf("match %+v; want %q after the noise", m, pat.Text)
				}
			})
		}
	}
}

// With no Expect waiting the reader wakes no one; with two on one stream
// it wakes them at every read, as it cannot tell whose patterns to look
// for; a regexp is left to the Expect, woken at every read; the end of
// the stream wakes the Expect whatever it waits for.
func TestReaderWakes(t *testing.T) {
	t.Parallel()
	st := newStream(0)
	w := readerOn(t, st, false)
	write(t, st, w, "nobody waits\n")
	time.Sleep(time.Millisecond) // A wrong wake-up has time to come.
	if woken(st) {
		t.Error("woken with no Expect waiting")
	}
	one, two := newScanners(text("never")), newScanners(text("nor this"))
	st.await(one, nil)
	st.await(two, nil)
	write(t, st, w, "two wait\n")
	if !wokenSoon(st) {
		t.Error("not woken with two Expects waiting")
	}
	st.unawait()
	write(t, st, w, "one left\n")
	if !wokenSoon(st) {
		t.Error("not woken with one Expect left of two, whose patterns the reader does not know")
	}
	st.unawait()
	st.await(newScanners(Pattern{Regexp: regexp.MustCompile(`never`)}), nil)
	write(t, st, w, "a regexp\n")
	if !wokenSoon(st) {
		t.Error("not woken for a regexp")
	}
	st.unawait()
	st.await(newScanners(text("never")), nil)
	defer st.unawait()
	write(t, st, w, "no match\n")
	time.Sleep(time.Millisecond) // A wrong wake-up has time to come.
	if woken(st) {
		t.Error("woken for output that does not match")
	}
	_ = w.Close()
	<-st.done
	if !wokenSoon(st) {
		t.Error("not woken at the end of the stream")
	}
}

// An Expect that waits while a program prints far more than the stream
// keeps, none of it matching until the end, finds the marker: the reader
// scans what it appends, dropped or not, and wakes the Expect for it.
func TestExpectWhileOutputIsDropped(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 20*time.Second)
			const n, marker = 8 << 20, "THE-END"
			c := helperCmd(t, "lots", strconv.Itoa(n), marker)
			c.TTY, c.BufferSize = mode.tty, 1 // The least is 2*RegexpWindow.
			p := mustStart(t, ctx, c)
			defer func() { _ = p.Terminate(context.Background(), time.Second) }()
			m := expect(t, ctx, p, Stdout, text(marker))
			if len(m.Before) > 2*RegexpWindow {
				t.Errorf("Before holds %d bytes, more than the stream keeps", len(m.Before))
			}
			if _, err := p.Wait(ctx); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if _, dropped := p.Unconsumed(Stdout); dropped == 0 {
				t.Error("nothing was dropped: the test proves nothing")
			}
		})
	}
}

// ExpectIdle gives up idle after the last output, though the reader does
// not wake it for output that cannot match: not idle after it next looked.
func TestExpectIdleFromLastOutput(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			var mu sync.Mutex
			var last time.Time // when output last arrived
			c := &Cmd{Args: []string{"sh", "-c", "echo a; sleep 0.2; echo b; exec sleep 60"}, TTY: mode.tty}
			c.Observe = func(Stream, []byte) {
				mu.Lock()
				last = time.Now()
				mu.Unlock()
			}
			p := mustStart(t, ctx, c)
			defer func() { _ = p.Terminate(context.Background(), time.Second) }()
			expect(t, ctx, p, Stdout, text("a\n"))
			_, err := p.ExpectIdle(ctx, idle, Stdout, text("never"))
			ended := time.Now()
			if !errors.Is(err, ErrIdle) {
				t.Fatalf("ExpectIdle: %v, want ErrIdle", err)
			}
			mu.Lock()
			since := ended.Sub(last)
			mu.Unlock()
			// Not a measure of speed: the wait it gives up after. Waiting
			// idle from when it next looked would be nearly 2*idle.
			if since < idle-50*time.Millisecond || since > idle+500*time.Millisecond {
				t.Errorf("gave up %v after the last output, want %v", since.Round(time.Millisecond), idle)
			}
		})
	}
}
