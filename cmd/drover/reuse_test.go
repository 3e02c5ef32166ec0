package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reuseFiles writes a script calling groups of its own and of an
// imported file, which imports another, all driving bc; want is what the
// second computation must give.
func reuseFiles(t *testing.T, want string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, "lib/calc.yaml", `import: [more.yaml]
define:
  compute:
    params: [expr, want]
    steps:
      - send: ${expr}
      - expect: {re: '(-?\d+)\n', capture: [result]}
      - call: {name: check, with: {got: "${result}", want: "${want}"}}
`)
	writeScript(t, dir, "lib/more.yaml", `define:
  check:
    params: [got, want]
    steps:
      - run: {shell: 'test "${got}" = "${want}"'}
  unused:
    steps: [{log: never}]
`)
	path = writeScript(t, dir, "main.yaml", `import: [lib/calc.yaml]
vars: {expr: "1+1"}
define:
  start:
    steps:
      - spawn: {name: bc, cmd: [bc, -q], tty: false}
steps:
  - call: start
  - call: {name: compute, with: {expr: "6*7", want: "42"}}
  - log: result ${result} expr ${expr}
  - call: {name: compute, with: {expr: "2-5", want: "`+want+`"}}
  - send: quit
  - wait:
`)
	return dir, path
}

// Groups of define:, the script's own and imported ones (an import
// importing another), run with their params; a group's captures are the
// caller's after the call, its params are not.
func TestDefineCallImport(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir, path := reuseFiles(t, "-3")
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "result 42 expr 1+1") {
		t.Errorf("the capture in the group, or the param's scope, is not as built:\n%s", out)
	}
	code, out, errs = droverRun(t, dir, "check", path)
	if code != 0 || !strings.Contains(errs+out, `lib/more.yaml:6:3: warning: define: group "unused" is never called`) {
		t.Errorf("check: exit %d, want 0 and a warning of the uncalled group\n%s%s", code, out, errs)
	}
}

// A failure inside a group names the call and the definition, each at
// its file:line:col, through a call within a call.
func TestCallFailureNamesBoth(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir, path := reuseFiles(t, "3")
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	want := path + ":11:5: call compute: " + filepath.Join(dir, "lib/calc.yaml") + ":8:9: call check: " +
		filepath.Join(dir, "lib/more.yaml") + ":5:9: run: want exit 0, got exit 1"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks\n%s\n%s", want, out)
	}
}

// A call of an undefined group, or an import of a missing file, is an
// error of drover check, exit 2, at its place.
func TestCallUndefined(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "bad.yaml", `import: [nothere.yaml]
steps:
  - call: login
`)
	code, out, errs := droverRun(t, dir, "check", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		path + `:1:10: import: no file ` + filepath.Join(dir, "nothere.yaml"),
		path + `:3:11: call: no group "login"`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}
