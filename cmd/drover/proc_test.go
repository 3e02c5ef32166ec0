package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover-dev/drover/exec"
)

// runOnTTY runs drover as the session leader of a pseudo-terminal, its
// controlling terminal, as from a shell, and returns its status and output.
func runOnTTY(t *testing.T, dir string, args ...string) (*exec.Status, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var raw strings.Builder
	p, err := exec.Start(ctx, &exec.Cmd{
		Args: append([]string{drover}, args...), Dir: dir, TTY: true,
		Env: append(os.Environ(), "NO_COLOR=1"),
		Observe: func(_ exec.Stream, b []byte) {
			mu.Lock()
			raw.Write(b)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Expect(ctx, exec.Stdout, exec.Pattern{EOF: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := p.Wait(ctx)
	if st == nil {
		t.Fatalf("drover %s: still running after a minute", strings.Join(args, " "))
	}
	mu.Lock()
	defer mu.Unlock()
	return st, raw.String()
}

// A run step that reads the terminal fails at once with the program's own
// error, even when drover has a controlling terminal: pipe processes have
// none. It used to be stopped by SIGTTIN and wait out its timeout.
func TestPipeProcessHasNoTerminal(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "tty.yaml", `steps:
  - run:
      shell: 'read x < /dev/tty'
      timeout: 30s
`)
	start := time.Now()
	st, out := runOnTTY(t, ".", "run", script)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("took %v: the step waited for its 30s timeout", took)
	}
	if st.Code != 1 {
		t.Errorf("drover: %v, want exit 1\n%s", st, out)
	}
	if !strings.Contains(out, "/dev/tty") || !strings.Contains(strings.ToLower(out), "no such device") {
		t.Errorf("the failure does not show the program's error:\n%s", out)
	}
	if strings.Contains(out, "timeout") {
		t.Errorf("the step timed out:\n%s", out)
	}
}
