//go:build unix

package exec

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const benchMarker = "DROVER-MARKER-END"

// BenchmarkMatcherThroughput finds a marker after 1, 16 and 256 MB of
// output: "stream" feeds a pipe from a goroutine straight into a stream,
// the matcher alone; "pipes" and "tty" read a helper process that prints
// the same output, the whole path from the program to Expect.
func BenchmarkMatcherThroughput(b *testing.B) {
	for _, size := range []int{1 << 20, 16 << 20, 256 << 20} {
		name := fmt.Sprintf("%dMB", size>>20)
		b.Run("stream/"+name, func(b *testing.B) { benchStream(b, size) })
		for _, mode := range modes {
			b.Run(mode.name+"/"+name, func(b *testing.B) { benchProcess(b, mode.tty, size) })
		}
	}
}

// benchStream writes size bytes of filler and the marker into a pipe that
// a stream reads, as it reads a process's stdout, and expects the marker.
func benchStream(b *testing.B, size int) {
	block := []byte(strings.Repeat(lotsLine, (64<<10)/len(lotsLine)))
	ctx := testContext(b, 10*time.Minute)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		st := newStream(0)
		st.file = r
		p := &Process{out: st, reaped: make(chan struct{})}
		go st.read(r, nil, nil)
		go func() {
			defer w.Close()
			for n := size; n > 0; n -= len(block) {
				if _, err := w.Write(block[:min(n, len(block))]); err != nil {
					return // The reader has gone; Expect reports it.
				}
			}
			_, _ = w.Write([]byte(benchMarker + "\n")) // Expect reports a loss.
		}()
		if _, err := p.Expect(ctx, Stdout, text(benchMarker)); err != nil {
			b.Fatal(err)
		}
		<-st.done
		_ = r.Close() // Read to its end.
	}
}

// benchProcess runs the lots helper and expects its marker.
func benchProcess(b *testing.B, tty bool, size int) {
	ctx := testContext(b, 10*time.Minute)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		c := helperCmd(b, "lots", strconv.Itoa(size), benchMarker)
		c.TTY = tty
		p := mustStart(b, ctx, c)
		if _, err := p.Expect(ctx, Stdout, text(benchMarker)); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			b.Fatal(err)
		}
		_ = p.Terminate(ctx, 0) // Releases its files now, not when the benchmark ends.
	}
}

// BenchmarkRoundTrip sends "ping-N" to an echoing helper and expects it
// back: under a tty (its echo off, so that only the program answers) and
// on pipes.
func BenchmarkRoundTrip(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			ctx := testContext(b, 10*time.Minute)
			var args []string
			if mode.tty {
				args = []string{"-noecho"}
			}
			c := helperCmd(b, "echo", args...)
			c.TTY = mode.tty
			p := mustStart(b, ctx, c)
			if mode.tty {
				expect(b, ctx, p, Stdout, text("ready\n"))
			}
			nl := enter(mode.tty)
			for i := 0; b.Loop(); i++ {
				ping := "ping-" + strconv.Itoa(i)
				if err := p.Send(ctx, []byte(ping+nl)); err != nil {
					b.Fatal(err)
				}
				if _, err := p.Expect(ctx, Stdout, text(ping+"\n")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCook cooks 1 MB of plain text and of colored terminal output.
func BenchmarkCook(b *testing.B) {
	inputs := map[string]string{
		"plain": lotsLine,
		"ansi":  "\x1b[1;32mok\x1b[0m the quick brown fox\r\n\x1b]0;title\x07\x1b[K",
	}
	for _, name := range []string{"plain", "ansi"} {
		in := bytes.Repeat([]byte(inputs[name]), (1<<20)/len(inputs[name]))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			var out []byte
			for b.Loop() {
				var c cooker
				out = c.flush(c.cook(out[:0], in))
			}
		})
	}
}
