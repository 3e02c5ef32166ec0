//go:build unix

package script

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestEachNotRegular: a named pipe or a device named by lines: or csv: is
// an error when the script is read; opening a pipe would block the parser
// until a writer came, and /dev/zero never ends.
func TestEachNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"fifo", "/dev/zero"} {
		_, err := Parse(filepath.Join(dir, "t.yaml"), []byte("steps:\n  - each: {csv: "+file+", steps: [{log: x}]}\n"))
		if want := "2:17: each: csv: " + file + ": cannot read it: not a regular file"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
}
