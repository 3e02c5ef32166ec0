package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenScript prints a table from sqlite3 and compares it with a golden
// file, relative to the script's directory.
const goldenScript = `name: golden
files:
  rows.sql: |
    create table t(name, n);
    insert into t values('a', 1), ('b', 2);
steps:
  - run:
      shell: sqlite3 db < rows.sql && sqlite3 -header db 'select * from t'
      dir: ${work}
      stdout: {equals_file: golden/table.txt}
`

// TestGoldenUpdate: a missing golden file is an error before anything
// runs (exit 2, at the key); --update creates it and says so; a rerun
// passes; a changed golden file fails with a diff; --update rewrites it,
// keeping its mode, and a rerun passes again.
func TestGoldenUpdate(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3")
	dir := t.TempDir()
	path := writeScript(t, dir, "golden.yaml", goldenScript)
	golden := filepath.Join(dir, "golden", "table.txt")

	for _, cmd := range []string{"check", "run"} {
		code, stdout, stderr := droverRun(t, dir, cmd, path)
		want := path + ":10:29: run: equals_file: golden/table.txt: no such file; drover run --update creates it with what the program prints\n"
		if code != 2 || stderr != want {
			t.Errorf("%s without the golden file: exit %d, stderr:\n%s\nwant exit 2 and:\n%s%s", cmd, code, stderr, want, stdout)
		}
	}

	code, stdout, stderr := droverRun(t, dir, "run", "--update", path)
	if code != 0 || !strings.Contains(stdout, "    updated golden file "+golden+"\n") || !strings.Contains(stdout, "updated 1 golden file: "+golden+"\n") {
		t.Fatalf("--update: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(golden); err != nil || string(b) != "name|n\na|1\nb|2\n" {
		t.Fatalf("golden file: %q, %v", b, err)
	}
	code, stdout, stderr = droverRun(t, dir, "run", path)
	if code != 0 || strings.Contains(stdout, "updated") {
		t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}

	if err := os.WriteFile(golden, []byte("name|n\na|1\nb|3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(golden, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = droverRun(t, dir, "run", path)
	want := `    golden.yaml:7:5: run: stdout is not as in golden/table.txt (-want +got); drover run --update rewrites it:
    @@ -1,3 +1,3 @@
     name|n
     a|1
    -b|3
    +b|2
`
	if code != 1 || !strings.Contains(strings.ReplaceAll(stdout, path, "golden.yaml"), want) {
		t.Errorf("a changed golden file: exit %d, want 1 and\n%s\ngot:\n%s%s", code, want, stdout, stderr)
	}
	code, stdout, stderr = droverRun(t, dir, "run", "--update", path)
	if code != 0 || !strings.Contains(stdout, "updated golden file "+golden) {
		t.Fatalf("--update: exit %d\n%s%s", code, stdout, stderr)
	}
	if fi, err := os.Stat(golden); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten golden file: %v, %v; want its mode 0600 kept", fi, err)
	}
	if code, stdout, stderr = droverRun(t, dir, "run", path); code != 0 {
		t.Errorf("rerun after --update: exit %d\n%s%s", code, stdout, stderr)
	}
	entries, _ := os.ReadDir(filepath.Dir(golden))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the golden file: %v", entries)
	}
}

// TestGoldenUpdateSymlink: --update replaces a golden file that is a
// symbolic link, never writing through it.
func TestGoldenUpdateSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "out.golden")); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, dir, "link.yaml", `steps:
  - run: {cmd: [echo, fresh], stdout: {equals_file: out.golden}}
`)
	code, stdout, stderr := droverRun(t, dir, "run", "--update", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("written through the link: %q", b)
	}
	fi, err := os.Lstat(filepath.Join(dir, "out.golden"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("out.golden: %v, %v; want a file of its own", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out.golden")); string(b) != "fresh\n" {
		t.Errorf("out.golden = %q", b)
	}
}

// TestGoldenUpdateShared: jobs that share a golden file under --update
// must print the same: when they do, it is written once and all pass;
// when they do not, the first rewrites it and the others fail, saying
// which job rewrote it, with the diff (and not that --update, with which
// they ran, would rewrite it).
func TestGoldenUpdateShared(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	same := writeScript(t, dir, "same.yaml", `name: same
matrix: {n: [1, 2, 3, 4]}
steps:
  - run: {cmd: [echo, same], stdout: {equals_file: shared.txt}}
`)
	code, stdout, stderr := droverRun(t, dir, "run", "-j", "4", "--update", same)
	if code != 0 || strings.Count(stdout, "updated golden file") != 1 || !strings.Contains(stdout, "updated 1 golden file: ") {
		t.Errorf("same output: exit %d, want 0 and one update\n%s%s", code, stdout, stderr)
	}
	differ := writeScript(t, dir, "differ.yaml", `name: differ
matrix: {n: [1, 2, 3, 4]}
steps:
  - run: {cmd: [echo, "n=${n}"], stdout: {equals_file: shared2.txt}}
`)
	code, stdout, stderr = droverRun(t, dir, "run", "-j", "4", "--update", differ)
	if code != 1 || strings.Count(stdout, "PASS") != 1 || strings.Count(stdout, "FAIL") != 3 ||
		strings.Count(stdout, "not rewritten: shared2.txt, which differ [n=") != 3 ||
		strings.Contains(stdout, "--update rewrites it") {
		t.Errorf("different outputs: exit %d, want 1, one pass and three failures\n%s%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "shared2.txt"))
	if !strings.HasPrefix(string(b), "n=") || !strings.Contains(stdout, "PASS  differ [n="+strings.TrimSpace(strings.TrimPrefix(string(b), "n="))+"]") {
		t.Errorf("shared2.txt = %q is not the output of the job that passed:\n%s", b, stdout)
	}
}

// TestGoldenOnFile: equals_file works on assert's file and variable
// checks too, and --update rewrites from them; if: only asks, never
// rewrites.
func TestGoldenOnFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"file.golden": "old\n", "ask.golden": "other\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := writeScript(t, dir, "file.yaml", `files:
  out.txt: |
    line one
    line two
steps:
  - if: {file: "${work}/out.txt", equals_file: ask.golden}
    then: [{log: same}]
    else: [{log: differs}]
  - assert: {file: "${work}/out.txt", equals_file: file.golden}
`)
	code, stdout, stderr := droverRun(t, dir, "run", path)
	if code != 1 || !strings.Contains(stdout, "assert: file ${work}/out.txt is not as in file.golden") && !strings.Contains(stdout, "is not as in file.golden") {
		t.Errorf("exit %d, want 1 with a diff\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = droverRun(t, dir, "run", "--update", path)
	if code != 0 || !strings.Contains(stdout, "differs") {
		t.Errorf("--update: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "file.golden")); string(b) != "line one\nline two\n" {
		t.Errorf("file.golden = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ask.golden")); string(b) != "other\n" {
		t.Errorf("if: rewrote ask.golden: %q", b)
	}
}
