//go:build !windows

package main

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// asker is drover run under a pty of the test's, as an asker's
// terminal: the test types into it and reads what drover shows there.
type asker struct {
	t    *testing.T
	cmd  *osexec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // what waitFor has consumed of out
	read chan struct{}
}

// startAsker starts drover with args under a pty cols wide, in dir,
// with colour off and CI unset.
func startAsker(t *testing.T, dir string, cols uint16, args ...string) *asker {
	t.Helper()
	cmd := osexec.Command(drover, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CI=") && !strings.HasPrefix(kv, "TERM=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TERM=xterm", "NO_COLOR=1")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	o := &asker{t: t, cmd: cmd, tty: tty, read: make(chan struct{})}
	go func() {
		defer close(o.read)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			o.mu.Lock()
			o.out.Write(buf[:n])
			o.mu.Unlock()
			if err != nil {
				return // EIO once drover has exited.
			}
		}
	}()
	t.Cleanup(func() {
		if o.cmd.ProcessState == nil {
			_ = o.cmd.Process.Kill()
			_ = o.cmd.Wait()
		}
		_ = tty.Close()
	})
	return o
}

// waitFor waits until the output after what the last waitFor consumed
// matches re, and consumes it up to the end of the match.
func (o *asker) waitFor(re string) string {
	o.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(20 * time.Second)
	for {
		o.mu.Lock()
		rest := o.out.String()[o.seen:]
		if loc := rx.FindStringIndex(rest); loc != nil {
			o.seen += loc[1]
			o.mu.Unlock()
			return rest[:loc[1]]
		}
		o.mu.Unlock()
		if time.Now().After(deadline) {
			o.t.Fatalf("no %q on the terminal after 20s; it shows (%d bytes):\n%q", re, len(o.all()), tailOf(o.all(), 3000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tailOf is the end of s, at most n bytes of it.
func tailOf(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// all is everything drover wrote so far.
func (o *asker) all() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

// typ types s.
func (o *asker) typ(s string) {
	o.t.Helper()
	if _, err := o.tty.Write([]byte(s)); err != nil {
		o.t.Fatal(err)
	}
}

// end waits for drover to exit and returns its exit code and all it
// wrote.
func (o *asker) end() (int, string) {
	o.t.Helper()
	done := make(chan error, 1)
	go func() { done <- o.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = o.cmd.Process.Kill()
		<-done
		o.t.Fatalf("drover still running after 30s:\n%q", o.all())
	}
	<-o.read
	code := 0
	var ee *osexec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		o.t.Fatal(err)
	}
	return code, o.all()
}

const humanScript = `name: human
steps:
  - log: starting
  - ask: {var: pw, prompt: "Vault password: ", secret: true}
  - ask: {var: who}
  - confirm: Drop the ${who} database?
  - run:
      shell: 'test "$PW" = hunter2-s3cret && echo pw ok'
      env: {PW: "${pw}"}
      stdout: pw ok
  - log: "dropped ${who} with ${pw}"
`

// TestConfirmAskOnTerminal: the asker answers ask and confirm on the
// terminal; the secret is not echoed, and appears in no output, trace,
// transcript or report; echo is back on after.
func TestConfirmAskOnTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "human.yaml", humanScript)
	trans := filepath.Join(dir, "trans")
	js := filepath.Join(dir, "r.json")
	o := startAsker(t, dir, 100, "run", "-v", "--transcripts", trans, "--report", "json="+js, path)
	o.waitFor(`Vault password: `)
	o.typ("hunter2-s3cret\r")
	o.waitFor(`who: `)
	o.typ("staging\r")
	o.waitFor(`Drop the staging database\? \[y/N\] `)
	o.typ("YES\r")
	code, out := o.end()
	if code != 0 {
		t.Fatalf("exit %d:\n%q", code, out)
	}
	if !strings.Contains(out, "staging\r\n") {
		t.Errorf("the plain answer was not echoed:\n%q", out)
	}
	if !strings.Contains(out, "dropped staging with ******") || !strings.Contains(out, "PASS  human") {
		t.Errorf("want the log with the secret masked, and a pass:\n%q", out)
	}
	files, _ := filepath.Glob(filepath.Join(trans, "*"))
	files = append(files, js)
	outs := []string{out}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if len(files) < 2 {
		t.Fatalf("no transcript in %s", trans)
	}
	for i, s := range outs {
		if strings.Contains(s, "hunter2") {
			t.Errorf("the secret answer shows in output %d (terminal, then %v):\n%s", i, files, s)
		}
	}
}

// TestConfirmRefused: anything but y or yes, and Ctrl-D, fail the job
// saying so.
func TestConfirmRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "c.yaml", "name: c\nsteps:\n  - confirm: Go on?\n  - log: went on\n")
	for _, answer := range []string{"\r", "n\r", "yess\r", "\x04"} {
		o := startAsker(t, dir, 100, "run", path)
		o.waitFor(`Go on\? \[y/N\] `)
		o.typ(answer)
		code, out := o.end()
		if code != 1 || !strings.Contains(out, "c.yaml:3:5: confirm: not confirmed: Go on?") || strings.Contains(out, "went on") {
			t.Errorf("answer %q: exit %d, want 1 and not confirmed:\n%q", answer, code, out)
		}
	}
}

// TestConfirmAskWithoutTerminal: with stdin not a terminal, confirm needs
// --yes and ask its --var, each failing at once naming the flag; with
// them the script runs, and --yes says it answered.
func TestConfirmAskWithoutTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "human.yaml", humanScript)
	began := time.Now()
	code, out, _ := droverRun(t, dir, "run", path)
	if code != 1 || !strings.Contains(out, "human.yaml:4:5: ask: no terminal to ask for pw on (drover's stdin is not one); give the value with --var pw=...") {
		t.Errorf("ask without a terminal: exit %d\n%s", code, out)
	}
	code, out, _ = droverRun(t, dir, "run", "--var", "pw=hunter2-s3cret", "--var", "who=prod", path)
	if code != 1 || !strings.Contains(out, "human.yaml:6:5: confirm: not confirmed: Drop the prod database?: no terminal to ask on (drover's stdin is not one); --yes answers yes") {
		t.Errorf("confirm without a terminal: exit %d\n%s", code, out)
	}
	if time.Since(began) > 10*time.Second {
		t.Errorf("failing without a terminal took %s: it waited", time.Since(began))
	}
	code, out, _ = droverRun(t, dir, "run", "--yes", "--var", "pw=hunter2-s3cret", "--var", "who=prod", path)
	if code != 0 || !strings.Contains(out, "confirmed by --yes: Drop the prod database?") || !strings.Contains(out, "dropped prod with ******") {
		t.Errorf("--yes and --var: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the secret --var shows:\n%s", out)
	}
}

