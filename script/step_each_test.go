package script

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runSrc parses src as the script file dir/t.yaml and runs it as one job.
func runSrc(t *testing.T, dir, src string) *Result {
	t.Helper()
	file := filepath.Join(dir, "t.yaml")
	s, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Job{Script: s}.Run(context.Background(), &Options{Env: []string{"PATH=/usr/bin:/bin"}})
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEachSources reads each source the way a loop sees it: files relative
// to the script's directory (not the working directory), blank lines and
// "\r\n" endings skipped, csv quotes, mapping items, split at run time.
func TestEachSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hosts.txt"), "www\r\n\n  \napi\nmail")
	writeFile(t, filepath.Join(dir, "cases.csv"), "\ufeffname, address\nwww,192.0.2.1\n\"a,b\",\"x \"\"y\"\"\"\n")
	res := runSrc(t, dir, `vars: {out: "one\ntwo\n\nthree\n"}
steps:
  - each: {lines: hosts.txt, as: host, steps: [{log: "L${each.index}=${host}"}]}
  - each: {csv: cases.csv, steps: [{log: "C${each.index}=${name}/${address}"}]}
  - each: {in: [{h: a, n: 1}, {n: 2, h: b}], steps: [{log: "M${each.index}=${h}${n}"}]}
  - each: {in: ["${out}"], steps: [{log: "I=${item}"}]}
  - each: {split: "${out}", steps: [{log: "S${each.index}=${item}"}]}
  - each:
      in: [x, y]
      as: outer
      steps:
        - each: {in: [1, 2], steps: [{log: "N${each.index}=${outer}${item}"}]}
        - log: "O${each.index}"
`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for _, want := range []string{
		"L0=www\n", "L1=api\n", "L2=mail\n",
		"C0=www/192.0.2.1\n", `C1=a,b/x "y"` + "\n",
		"M0=a1\n", "M1=b2\n",
		"I=one\ntwo\n\nthree\n",
		"S0=one\n", "S1=two\n", "S2=three\n",
		"N0=x1\n", "N1=x2\n", "O0\n", "N1=y2\n", "O1\n",
	} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("log lacks %q:\n%s", want, res.Log)
		}
	}
	if strings.Contains(res.Log, "L3") || strings.Contains(res.Log, "S3") {
		t.Errorf("a blank line made an item:\n%s", res.Log)
	}
	// The item's variables and each.index hold only inside the loop.
	for _, name := range []string{"item", "host", "name", "h", "outer", "each.index"} {
		if _, ok := res.Vars[name]; ok {
			t.Errorf("%s is still set after the loop: %v", name, res.Vars)
		}
	}
}

// TestEachScope: what the steps define holds after the loop; the item's
// variable does not, and an outer variable of the same name gets its
// value back.
func TestEachScope(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `vars: {host: outer}
steps:
  - each:
      in: [a, b]
      as: host
      steps:
        - run: {shell: "echo got-${host}", capture: last}
  - log: "after: ${host} ${last}"
`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if !strings.Contains(res.Log, "after: outer got-b\n") {
		t.Errorf("log:\n%s", res.Log)
	}
	_, err := Parse("t.yaml", []byte(`steps:
  - each: {in: [a], steps: [{log: "${item}"}]}
  - log: ${item}
`))
	if err == nil || !strings.Contains(err.Error(), `3:10: log: undefined variable "item"`) {
		t.Errorf("item after the loop: %v", err)
	}
}

