//go:build unix

package exec

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// heavyRegexp takes seconds to fail on a few kilobytes of word characters:
// its program has about 12000 instructions.
var heavyRegexp = regexp.MustCompile(strings.Repeat(`\w{1,1000}`, 6) + `!`)

// A heavy regexp's scan stops with the Expect's context: a timeout or a
// cancel (Ctrl-C) takes effect at once, not after the scan of the whole
// output (28s and 10s on 200 KB before).
func TestExpectHeavyRegexpStops(t *testing.T) {
	t.Parallel()
	half := strings.Repeat("abcdefghij", 10_000) // 200 KB in two arguments
	for _, how := range []string{"timeout", "cancel"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 20*time.Second)
			p := mustStart(t, ctx, helperCmd(t, "write", half, half))
			ectx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if how == "cancel" {
				ectx, cancel = context.WithCancel(ctx)
				defer cancel()
				time.AfterFunc(300*time.Millisecond, cancel)
			}
			began := time.Now()
			_, err := p.Expect(ectx, Stdout, Pattern{Regexp: heavyRegexp})
			took := time.Since(began)
			want := context.DeadlineExceeded
			if how == "cancel" {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Fatalf("Expect = %v, want %v", err, want)
			}
			if took > 3*time.Second {
				t.Errorf("Expect returned %s after it began, for a context done after 300ms", took)
			}
		})
	}
}

// Whether a regexp matches does not depend on how the output was split
// into reads: a match longer than RegexpWindow is never accepted, one
// within it always is, and after a long match passed over, a later short
// one is found.
func TestMatchWindowInTheStream(t *testing.T) {
	t.Parallel()
	long := "START" + strings.Repeat("x", 100_000) + "END"
	short := "START" + strings.Repeat("x", 50_000) + "END"
	digits := strings.Repeat("7", 70_000)
	tests := []struct {
		name, out, re string
		want          string // the matched text; "" for none
	}{
		{"long", long, `START[a-z]*END`, ""},
		{"short", short, `START[a-z]*END`, short},
		{"long then short", long + " START-x-END", `START[a-z-]*END`, "START-x-END"},
		{"nested start", "START" + long, `START[A-Za-z]*END`, ""},
		// Patterns that cannot match a part of the output that ends
		// where a read does.
		{"line of digits then a number", digits + "\n42\n", `(?m)^\d+\n`, "42\n"},
		{"line of digits, not its end", "x" + digits + "\n", `(?m)^\d+\n`, ""},
		{"word after a long word", digits + " 42 ", `\b\d+ `, "42 "},
		{"anchored", long + "START-END", `^START[A-Z-]*END`, ""},
		// Passed over, a long match gives way to the last RegexpWindow
		// bytes of it, found in one look, not one a byte.
		{"long word", strings.Repeat("w", 100_000) + ";", `\w+;`, strings.Repeat("w", RegexpWindow-1) + ";"},
	}
	for _, tt := range tests {
		// Whole: in one read. Split: the end arrives in a later read, at
		// several places.
		for _, at := range []int{0, 1, len(tt.out) / 2, len(tt.out) - 3} {
			t.Run(fmt.Sprintf("%s/split at %d", tt.name, at), func(t *testing.T) {
				t.Parallel()
				st := newStream(0)
				scs := newScanners(Pattern{Regexp: regexp.MustCompile(tt.re)})
				var m *Match
				for _, chunk := range []string{tt.out[:at], tt.out[at:]} {
					feed(st, []byte(chunk))
					if m, _ = st.match(scs); m != nil {
						break
					}
				}
				switch {
				case m == nil && tt.want != "":
					t.Errorf("no match, want %.20q (%d bytes)", tt.want, len(tt.want))
				case m != nil && m.Text != tt.want:
					t.Errorf("matched %.20q (%d bytes), want %.20q (%d bytes)", m.Text, len(m.Text), tt.want, len(tt.want))
				}
			})
		}
	}
}

// An Expect that fails because the only match is longer than RegexpWindow
// says so, whether the scanners saw the match or not.
func TestExpectTooLongSaysSo(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 100_000)
	for _, split := range []bool{false, true} {
		t.Run(fmt.Sprintf("split=%t", split), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 20*time.Second)
			args := []string{"START" + body + "END"}
			if split {
				args = []string{"START" + body, "<sig>", "END"}
			}
			tr := newTranscript()
			c := helperCmd(t, "write", args...)
			c.Observe = tr.observe
			p := mustStart(t, ctx, c)
			if split {
				if err := tr.waitFor(ctx, "START"+body); err != nil {
					t.Fatal(err)
				}
				// The Expect below scans the first part alone, then the end.
				time.AfterFunc(300*time.Millisecond, func() { _ = p.Signal(syscall.SIGUSR1) })
			}
			_, err := p.Expect(ctx, Stdout, Pattern{Regexp: regexp.MustCompile(`START[a-z]*END`)})
			var e *ExpectError
			if !errors.As(err, &e) || !errors.Is(err, ErrEOF) {
				t.Fatalf("Expect = %v, want an ExpectError at EOF", err)
			}
			want := "a match of 100008 bytes was found, longer than the 64 KiB a match may span"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// A regexp that matches the empty string, after a word at the end of the
// output, is looked for without running past the end.
func TestMatchEmptyAtTheEnd(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`\b`, `\B`, `(?m)^`, `(?m)^$`, `x*`} {
		st := newStream(0)
		feed(st, []byte(strings.Repeat("w", 3*RegexpWindow)))
		scs := newScanners(Pattern{Regexp: regexp.MustCompile(src)})
		for range 3 {
			st.match(scs)
		}
	}
}

// Random outputs of long runs, split at random places: the match found,
// if any, is the same as in one read, and never longer than RegexpWindow.
func TestMatchSplitsAgree(t *testing.T) {
	t.Parallel()
	pats := []string{`START[a-z]*END`, `\w+;`, `(?m)^\d+\n`, `\b\d+ `, `x[^y]*y`}
	pieces := []string{"START", "END", ";", "\n", " ", "y", "42"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(strings.Repeat(string("x7w"[rng.IntN(3)]), rng.IntN(140_000)))
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		out := b.String()
		src := pats[i%len(pats)]
		find := func(cuts ...int) *Match {
			st := newStream(0)
			scs := newScanners(Pattern{Regexp: regexp.MustCompile(src)})
			prev := 0
			for _, c := range append(cuts, len(out)) {
				feed(st, []byte(out[prev:c]))
				prev = c
				if m, _ := st.match(scs); m != nil {
					return m
				}
			}
			return nil
		}
		whole := find()
		a, b2 := rng.IntN(len(out)+1), rng.IntN(len(out)+1)
		split := find(min(a, b2), max(a, b2))
		if whole != nil && len(whole.Text) > RegexpWindow {
			t.Fatalf("%s: a match of %d bytes", src, len(whole.Text))
		}
		same := whole == nil && split == nil ||
			whole != nil && split != nil && whole.Text == split.Text && len(whole.Before) == len(split.Before)
		if !same {
			t.Errorf("%s on %d bytes, split at %d and %d: %s in one read, %s in three", src, len(out), min(a, b2), max(a, b2), summary(whole), summary(split))
		}
	}
}

func summary(m *Match) string {
	if m == nil {
		return "no match"
	}
	return fmt.Sprintf("%d bytes after %d", len(m.Text), len(m.Before))
}
