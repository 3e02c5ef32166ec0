//go:build !windows

package main

import (
	"bufio"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLogLinesAsTheyCome: a log: line is printed when its step runs, not
// only with the job's block at its end: on a terminal, and on stderr when
// it is a pipe (prefixed with the job's name when several jobs run); the
// block on stdout still has it.
func TestLogLinesAsTheyCome(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	one := writeScript(t, dir, "one.yaml", "name: one\nsteps:\n  - log: first\n  - sleep: 1500ms\n  - log: second\n")
	two := writeScript(t, dir, "two.yaml", "name: two\nmatrix: {n: [1, 2]}\nsteps:\n  - log: first ${n}\n  - sleep: 1500ms\n")

	o := startAsker(t, dir, 100, "run", one)
	before := o.waitFor(`first\r?\n`)
	if strings.Contains(before, "PASS") {
		t.Errorf("the log line came after the block:\n%q", before)
	}
	o.waitFor(`second\r?\n`)
	code, out := o.end()
	if code != 0 || !strings.Contains(out, "PASS  one") {
		t.Errorf("exit %d:\n%q", code, out)
	}

	// On a pipe (CI): read as drover writes.
	cmd := osexec.Command(drover, "run", two)
	cmd.Dir = dir
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stderr)
	line, err := r.ReadString('\n')
	if err != nil || !regexp.MustCompile(`^two \[n=[12]\] \| first [12]\n$`).MatchString(line) {
		t.Errorf("first line on a pipe: %q, %v; want a prefixed log line", line, err)
	}
	rest := new(strings.Builder)
	_, _ = bufio.NewReader(r).WriteTo(rest)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "PASS  two [n=2]") || !strings.Contains(stdout.String(), "      first 2\n") {
		t.Errorf("want the blocks with their log lines on stdout:\n%s", stdout.String())
	}
	if live := line + rest.String(); strings.Count(live, "first 1") != 1 || strings.Count(live, "first 2") != 1 || strings.Contains(live, "PASS") {
		t.Errorf("want each log line once on stderr, and no block:\n%s", live)
	}
}

// TestQuiet: -q prints the blocks of failed jobs, with their log lines,
// and the summary; nothing of the jobs that passed.
func TestQuiet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := writeScript(t, dir, "pass.yaml", "name: fine\nsteps:\n  - log: all good\n")
	fail := writeScript(t, dir, "fail.yaml", "name: broken\nsteps:\n  - log: about to break\n  - fail: it broke\n")
	code, out, _ := droverRun(t, dir, "run", "-q", pass, fail)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"FAIL  broken", "      about to break\n", "fail.yaml:4:5: fail: it broke", "1 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("-q: want %q in:\n%s", want, out)
		}
	}
	for _, not := range []string{"PASS", "fine", "all good"} {
		if strings.Contains(out, not) {
			t.Errorf("-q: %q printed:\n%s", not, out)
		}
	}
	code, out, _ = droverRun(t, dir, "run", "--quiet", pass)
	if code != 0 || out != strings.TrimPrefix(out, "PASS") || !strings.HasPrefix(out, "1 passed, 0 failed") {
		t.Errorf("--quiet of a pass: exit %d, want the summary alone:\n%s", code, out)
	}
}

// TestProgressShowsStep: the progress line names each running job's
// step, and is cut to the terminal's width, never wrapping.
func TestProgressShowsStep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "p.yaml", `name: a-rather-long-name-for-a-job
matrix: {n: [1, 2, 3]}
steps:
  - log: go
  - sleep: 2500ms
`)
	for _, cols := range []uint16{200, 50} {
		o := startAsker(t, dir, cols, "run", "-j", "3", path)
		if cols == 200 {
			o.waitFor(`\[0/3\] 0 failed, \ds \| a-rather-long-name-for-a-job \[n=\d\]: sleep 5:5 \| a-rather`)
		}
		_, out := o.end()
		drawn, cut := 0, 0
		for _, seg := range strings.Split(out, "\r\x1b[K")[1:] {
			seg, _, _ = strings.Cut(seg, "\r")
			seg, _, _ = strings.Cut(seg, "\n")
			if !strings.HasPrefix(seg, "[") {
				continue
			}
			drawn++
			if n := utf8.RuneCountInString(seg); n >= int(cols) {
				t.Errorf("%d columns: a progress line of %d:\n%q", cols, n, seg)
			}
			if strings.HasSuffix(seg, "...") {
				cut++
			}
		}
		if drawn == 0 || cols == 50 && cut == 0 {
			t.Errorf("%d columns: no progress line, or none cut to fit:\n%q", cols, out)
		}
	}
}

// TestProgressSetupStep: a script's setup shows on the progress line
// while its steps run, and leaves it when they are done.
func TestProgressSetupStep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "s.yaml", `name: s
matrix: {n: [1, 2]}
setup:
  - sleep: 1500ms
steps:
  - sleep: 1500ms
`)
	o := startAsker(t, dir, 200, "run", "-j", "2", path)
	o.waitFor(`\| s \(setup\): sleep 4:5`)
	o.waitFor(`\| s \[n=\d\]: sleep 6:5`)
	_, out := o.end()
	after := out[strings.Index(out, ": sleep 6:5"):]
	if strings.Contains(after, "(setup)") {
		t.Errorf("the setup stays on the progress line after its steps:\n%q", after)
	}
}

// TestProgressTwins: two scripts of one name (in two folders) running at
// once are two entries on the progress line, each at its own step, and
// the one that ends first takes only its own entry away.
func TestProgressTwins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeScript(t, dir, "a/x.yaml", "name: twin\nsteps:\n  - sleep: 1500ms\n")
	writeScript(t, dir, "b/x.yaml", "name: twin\nsteps:\n  - log: b\n  - sleep: 3500ms\n")
	o := startAsker(t, dir, 200, "run", "-j", "2", "a/x.yaml", "b/x.yaml")
	o.waitFor(`\| twin: sleep [34]:5 \| twin: sleep [34]:5`)
	o.waitFor(`PASS  twin  \(a/x.yaml`)
	o.waitFor(`\[1/2\] 0 failed, \ds \| twin: sleep 4:5`)
	o.end()
}
