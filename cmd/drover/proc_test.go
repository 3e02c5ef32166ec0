package main

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
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

// droverEnv runs the built binary with env as its whole environment.
func droverEnv(t *testing.T, env []string, args ...string) (code int, out string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, drover, args...)
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*osexec.ExitError); ok {
		return ee.ExitCode(), string(b)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(b)
}

// A program is looked up in the PATH the script gives its processes, by
// check, by run's preflight and at the start, not in drover's.
func TestScriptPath(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	prog := filepath.Join(bin, "drover-only-here")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho only here\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := func(path string) []string {
		out := []string{"PATH=" + path}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "PATH=") {
				out = append(out, kv)
			}
		}
		return out
	}
	dir := t.TempDir()
	found := writeScript(t, dir, "found.yaml", `env: {PATH: "`+bin+`:/usr/bin:/bin"}
steps:
  - run: {cmd: [drover-only-here], stdout: only here}
  - spawn: [drover-only-here]
  - expect: only here
`)
	// Known only at the run: preflight leaves it to the start.
	later := writeScript(t, dir, "later.yaml", `vars: {bin: `+bin+`}
env: {PATH: "${bin}:/usr/bin:/bin"}
steps:
  - run: {cmd: [drover-only-here], stdout: only here}
`)
	for _, f := range []string{found, later} {
		for _, cmd := range []string{"check", "run"} {
			if code, out := droverEnv(t, env("/usr/bin:/bin"), cmd, f); code != 0 {
				t.Errorf("drover %s %s: exit %d\n%s", cmd, filepath.Base(f), code, out)
			}
		}
	}

	// The reverse: in drover's PATH, not in the script's.
	missing := writeScript(t, dir, "missing.yaml", `env: {PATH: "/usr/bin:/bin"}
steps:
  - run: [drover-only-here]
`)
	code, out := droverEnv(t, env(bin+":/usr/bin:/bin"), "run", missing)
	want := `missing.yaml:3:5: run: program "drover-only-here" is not installed (not found in PATH "/usr/bin:/bin", which env sets)`
	if code != 2 || !strings.Contains(out, want) {
		t.Errorf("drover run missing.yaml: exit %d, want 2 and %s\n%s", code, want, out)
	}
	missingLater := writeScript(t, dir, "missing-later.yaml", `vars: {path: "/usr/bin:/bin"}
env: {PATH: "${path}"}
steps:
  - run: [drover-only-here]
`)
	code, out = droverEnv(t, env(bin+":/usr/bin:/bin"), "run", missingLater)
	if code != 1 || !strings.Contains(out, "drover-only-here") || !strings.Contains(out, "PATH /usr/bin:/bin") {
		t.Errorf("drover run missing-later.yaml: exit %d, want 1 naming the program and the PATH\n%s", code, out)
	}
}
