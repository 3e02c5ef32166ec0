//go:build unix

package exec

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Output judges contains and lines on every byte of the unconsumed
// output, the part dropped to bound memory included: a watched text is
// found in it, across the cut between dropped and kept bytes and across
// two drops, and its lines are counted.
func TestOutputSeesDroppedBytes(t *testing.T) {
	t.Parallel()
	filler := strings.Repeat("y", 3*RegexpWindow) // Past a stream's least bound: a drop each.
	tests := []struct {
		name   string
		chunks []string
		text   string
		found  bool
	}{
		{"first", []string{"ERROR\n", filler, filler}, "ERROR", true},
		{"never", []string{"ERRO\n", filler, filler}, "ERROR", false},
		{"last", []string{filler, filler, "ERROR"}, "ERROR", true},
		// "y\nERR" + "OR": the drop cuts inside the text, wherever it falls.
		{"across drops", []string{filler, "\nERR", "OR" + filler, filler}, "ERROR", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, watch := range [][]string{{tt.text, "other"}, nil} {
				st := newStream(1)
				st.setWatch(watch, watch != nil)
				var all bytes.Buffer
				for _, c := range tt.chunks {
					all.WriteString(c)
					feed(st, []byte(c))
				}
				o := st.output()
				if o.Dropped == 0 {
					t.Fatal("nothing dropped: the test proves nothing")
				}
				found, known := o.Contains(tt.text)
				inKept := bytes.Contains(o.Kept, []byte(tt.text))
				switch {
				case watch != nil && (!known || found != tt.found):
					t.Errorf("watched: Contains(%q) = %t, %t; want %t, true", tt.text, found, known, tt.found)
				case watch == nil && (known != inKept || found != inKept):
					t.Errorf("not watched: Contains(%q) = %t, %t; want %t, %t", tt.text, found, known, inKept, inKept)
				}
				want := int64(strings.Count(all.String(), "\n") + 1)
				if n, known := o.Lines(); watch != nil && (n != want || !known) || watch == nil && known {
					t.Errorf("Lines() = %d, %t; want %d, %t", n, known, want, watch != nil)
				}
			}
		})
	}
}

// A text split between dropped bytes and the kept ones is found too, at
// every place of the cut.
func TestOutputTextAcrossTheCut(t *testing.T) {
	t.Parallel()
	const text = "NEEDLE"
	for i := range len(text) + 1 {
		st := newStream(1)
		st.setWatch([]string{text}, false)
		feed(st, []byte(strings.Repeat("y", st.max-i)+text)) // Over max: half is dropped.
		feed(st, []byte(strings.Repeat("y", st.max/2+1)))
		o := st.output()
		if found, known := o.Contains(text); !found || !known {
			t.Errorf("cut %d bytes into %q: Contains = %t, %t; want true, true", i, text, found, known)
		}
	}
}

// Lines counts a last line without "\n", in the kept or the dropped part.
func TestOutputLines(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		chunks []string
		want   int64
	}{
		{nil, 0},
		{[]string{"a"}, 1},
		{[]string{"a\n"}, 1},
		{[]string{"a\nb"}, 2},
		{[]string{strings.Repeat("line\n", 100_000)}, 100_000},
		{[]string{strings.Repeat("line\n", 100_000), "last"}, 100_001},
	} {
		st := newStream(1)
		st.setWatch(nil, true)
		for _, c := range tt.chunks {
			feed(st, []byte(c))
		}
		if n, _ := st.output().Lines(); n != tt.want {
			t.Errorf("%d bytes: Lines() = %d, want %d", len(strings.Join(tt.chunks, "")), n, tt.want)
		}
	}
}

// Cmd.Watch reaches both streams of a process: a text printed before
// megabytes of output is still found, on pipes and under a tty.
func TestWatchProcess(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 20*time.Second)
			c := helperCmd(t, "lots", fmt.Sprint(1<<20), "END")
			c.TTY, c.BufferSize, c.Watch = mode.tty, 1, []string{"start", "absent"}
			p := mustStart(t, ctx, c)
			if _, err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			o := p.Output(Stdout)
			if o.Dropped == 0 {
				t.Fatal("nothing dropped")
			}
			if found, known := o.Contains("start"); !found || !known {
				t.Errorf(`Contains("start") = %t, %t; want true, true`, found, known)
			}
			if found, known := o.Contains("absent"); found || !known {
				t.Errorf(`Contains("absent") = %t, %t; want false, true`, found, known)
			}
			if _, known := o.Contains("unwatched"); known {
				t.Errorf(`Contains("unwatched") is known, with %d bytes dropped`, o.Dropped)
			}
		})
	}
}

// A watched text split between two drops is found, with the carry of the
// first; one split by a consumed part between them is not.
func TestAccountCarry(t *testing.T) {
	t.Parallel()
	for i := 1; i < len("NEEDLE"); i++ {
		st := newStream(1)
		st.setWatch([]string{"NEEDLE", "x"}, false)
		st.account([]byte("aaaa" + "NEEDLE"[:i]))
		st.account([]byte("NEEDLE"[i:] + "bbbb"))
		if !st.seen[0] {
			t.Errorf("NEEDLE dropped in two parts at %d: not seen", i)
		}
	}
	st := newStream(1)
	st.setWatch([]string{"NEEDLE"}, false)
	st.account([]byte("aaNEE"))
	feed(st, []byte("consumed"))
	st.mu.Lock()
	st.consume(len("consumed"))
	st.mu.Unlock()
	st.account([]byte("DLE"))
	if st.seen[0] {
		t.Error("NEEDLE seen across a consumed part")
	}
}
