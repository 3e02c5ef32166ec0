package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests hold drover to its promises under hostile conditions: no
// process left behind, bounded memory, bad scripts refused cleanly,
// secrets kept.

// sleepSeq makes each test's sleep length, and so its processes, unique.
var sleepSeq atomic.Int64

// uniqueSleep returns a sleep length no other process on the machine is
// likely to use, to find a test's processes by.
func uniqueSleep() string {
	return fmt.Sprint(300000 + (time.Now().UnixNano()/1000+sleepSeq.Add(7919))%600000)
}

// waitNoneLeft waits a little for processes whose command line holds
// marker to go (a killed process takes a moment to die; a zombie counts
// as gone), then fails the test if any is left.
func waitNoneLeft(t *testing.T, marker, output string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(processesWith(t, marker)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := processesWith(t, marker); len(left) > 0 {
		for _, p := range left {
			pid, _, _ := strings.Cut(p, ":")
			if n, err := strconv.Atoi(pid); err == nil {
				if proc, err := os.FindProcess(n); err == nil {
					_ = proc.Kill() // Leave the machine clean.
				}
			}
		}
		t.Fatalf("processes left behind: %v\n%s", left, output)
	}
}

// A daemon that double-forks and calls setsid, leaving the group and the
// session of the process that started it, is ended with its script,
// whichever way the script ends.
func TestNoDaemonLeft(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a subreaper is Linux's")
	}
	need(t, "setsid")
	t.Parallel()
	// setsid -f forks, and its child starts a session of its own and
	// becomes the daemon: an orphan outside the script's process group.
	// The file "ready" says it has left: under a tty, a daemon still in
	// the session when its leader exits would die of SIGHUP.
	const daemon = `setsid -f sh -c 'echo > ready; exec sleep @' </dev/null >/dev/null 2>&1; while [ ! -e ready ]; do sleep 0.01; done; echo started`
	tests := []struct {
		name  string
		steps string
		code  int
	}{
		{"passed", `
  - spawn: {cmd: [sh, -c, "DAEMON; exec sleep @"], tty: false}
  - expect: started
`, 0},
		{"spawn exited", `
  - spawn: {cmd: [sh, -c, "DAEMON"]}
  - expect: started
  - wait:
`, 0},
		{"run", `
  - run: {shell: "DAEMON", stdout: started}
`, 0},
		{"failed", `
  - spawn: {cmd: [sh, -c, "DAEMON; exec sleep @"]}
  - expect: started
  - expect: {text: never printed, timeout: 100ms}
`, 1},
		{"timed out", `
  - spawn: {cmd: [sh, -c, "DAEMON; exec sleep @"], tty: false}
  - expect: started
  - sleep: 1m
`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			marker := uniqueSleep()
			dir := t.TempDir()
			steps := strings.ReplaceAll(tt.steps, "DAEMON", strings.ReplaceAll(daemon, `"`, `\"`))
			src := "name: daemon\ntimeout: 2s\nsteps:" + strings.ReplaceAll(steps, "@", marker)
			path := writeScript(t, dir, "daemon.yaml", src)
			code, out, errs := droverRun(t, dir, "run", path)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			waitNoneLeft(t, "sleep\x00"+marker, out+errs)
		})
	}
}

// Interrupted, drover ends a daemon that escaped its script's group too.
func TestInterruptEndsDaemon(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a subreaper is Linux's")
	}
	need(t, "setsid")
	t.Parallel()
	marker := uniqueSleep()
	dir := t.TempDir()
	path := writeScript(t, dir, "int.yaml", fmt.Sprintf(`name: interrupted daemon
steps:
  - spawn: {cmd: [sh, -c, "setsid -f sleep %[1]s </dev/null >/dev/null 2>&1; echo started; exec sleep %[1]s"]}
  - expect: started
  - sleep: 1m
`, marker))
	cmd, out := startDrover(t, dir, "run", path)
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 2)
	_ = cmd.Process.Signal(os.Interrupt)
	awaitExit(t, cmd, out)
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, out.String())
	}
	waitNoneLeft(t, "sleep\x00"+marker, out.String())
}

