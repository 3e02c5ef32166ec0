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

// runOnTerminal runs drover under a pseudo-terminal with env added to its
// environment (CI removed) and returns the raw bytes it wrote.
func runOnTerminal(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var raw strings.Builder
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CI=") && !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			base = append(base, kv)
		}
	}
	p, err := exec.Start(ctx, &exec.Cmd{
		Args: append([]string{drover}, args...), Dir: dir, TTY: true,
		Env: append(base, env...),
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
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return raw.String()
}

// TestTerminal: on a terminal, results are coloured and a progress line
// is kept under them (and removed at the end); NO_COLOR turns colour off;
// on a pipe there is neither.
func TestTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "two.yaml", `name: two
matrix: {n: [1, 2]}
steps:
  - sleep: 1800ms
`)
	quick := writeScript(t, dir, "quick.yaml", "name: quick\nmatrix: {n: [1, 2]}\nsteps:\n  - log: hi\n")
	raw := runOnTerminal(t, dir, []string{"TERM=xterm"}, "run", "-j", "1", path)
	for _, want := range []string{"\x1b[32mPASS\x1b[0m", "[0/2] 0 failed, 1s", "[1/2] 0 failed", "\r\x1b[K2 passed, 0 failed"} {
		if !strings.Contains(raw, want) {
			t.Errorf("on a terminal, the output lacks %q:\n%q", want, raw)
		}
	}
	raw = runOnTerminal(t, dir, []string{"TERM=xterm", "NO_COLOR=1"}, "run", quick)
	if strings.Contains(raw, "\x1b[32m") || !strings.Contains(raw, "PASS") {
		t.Errorf("with NO_COLOR, the output is coloured:\n%q", raw)
	}
	raw = runOnTerminal(t, dir, []string{"TERM=xterm", "CI=true"}, "run", "-j", "1", path)
	if strings.Contains(raw, "[1/2]") {
		t.Errorf("in CI, a progress line was drawn:\n%q", raw)
	}
	_, out, _ := droverRun(t, dir, "run", quick)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("on a pipe, the output has escape sequences:\n%q", out)
	}
}
