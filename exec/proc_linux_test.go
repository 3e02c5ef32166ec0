package exec

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
