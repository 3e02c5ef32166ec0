package script

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// A program that cannot start for want of descriptors names the limit,
// which is drover's, not the program's.
func TestStartErrorTooManyOpenFiles(t *testing.T) {
	err := startError(&exec.Error{Op: "start", Name: "cat", Err: syscall.EMFILE}, "cat", "")
	want := `program "cat" cannot be started: too many open files`
	if n := openFilesLimit(); n > 0 {
		want += fmt.Sprintf(" (ulimit -n %d)", n)
	}
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !errors.Is(err, syscall.EMFILE) || strings.Contains(err.Error(), "exec:") {
		t.Errorf("%q: lost EMFILE, or shows os/exec's words", err)
	}
}