// Programs that misbehave give a clear result or error, never a hang,
// and leave nothing behind.
func TestMisbehavingPrograms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps string
		code  int
		want  []string // in stdout
	}{
		// It ignores the hang-up that comes first under a tty, too.
		{"ignores SIGTERM", `
  - spawn: {cmd: [sh, -c, "trap '' HUP TERM; echo up; exec sleep @"]}
  - expect: up
  - terminate: {grace: 200ms}
  - wait: {signal: KILL}
`, 0, nil},
		{"closes stdout and keeps running", `
  - spawn: {cmd: [sh, -c, "echo hi; exec >&-; exec sleep @"], tty: false}
  - expect: hi
  - expect: {text: more, timeout: 1m}
`, 1, []string{"expect: sh: stdout ended after", `without "more"`}},
		{"exits while a grandchild holds its output", `
  - run: {shell: "sleep @ & echo done", stdout: done}
  - spawn: {cmd: [sh, -c, "sleep @ & echo bye"], tty: false}
  - wait: {stdout: bye}
`, 0, nil},
		{"exits before a send", `
  - spawn: {cmd: [sh, -c, "exit 0"], tty: false}
  - wait:
  - send: too late
`, 1, []string{"send: sh has exited (exit 0)"}},
		{"exits before a send under a tty", `
  - spawn: [sh, -c, "exit 0"]
  - wait:
  - send: too late
`, 1, []string{"send: sh has exited (exit 0)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			marker := uniqueSleep()
			dir := t.TempDir()
			src := "name: misbehaves\ntimeout: 30s\nsteps:" + strings.ReplaceAll(tt.steps, "@", marker)
			path := writeScript(t, dir, "m.yaml", src)
			began := time.Now()
			code, out, errs := droverRun(t, dir, "run", path)
			if took := time.Since(began); took > 20*time.Second {
				t.Errorf("took %s: something waited for a timeout", took)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			waitNoneLeft(t, "sleep\x00"+marker, out+errs)
		})
	}
}

// bigOutput is a shell command that prints mb megabytes of hostile
// output, then "MARKER 42": a third is one line of NUL bytes without a
// newline, a third is 0xFF bytes (invalid UTF-8), a third is text lines.
func bigOutput(mb int) string {
	third := mb * 1000000 / 3
	return fmt.Sprintf(`head -c %[1]d /dev/zero; head -c %[1]d /dev/zero | tr '\0' '\377'; yes 'the quick brown fox' | head -c %[1]d; echo; echo 'MARKER 42'`, third)
}

// peakRSS runs drover with args under testdata/maxrss and returns its exit
// code, output and peak resident set size in bytes (that of its largest
// child if larger: they are sh, head, tr and yes).
func peakRSS(t *testing.T, dir string, args ...string) (int, string, int64) {
	t.Helper()
	wrapper := filepath.Join(t.TempDir(), "maxrss")
	if out, err := osexec.Command("go", "build", "-o", wrapper, "./testdata/maxrss").CombinedOutput(); err != nil {
		t.Fatalf("building testdata/maxrss: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kib := filepath.Join(dir, "maxrss.txt")
	cmd := osexec.CommandContext(ctx, wrapper, append([]string{kib, drover}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("drover %s: still running after 3m\n%s", strings.Join(args, " "), out.String())
	}
	if _, ok := err.(*osexec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(must(os.ReadFile(kib)))), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), n * 1024 // Linux counts KiB.
}

// A marker after hundreds of megabytes of hostile output is found in one
// pass, in bounded memory. DROVER_TEST_1GB=1 adds the 1 GB case.
func TestBigOutputBoundedMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss is in KiB on Linux only")
	}
	tests := []struct {
		name string
		mb   int
		tty  bool
	}{
		{"pipes 300MB", 300, false},
		{"tty 30MB", 30, true},
	}
	if os.Getenv("DROVER_TEST_1GB") == "1" {
		tests = append(tests, struct {
			name string
			mb   int
			tty  bool
		}{"pipes 1GB", 1000, false})
	}
	const limit = 64 << 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeScript(t, dir, "big.yaml", fmt.Sprintf(`name: big
timeout: 3m
steps:
  - spawn: {cmd: [sh, -c, %q], tty: %v}
  - expect: {re: 'MARKER (\d+)\n', capture: [n], timeout: 3m}
  - log: found ${n}
  - wait:
`, bigOutput(tt.mb), tt.tty))
			code, out, rss := peakRSS(t, dir, "run", path)
			if code != 0 || !strings.Contains(out, "found 42") {
				t.Fatalf("exit %d, want 0 and the marker found\n%s", code, out)
			}
			t.Logf("%s: peak RSS %.1f MB", tt.name, float64(rss)/(1<<20))
			if rss >= limit {
				t.Errorf("peak RSS %.1f MB, want under %d MB", float64(rss)/(1<<20), limit>>20)
			}
		})
	}
}

