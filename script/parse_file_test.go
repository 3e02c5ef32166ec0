package script

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestParseFileLong: ParseFile reads a long script's steps from the file
// again, a chunk at a time; the Script, or the errors, are Parse's.
func TestParseFileLong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := roundTrips(3_000)
	bad := append(bytes.Clone(good), "  - expect: {timeout: never}\n"...)
	for name, src := range map[string][]byte{"good.yaml": good, "bad.yaml": bad} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
		got, gotErr := ParseFile(file)
		want, wantErr := Parse(file, src)
		if gotErr == nil != (name == "good.yaml") || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("%s: error %v, want %v", name, gotErr, wantErr)
		}
		if !sameValue(got, want) {
			t.Fatalf("%s: %s", name, firstDiff(got, want))
		}
	}
}

// rereader is a file whose bytes may change after the first reading, and
// which runs check at its chunk'th ReadAt.
type rereader struct {
	data  []byte
	reads int
	chunk int
	check func()
}

func (r *rereader) ReadAt(b []byte, off int64) (int, error) {
	if r.reads++; r.reads == r.chunk && r.check != nil {
		r.check()
	}
	return bytes.NewReader(r.data).ReadAt(b, off)
}

// TestParseChunkedAtChanged: a chunk that reads back different from the
// source first read fails the chunked parse (ParseFile then reads the
// whole file again), rather than giving steps of two versions of it.
func TestParseChunkedAtChanged(t *testing.T) {
	t.Parallel()
	src := roundTrips(3_000)
	if parseChunkedAt("big.yaml", bytes.Clone(src), &rereader{data: src}, chunkSteps) == nil {
		t.Fatal("the same file again: not read in chunks")
	}
	changed := bytes.Replace(src, []byte("ping-2999\n"), []byte("pong-2999\n"), 1)
	if s := parseChunkedAt("big.yaml", bytes.Clone(src), &rereader{data: changed}, chunkSteps); s != nil {
		t.Fatalf("a chunk changed since the first reading: got a Script, its send %q", s.Steps[len(s.Steps)-4].(*Send).Text)
	}
}

// TestParseChunkedAtDropsSource: while the steps are read from the file,
// the source first read is not held: it is freed by the time the last
// chunk is read.
func TestParseChunkedAtDropsSource(t *testing.T) {
	var freed atomic.Bool
	src := roundTrips(3_000)
	r := &rereader{data: bytes.Clone(src), chunk: len(findSteps(src, chunkSteps).chunks)}
	r.check = func() {
		for start := time.Now(); !freed.Load() && time.Since(start) < 10*time.Second; {
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	if parseChunkedAt("big.yaml", watched(src, &freed), r, chunkSteps) == nil {
		t.Fatal("not read in chunks")
	}
	if !freed.Load() {
		t.Error("the source was still held when the last chunk was read")
	}
}

// watched returns a copy of src that sets freed once it is collected.
func watched(src []byte, freed *atomic.Bool) []byte {
	c := bytes.Clone(src)
	runtime.AddCleanup(&c[0], func(f *atomic.Bool) { f.Store(true) }, freed)
	return c
}

// TestPosLongFiles: a position past line 65,535 is kept, and one past
// what a Pos holds is kept at its largest rather than wrapped around.
func TestPosLongFiles(t *testing.T) {
	t.Parallel()
	src := roundTrips(33_000)
	s, err := Parse("big.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(src, []byte("\n"))
	if p := s.Steps[len(s.Steps)-1].Position(); int(p.Line) != lines || lines <= 1<<16 {
		t.Errorf("last step at %v, want big.yaml:%d:5 (past 65536)", p, lines)
	}
	if p := posAt("f", math.MaxInt, math.MaxInt); p.Line != math.MaxInt32 || p.Col != math.MaxInt32 {
		t.Errorf("posAt past the largest: %d:%d", p.Line, p.Col)
	}
}

// TestParseFileFIFO: a long script from a FIFO, which cannot be read
// twice, is read once, as Parse reads it.
func TestParseFileFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "big.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	src := roundTrips(3_000)
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Write(src)
			f.Close()
		}
	}()
	got, err := ParseFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Parse(fifo, src); !sameValue(got, want) {
		t.Fatal(firstDiff(got, want))
	}
}
