package script

import (
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