// TestAskVarOnTerminal: a --var answers an ask even on a terminal, which
// then asks nothing.
func TestAskVarOnTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "human.yaml", humanScript)
	o := startAsker(t, dir, 100, "run", "--yes", "--var", "pw=hunter2-s3cret", "--var", "who=prod", path)
	code, out := o.end()
	if code != 0 || strings.Contains(out, "Vault password") || strings.Contains(out, "[y/N]") || strings.Contains(out, "hunter2") {
		t.Errorf("exit %d, want 0 with nothing asked and the secret masked:\n%q", code, out)
	}
}

// TestConfirmOneAtATime: three jobs confirm at once; the questions come
// one at a time, each named after its job, and each answer goes to the
// job that asked.
func TestConfirmOneAtATime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "m.yaml", `name: m
matrix: {n: [1, 2, 3]}
steps:
  - confirm: Deploy ${n}?
  - log: deploying ${n}
`)
	o := startAsker(t, dir, 200, "run", "-j", "3", path)
	answers := map[string]string{"1": "y\r", "2": "n\r", "3": "yes\r"}
	asked := map[string]bool{}
	for range 3 {
		q := o.waitFor(`m \[n=\d\]: Deploy \d\? \[y/N\] `)
		n := q[len(q)-len("? [y/N] ")-1 : len(q)-len("? [y/N] ")]
		if asked[n] {
			t.Fatalf("job %s asked twice:\n%q", n, o.all())
		}
		asked[n] = true
		// No other question while this one waits.
		time.Sleep(200 * time.Millisecond)
		o.mu.Lock()
		rest := o.out.String()[o.seen:]
		o.mu.Unlock()
		if strings.Contains(rest, "[y/N]") {
			t.Fatalf("a second question while job %s's waits:\n%q", n, o.all())
		}
		o.typ(answers[n])
	}
	code, out := o.end()
	if code != 1 || !strings.Contains(out, "m [n=1] | deploying 1") || !strings.Contains(out, "m [n=3] | deploying 3") ||
		strings.Contains(out, "deploying 2") || !strings.Contains(out, "not confirmed: Deploy 2?") {
		t.Errorf("exit %d, want jobs 1 and 3 to go on and 2 to fail:\n%q", code, out)
	}
}

