package exec

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// readProc reads a file whole, however long, as os.ReadFile does, and
// fails as it does.
func TestReadProc(t *testing.T) {
	long := filepath.Join(t.TempDir(), "long")
	if err := os.WriteFile(long, bytes.Repeat([]byte("0123456789abcdef"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{long, "/proc/self/environ", "/proc/self/cmdline"} {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readProc(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes, %v; want %d", path, len(got), err, len(want))
		}
	}
	if _, err := readProc(filepath.Join(t.TempDir(), "gone")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
}

// rereadProc reads a file it holds open whole, from its start, each time.
func TestRereadProc(t *testing.T) {
	long := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	path := filepath.Join(t.TempDir(), "long")
	if err := os.WriteFile(path, long, 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := openProc(path)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	for i := range 2 {
		if got, err := rereadProc(fd); err != nil || !bytes.Equal(got, long) {
			t.Errorf("read %d: %d bytes, %v; want %d", i+1, len(got), err, len(long))
		}
	}
}

// BenchmarkChildrenFile is what a look at this program's children costs:
// the children file of its main thread opened, read and closed
// (readProc), against read again from the file kept open (rereadProc).
func BenchmarkChildrenFile(b *testing.B) {
	s := strconv.Itoa(os.Getpid())
	path := "/proc/" + s + "/task/" + s + "/children"
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := readProc(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reread", func(b *testing.B) {
		fd, err := openProc(path)
		if err != nil {
			b.Fatal(err)
		}
		defer syscall.Close(fd)
		for b.Loop() {
			if _, err := rereadProc(fd); err != nil {
				b.Fatal(err)
			}
		}
	})
}