// hostileScripts are scripts built to hurt a parser: each must be
// refused with exit 2 and a file:line:col, fast, without a panic.
func hostileScripts() map[string]string {
	var steps strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&steps, "  - log: step %d\n", i)
	}
	nested := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for c := 'b'; c <= 'j'; c++ {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1)
	}
	return map[string]string{
		"10k_steps_then_unknown.yaml": "name: long\nsteps:\n" + steps.String() + "  - frobnicate: now\n",
		"alias_bomb.yaml":             bomb + "steps:\n  - log: x\n",
		"deep_nesting.yaml":           "steps:\n  - log: " + nested + "\n",
		"huge_scalar.yaml":            "name: " + strings.Repeat("x", 20<<20) + "\nsteps:\n  - sleep: forever\n",
		"wrong_types.yaml":            "name: [a]\ntimeout: {x: 1}\nenv: [1]\nvars: 3\nmatrix: x\nsteps: {log: x}\nfinally: 7\n",
		"unknown_steps.yaml":          "steps:\n  - spwan: [x]\n  - 42\n  - {}\n  - {expect: x, send: y}\n",
		"binary.yaml":                 "\x00\x01\xff\xfe{{[[::--\x1b[31m",
	}
}

// Hostile scripts are refused, through the binary, with exit 2 and a
// file:line:col for every error, fast and without a panic.
func TestHostileScripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var paths []string
	for name, src := range hostileScripts() {
		paths = append(paths, writeScript(t, dir, name, src))
	}
	bad, err := filepath.Glob("../../script/testdata/bad/*.yaml")
	if err != nil || len(bad) == 0 {
		t.Fatalf("no bad scripts in script/testdata/bad: %v", err)
	}
	for _, p := range bad {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, abs)
	}
	// A matrix's csv: file is at fault at its own row.
	placed := regexp.MustCompile(`^\S+\.(yaml:(\d+:\d+: | too many errors)|csv:\d+:\d+: )`)
	for _, cmd := range []string{"check", "run"} {
		for _, p := range paths {
			name := filepath.Base(filepath.Dir(p)) + "/" + filepath.Base(p)
			t.Run(cmd+"/"+name, func(t *testing.T) {
				t.Parallel()
				began := time.Now()
				code, out, errs := droverRun(t, dir, cmd, p)
				if took := time.Since(began); took > 10*time.Second {
					t.Errorf("took %s", took)
				}
				if code != exitUsage {
					t.Errorf("exit %d, want 2\n%s%s", code, out, clipOutput(errs))
				}
				if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
					t.Fatalf("a panic:\n%s", clipOutput(errs))
				}
				lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
				if len(lines) == 0 || lines[0] == "" {
					t.Fatalf("no error printed; stdout:\n%s", out)
				}
				for _, l := range lines {
					if !placed.MatchString(l) && !strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "\t") {
						t.Errorf("error line without file:line:col: %q", clipOutput(l))
					}
				}
			})
		}
	}
}

// clipOutput shortens s for a message.
func clipOutput(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}

// A value sent with secret: true never shows in drover's output, its
// reports or its errors, though the program echoes it back on the
// terminal, and whether the script passes or fails.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Qx7vZ" // Passed with --var: never in a file.
	tests := []struct {
		name  string
		steps string
		code  int
	}{
		{"passed", `
  - spawn: [cat]
  - send: {text: "${token}", secret: true}
  - expect: {re: '(s3cr3t-\S+)\n', capture: [echoed]}
  - log: cat answered ${echoed}
  - send: {eof: true}
  - wait: {stdout: "${token}"}
`, 0},
		{"failed expect", `
  - spawn: [cat]
  - send: {text: "${token}", secret: true}
  - expect: "${token}"
  - expect: {text: "${token}-never", timeout: 200ms}
`, 1},
		{"failed run", `
  - spawn: [cat]
  - send: {text: "${token}", secret: true}
  - expect: "${token}"
  - run: {shell: "echo ${token}; echo ${token} >&2; exit 3"}
`, 1},
		{"failed wait", `
  - spawn: {cmd: [cat], tty: false}
  - send: {text: "${token}", secret: true}
  - wait: {stdout: "${token}-never", timeout: 200ms}
`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeScript(t, dir, "secret.yaml", "name: secret\nvars: {token: none}\nsteps:"+tt.steps)
			js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
			for _, verbose := range []bool{false, true} {
				args := []string{"run", "--var", "token=" + secret, "--report", "json=" + js, "--report", "junit=" + xm}
				if verbose {
					args = append(args, "-v")
				}
				code, out, errs := droverRun(t, dir, append(args, path)...)
				if code != tt.code {
					t.Errorf("-v=%v: exit %d, want %d\n%s%s", verbose, code, tt.code, out, errs)
				}
				if !strings.Contains(out+errs, "******") && tt.code != 0 {
					t.Errorf("-v=%v: the secret is not shown masked anywhere:\n%s%s", verbose, out, errs)
				}
				for what, text := range map[string]string{
					"stdout": out, "stderr": errs,
					"json report": string(must(os.ReadFile(js))), "junit report": string(must(os.ReadFile(xm))),
				} {
					if strings.Contains(text, secret) {
						t.Errorf("-v=%v: the secret is in the %s:\n%s", verbose, what, text)
					}
				}
			}
		})
	}
}