// TestConfirmTimesOut: a question nobody answers fails its job at the
// script's timeout, and leaves nothing reading the terminal: the next
// job's question gets the next answer.
func TestConfirmTimesOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := writeScript(t, dir, "a.yaml", "name: a\ntimeout: 1s\nsteps:\n  - confirm: First?\n")
	second := writeScript(t, dir, "b.yaml", "name: b\nsteps:\n  - confirm: Second?\n  - log: second went on\n")
	o := startAsker(t, dir, 100, "run", "-j", "1", first, second)
	o.waitFor(`First\? \[y/N\] `)
	o.waitFor(`Second\? \[y/N\] `)
	o.typ("y\r")
	code, out := o.end()
	if code != 1 || !strings.Contains(out, "a.yaml:4:5: confirm: script timeout 1s reached") || !strings.Contains(out, "PASS  b") {
		t.Errorf("exit %d, want a timed out and b confirmed:\n%q", code, out)
	}
}

// TestHeldOutputBounded: while a job waits for the asker, what other
// jobs print is kept until the answer, but not more than about a MiB:
// past that it is printed at once rather than held without bound.
func TestHeldOutputBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ask := writeScript(t, dir, "a.yaml", "name: a\nsteps:\n  - confirm: Go on?\n")
	small := writeScript(t, dir, "s.yaml", "name: small\nsteps:\n  - sleep: 500ms\n  - log: small-done\n")
	flood := writeScript(t, dir, "f.yaml", `name: flood
steps:
  - sleep: 500ms
  - run:
      shell: "head -c 1500000 /dev/zero | tr '\\0' x | fold -w 1000"
  - log: flood-done
`)
	o := startAsker(t, dir, 100, "run", "-v", "-j", "2", ask, small)
	o.waitFor(`Go on\? \[y/N\] `)
	time.Sleep(1500 * time.Millisecond)
	if strings.Contains(o.all(), "small-done") {
		t.Errorf("a job's log line was printed while another's question waited:\n%q", o.all())
	}
	o.typ("y\r")
	if code, out := o.end(); code != 0 || !strings.Contains(out, "small-done") {
		t.Errorf("exit %d:\n%q", code, tailOf(out, 3000))
	}

	o = startAsker(t, dir, 100, "run", "-v", "-j", "2", ask, flood)
	o.waitFor(`Go on\? \[y/N\] `)
	o.waitFor(`flood-done`)
	o.typ("y\r")
	if code, out := o.end(); code != 0 {
		t.Errorf("exit %d:\n%q", code, tailOf(out, 3000))
	}
}
