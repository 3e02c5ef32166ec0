package script

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A directory that links to itself gives a file endless names; the
// import cycle is still found, and parsing ends.
func TestImportSymlinkCycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "lib", "self")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("lib/x.yaml", "import: [self/x.yaml]\ndefine: {a: {steps: [{log: a}]}}\n")
	main := write("main.yaml", "import: [lib/x.yaml]\nsteps: [{call: a}]\n")
	_, err := ParseFile(main)
	if err == nil || !strings.Contains(err.Error(), "import cycle: x.yaml imports x.yaml") {
		t.Errorf("ParseFile: %v; want the import cycle", err)
	}
}

// A group's captures are the caller's after the call; its params are
// not, unless the caller had the name already.
func TestCallScope(t *testing.T) {
	t.Parallel()
	const head = `vars: {who: outer}
define:
  greet:
    params: [who, greeting]
    steps:
      - run: {shell: "echo ${greeting} ${who}", capture: said}
steps:
  - call: {name: greet, with: {who: bob, greeting: hi}}
`
	if _, err := Parse("ok.yaml", []byte(head+"  - log: ${said} ${who}\n")); err != nil {
		t.Errorf("a capture of the group, or a var a param shadowed, after the call: %v", err)
	}
	_, err := Parse("bad.yaml", []byte(head+"  - log: ${greeting}\n"))
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:9:10: log: undefined variable "greeting"`) {
		t.Errorf("a param after the call: %v; want it undefined", err)
	}
}

// Warnings name each group no call runs, and only those.
func TestUncalledWarning(t *testing.T) {
	t.Parallel()
	s, err := Parse("w.yaml", []byte(`define:
  used: {steps: [{log: a}]}
  spare: {steps: [{log: b}]}
steps:
  - call: used
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, w.Error())
	}
	if want := `w.yaml:3:3: define: group "spare" is never called`; len(got) != 1 || got[0] != want {
		t.Errorf("warnings %q, want [%q]", got, want)
	}
}

// An import of a FIFO or a device is refused before it is opened: reading
// one would never end.
func TestImportNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	src := "import: [fifo.yaml, /dev/zero, .]\nsteps: [{log: a}]\n"
	path := filepath.Join(dir, "main.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path)
	for _, want := range []string{
		":1:10: import: cannot read " + fifo + ": not a regular file",
		":1:21: import: cannot read /dev/zero: not a regular file",
		":1:32: import: cannot read " + dir + ": it is a directory",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFile: %v\nwant %q", err, want)
		}
	}
}

// Groups that each call the next twice, twenty deep, would be read a
// million times: the parse stops at maxExpansions calls, saying so.
func TestCallExpansionBound(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("define:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  g%d:\n    steps: [{call: g%d}, {call: g%d}]\n", i, i+1, i+1)
	}
	b.WriteString("  g20:\n    steps: [{log: x}]\nsteps:\n  - call: g0\n")
	_, err := Parse("blow.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "calls within calls read more than 10000 groups") {
		t.Errorf("Parse: %v", err)
	}
}

// A library checked as a script says what it is.
func TestLibraryAsScript(t *testing.T) {
	t.Parallel()
	_, err := ParseFile("testdata/lib/greet.yaml")
	if err == nil || !strings.Contains(err.Error(), `testdata/lib/greet.yaml:2:1: missing key "steps": a script needs at least one step; a file of define: groups alone is a library`) {
		t.Errorf("ParseFile: %v", err)
	}
}