// TestEachErrorNamesItem: a failure inside the loop says which item it was
// at, then the failing step's position, nested loops outermost first, and
// the loop stops there.
func TestEachErrorNamesItem(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `steps:
  - each:
      in: [{host: www, want: "1"}, {host: "my api", want: "2"}, {host: mail, want: "3"}]
      steps:
        - each:
            in: [x]
            steps:
              - run: {shell: "test ${want} != 2"}
        - log: done ${host}
`)
	if res.Err == nil {
		t.Fatal("passed")
	}
	want := `each[1] host="my api" want=2: each[0] item=x: ` + res.Job.Script.File + ":8:17: run: "
	if got := res.Err.Error(); !strings.HasPrefix(got, want) {
		t.Errorf("error:\n%s\nwant the prefix:\n%s", got, want)
	}
	var e *Error
	if !errors.As(res.Err, &e) || e.Pos.Line != 8 {
		t.Errorf("the error's position: %+v", e)
	}
	if !strings.Contains(res.Log, "done www") || strings.Contains(res.Log, "done mail") {
		t.Errorf("log:\n%s", res.Log)
	}
}

// TestEachWarnings: an each over nothing is a warning, not an error; one
// over items runs its steps, so a step that always fails there is dead.
func TestEachWarnings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "none.txt"), "\n\n")
	writeFile(t, filepath.Join(dir, "header.csv"), "name,address\n")
	s, err := Parse(filepath.Join(dir, "t.yaml"), []byte(`steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - each: {in: [], steps: [{log: "${item}"}]}
  - each: {lines: none.txt, steps: [{log: "${item}"}]}
  - each: {csv: header.csv, steps: [{log: "${name}"}]}
  - each: {split: "", steps: [{log: "${item}"}]}
  - each:
      in: [a]
      steps:
        - run: {shell: "echo 1", capture: one}
        - assert: {var: one, equals: "1"}
        - send: {eof: true}
        - send: x
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, strings.TrimPrefix(w.Error(), dir+"/"))
	}
	want := []string{
		"t.yaml:3:5: each: each over an empty list: its steps never run",
		"t.yaml:4:5: each: each over none.txt, which has no items: its steps never run",
		"t.yaml:5:5: each: each over header.csv, which has no items: its steps never run",
		`t.yaml:13:11: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 12; the steps after it never run`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEachSplitMany: split: takes every line of a value, however many,
// where a file is bounded at maxItems items (a value is bounded by its
// 1 MiB).
func TestEachSplitMany(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `steps:
  - run: {shell: "seq 150000", capture: out}
  - each:
      split: "${out}"
      steps:
        - if: {var: item, equals: "150000"}
          then: [{log: "found at ${each.index}"}]
`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if !strings.Contains(res.Log, "found at 149999\n") {
		t.Errorf("log:\n%s", res.Log)
	}
}

// TestEachBounds: a data file too large, or with too many items, is an
// error when the script is read, not an allocation without bound; a
// symlink to a file is followed, a directory is not a file.
func TestEachBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "many.txt"), strings.Repeat("x\n", maxItems+1))
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), make([]byte, maxDataFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "real.txt"), "a\n")
	if err := os.Symlink("real.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ file, want string }{
		{"many.txt", "many.txt:100001: more than 100000 items"},
		{"big.txt", "big.txt: larger than 16777216 bytes (16 MiB)"},
		{"sub", "sub: cannot read it: a directory, not a file"},

		{"link.txt", ""},
	} {
		_, err := Parse(filepath.Join(dir, "t.yaml"), []byte("steps:\n  - each: {lines: "+tc.file+", steps: [{log: \"${item}\"}]}\n"))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.file, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "2:19: each: lines: "+tc.want)):
			t.Errorf("%s: error %v, want %q", tc.file, err, tc.want)
		}
	}
}

// TestEachInRetryNamesItem: a retry around an each keeps the item's name
// in the last failure it reports.
func TestEachInRetryNamesItem(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `steps:
  - retry:
      attempts: 2
      steps:
        - each:
            in: [a, b]
            steps:
              - run: {shell: "test ${item} != b"}
`)
	if res.Err == nil {
		t.Fatal("passed")
	}
	want := "failed 2 attempts; the last: each[1] item=b: " + res.Job.Script.File + ":8:17: run: "
	if got := res.Err.Error(); !strings.Contains(got, want) {
		t.Errorf("error:\n%s\nwant it to hold:\n%s", got, want)
	}
}
