package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilesReplaceSymlinks: a symbolic link where drover writes a
// transcript, a recording or a report (or the report's temporary file) is
// replaced by the file; what it points at is never written.
func TestFilesReplaceSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, dir, "hello.yaml", `name: hello
steps:
  - spawn: {name: sh, shell: 'echo hello there', tty: true}
  - expect: hello there
`)
	tr := filepath.Join(dir, "tr")
	if err := os.Mkdir(tr, 0o755); err != nil {
		t.Fatal(err)
	}
	links := []string{
		filepath.Join(tr, "hello.log"), filepath.Join(tr, "hello.sh.cast"),
		filepath.Join(dir, "report.json"), filepath.Join(dir, "report.json.tmp"),
		filepath.Join(dir, "report.xml.tmp"),
	}
	for _, l := range links {
		if err := os.Symlink(victim, l); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := droverRun(t, dir, "run", "--transcripts", tr, "--report", "json=report.json", "--report", "junit=report.xml", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("the file a link points at was written: %q", b)
	}
	for _, f := range []string{filepath.Join(tr, "hello.log"), filepath.Join(tr, "hello.sh.cast"), filepath.Join(dir, "report.json"), filepath.Join(dir, "report.xml")} {
		fi, err := os.Lstat(f)
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, %v; want a file of its own", f, fi, err)
			continue
		}
		if b, _ := os.ReadFile(f); !strings.Contains(string(b), "hello") {
			t.Errorf("%s does not hold the job's output: %q", f, b)
		}
	}
}

// TestTranscriptPermissions: the directory drover makes for transcripts,
// and each transcript and recording, are the user's alone.
func TestTranscriptPermissions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "perm.yaml", `name: perm
steps:
  - spawn: {name: sh, shell: 'echo hi', tty: true}
  - expect: hi
`)
	tr := filepath.Join(dir, "new", "tr")
	if code, stdout, stderr := droverRun(t, dir, "run", "--transcripts", tr, path); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for f, want := range map[string]os.FileMode{tr: 0o700, filepath.Join(tr, "perm.log"): 0o600, filepath.Join(tr, "perm.sh.cast"): 0o600} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", f, got, want)
		}
	}
}

// TestTranscriptNamesDistinct: jobs whose names make the same file name
// (matrix values that differ in characters a file name cannot hold, and
// scripts of one name in two folders) each get files of their own.
func TestTranscriptNamesDistinct(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "m.yaml", `name: m
matrix:
  v: [a/b, a_b, a b, "a:b"]
steps:
  - spawn: {name: p, shell: 'echo "value=${v}"', tty: true}
  - expect: value=
  - spawn: {name: p, shell: 'echo "again=${v}"', tty: true}
  - expect: again=
`)
	for _, sub := range []string{"one", "two"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		writeScript(t, filepath.Join(dir, sub), "smoke.yaml", `name: smoke
steps:
  - run: {shell: 'echo from `+sub+`'}
`)
	}
	tr := filepath.Join(dir, "tr")
	code, stdout, stderr := droverRun(t, dir, "run", "--transcripts", tr, path, "one/smoke.yaml", "two/smoke.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	logs, _ := filepath.Glob(filepath.Join(tr, "*.log"))
	casts, _ := filepath.Glob(filepath.Join(tr, "*.cast"))
	if len(logs) != 6 || len(casts) != 8 {
		t.Fatalf("%d transcripts and %d recordings, want 6 and 8: %q %q", len(logs), len(casts), logs, casts)
	}
	want := map[string]bool{"value=a/b": false, "value=a_b": false, "value=a b": false, "value=a:b": false, "from one": false, "from two": false}
	for _, f := range logs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for w := range want {
			if strings.Contains(string(b), "< "+w+"\n") {
				want[w] = true
				found++
			}
		}
		if found != 1 || strings.Count(string(b), "-- job ") != 1 {
			t.Errorf("%s holds %d jobs' output, want one:\n%s", f, found, b)
		}
		if name := filepath.Base(f); !strings.HasPrefix(name, "m__v_a_b-") && !strings.HasPrefix(name, "smoke-") {
			t.Errorf("%s: the name does not say which job", name)
		}
	}
	for w, ok := range want {
		if !ok {
			t.Errorf("no transcript holds %q", w)
		}
	}
	for _, f := range casts {
		b, _ := os.ReadFile(f)
		if strings.Count(string(b), `"version"`) != 1 {
			t.Errorf("%s holds more than one recording:\n%s", f, b)
		}
	}
}

// TestReportPathChecked: a report that could not be written is an error
// before any job runs, naming the path; so is the same path twice. (A
// directory that does not exist is made: TestMatrixReports.)
func TestReportPathChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "ran.yaml", `name: ran
steps:
  - run: {shell: 'touch ran'}
`)
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	denied := filepath.Join(dir, "ro", "r.json")
	if err := os.Mkdir(filepath.Join(dir, "ro"), 0o500); err != nil {
		t.Fatal(err)
	}
	deniedSays := "permission denied"
	if os.Geteuid() == 0 {
		// Root may write anywhere but in sysfs, which refuses new files
		// (how it says so is its own business).
		denied, deniedSays = "/sys/drover-report.json", "cannot write"
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a directory that cannot be made", []string{"--report", "json=afile/sub/r.json"}, []string{"afile/sub/r.json", "not a directory"}},
		{"a directory in its place", []string{"--report", "junit=adir"}, []string{"adir is a directory"}},
		{"no permission", []string{"--report", "json=" + denied}, []string{denied, deniedSays}},
		{"twice", []string{"--report", "json=r.json", "--report", "junit=./r.json"}, []string{"both write ./r.json"}},
		{"every error", []string{"--report", "json=afile/a.json", "--report", "junit=adir"}, []string{"afile/a.json", "adir is a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := droverRun(t, dir, append(append([]string{"run"}, tt.args...), path)...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s%s", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("the error does not say %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
				t.Errorf("the job ran")
			}
		})
	}
}

// TestReportErrorsAll: when several reports cannot be written at the end,
// each error is printed.
func TestReportErrorsAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := writeScript(t, dir, "gone.yaml", `name: gone
steps:
  - run: {shell: 'rm -r a b; touch a b'}
`)
	code, stdout, stderr := droverRun(t, dir, "run", "--report", "json=a/r.json", "--report", "junit=b/r.xml", path)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, w := range []string{"report a/r.json: ", "report b/r.xml: "} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}
