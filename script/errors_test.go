package script

import (
	"errors"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// A failed operation on a process names it as the script does, says how
// an exited one ended when that is known, and still unwraps to what exec
// returned.
func TestProcError(t *testing.T) {
	t.Parallel()
	exited := &exec.Error{Op: "send", Name: "/usr/bin/sqlite3", Err: exec.ErrExited}
	tests := []struct {
		err  *procError
		want string
	}{
		{&procError{proc: "db", status: &exec.Status{Code: 3}, err: exited}, "db has exited (exit 3)"},
		{&procError{proc: "db", err: exited}, "db has exited"},
		{&procError{proc: "db", err: &exec.Error{Op: "resize", Name: "sh", Err: exec.ErrNoTTY}}, "db runs on pipes (tty: false), so it has no terminal"},
		{&procError{proc: "db", err: &exec.ExpectError{Patterns: []exec.Pattern{{Text: "x"}}, Stream: exec.Stdout, Err: exec.ErrEOF}}, `db: stdout ended after 0s without "x"`},
		{&procError{proc: "db", err: &exec.Error{Op: "send", Name: "cat", Err: errors.New("stdin was closed")}}, "db: stdin was closed"},
		{&procError{proc: "db", err: errors.New("bad")}, "db: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	var err error = tests[0].err
	if xe, ok := errors.AsType[*exec.Error](err); !ok || xe != exited || !errors.Is(err, exec.ErrExited) {
		t.Errorf("%v does not unwrap to exec's error", err)
	}
}
