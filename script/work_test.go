package script

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteWorkFileNoFollow: a symbolic link in the work directory,
// whoever put it there, never leads a write of files: out of it, neither
// as a parent directory nor as the file itself.
func TestWriteWorkFileNoFollow(t *testing.T) {
	t.Parallel()
	work, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(work, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "f"), filepath.Join(work, "f")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"d/x", "d/sub/x", "f"} {
		if err := writeWorkFile(work, name, "evil"); err == nil {
			t.Errorf("%s: written, want an error", name)
		}
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("written outside the work directory: %v", entries)
	}
	if err := writeWorkFile(work, "a/b/c.txt", "ok"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(work, "a/b/c.txt")); string(b) != "ok" {
		t.Errorf("a/b/c.txt = %q", b)
	}
}

// TestWorkPath: what files: accepts as a path, cleaned, and what it
// refuses.
func TestWorkPath(t *testing.T) {
	t.Parallel()
	good := map[string]string{"a.txt": "a.txt", "./a.txt": "a.txt", "d//e/f": "d/e/f", "d/./e": "d/e", ".hidden": ".hidden", "a..b": "a..b"}
	for in, want := range good {
		if got, err := workPath(in); err != nil || got != want {
			t.Errorf("workPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", " ", "/etc/passwd", "..", "../x", "a/../../x", "a/..", ".", "./", "${x}", `a\b`, "a\x00b"} {
		if got, err := workPath(in); err == nil {
			t.Errorf("workPath(%q) = %q, want an error", in, got)
		}
	}
}

// TestGoldensMissing: Goldens names each literal equals_file that is
// missing, at its place, and leaves those with variables to the run.
func TestGoldensMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "here.txt"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "g.yaml")
	s, err := Parse(file, []byte(`vars: {v: x}
steps:
  - run: {cmd: [echo, x], stdout: {equals_file: here.txt}}
  - run: {cmd: [echo, x], stdout: {equals_file: gone.txt}}
  - run: {cmd: [echo, x], stdout: {equals_file: "${v}.txt"}}
  - assert: {var: v, equals_file: sub/gone.txt}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Goldens()
	want := file + `:4:49: run: equals_file: gone.txt: no such file; drover run --update creates it with what the program prints
` + file + `:6:35: assert: equals_file: sub/gone.txt: no such file; drover run --update creates it with what the program prints`
	if err == nil || err.Error() != want {
		t.Errorf("Goldens() = %v\nwant:\n%s", err, want)
	}
	if err != nil && strings.Contains(err.Error(), "${v}") {
		t.Errorf("a golden file named with variables was checked before the run")
	}
}

// TestMakeWorkRoot: with MakeWorkRoot, WorkRoot is made (0700) by the
// first job that uses ${work} and not before, so a run whose jobs never
// use it makes no directory; RemoveWork removes it only once made. A
// directory already there under that name is not the run's: the job that
// needs a ${work} fails, and the directory is neither used nor removed.
func TestMakeWorkRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func(opts *Options, src string) *Result {
		t.Helper()
		s, err := Parse(filepath.Join(dir, "t.yaml"), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return Job{Script: s}.Run(context.Background(), opts)
	}
	const none = "name: none\nsteps:\n  - run: {cmd: [\"true\"]}\n"
	const uses = "name: uses\nsteps:\n  - run: {cmd: [\"true\"], dir: \"${work}\"}\n  - log: \"work=${work}\"\n"

	root := filepath.Join(dir, "root")
	opts := &Options{Env: []string{"PATH=/usr/bin:/bin"}, WorkRoot: root, MakeWorkRoot: true}
	if r := run(opts, none); r.Status != Passed {
		t.Fatalf("a job without ${work}: %v %v", r.Status, r.Err)
	}
	if _, err := os.Lstat(root); !os.IsNotExist(err) {
		t.Errorf("a job without ${work} made the root: %v", err)
	}
	var log strings.Builder
	opts.Live = &log
	if r := run(opts, uses); r.Status != Passed {
		t.Fatalf("a job using ${work}: %v %v", r.Status, r.Err)
	}
	if !strings.Contains(log.String(), "work="+root+string(filepath.Separator)) {
		t.Errorf("the ${work} is not in the root %s:\n%s", root, log.String())
	}
	if fi, err := os.Stat(root); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the root after a job using ${work}: %v, want a directory of mode 0700", err)
	}
	opts.RemoveWork()
	if _, err := os.Lstat(root); !os.IsNotExist(err) {
		t.Errorf("RemoveWork left the root it made: %v", err)
	}

	theirs := filepath.Join(dir, "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	opts = &Options{Env: []string{"PATH=/usr/bin:/bin"}, WorkRoot: theirs, MakeWorkRoot: true}
	if r := run(opts, uses); r.Status != Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "making the work directory") {
		t.Errorf("a job using ${work} in a root already there: %v %v, want a failure making it", r.Status, r.Err)
	}
	opts.RemoveWork()
	if entries, err := os.ReadDir(theirs); err != nil || len(entries) != 0 {
		t.Errorf("the directory already there: %v %v, want it kept, empty", entries, err)
	}

	// A symlink planted under the root's name, to a directory with a
	// file: never used, never followed, nothing removed through it.
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(dir, "planted")
	if err := os.Symlink(target, planted); err != nil {
		t.Fatal(err)
	}
	opts = &Options{Env: []string{"PATH=/usr/bin:/bin"}, WorkRoot: planted, MakeWorkRoot: true}
	if r := run(opts, uses); r.Status != Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "making the work directory") {
		t.Errorf("a job using ${work} in a root planted as a symlink: %v %v, want a failure making it", r.Status, r.Err)
	}
	opts.RemoveWork()
	if entries, err := os.ReadDir(target); err != nil || len(entries) != 1 {
		t.Errorf("the symlink's target: %v %v, want it untouched", entries, err)
	}
	if fi, err := os.Lstat(planted); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the planted symlink: %v %v, want it left as it was", fi, err)
	}
}
