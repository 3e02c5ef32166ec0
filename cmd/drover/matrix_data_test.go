package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A matrix of a CSV table, an axis, exclude and include, run through the
// binary against bc: each job asks bc its row's sum and expects the row's
// answer, and the jobs are exactly those the rules make.
func TestMatrixCSVIncludeExclude(t *testing.T) {
	t.Parallel()
	need(t, "bc")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "sums.csv"), []byte("expr,want\n1+1,2\n6*7,42\n2^10,1024\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, dir, "sums.yaml", `name: sums
matrix:
  scale: ["0", "2"]
  csv: data/sums.csv
  exclude: [{scale: "2", expr: 2^10}]
  include:
    - {scale: "2", expr: 6*7, note: twice}   # extends that job
    - {scale: "2", expr: 10/4, want: "2.50"} # a job of its own
steps:
  - spawn: {cmd: [bc, -q], tty: false}
  - send: scale=${scale}
  - send: ${expr}
  - expect: {re: '^${want|re}(\.0+)?\n', timeout: 2s}
`)
	code, out, errs := droverRun(t, dir, "check", path)
	if code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errs)
	}
	js := filepath.Join(dir, "r.json")
	code, out, errs = droverRun(t, filepath.Join(dir, "data"), "run", "--report", "json="+js, path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var names []string
	for _, j := range readJSON(t, js).Jobs {
		names = append(names, j.Name)
	}
	slices.Sort(names)
	want := []string{
		"sums [scale=0 expr=1+1 want=2]",
		"sums [scale=0 expr=2^10 want=1024]",
		"sums [scale=0 expr=6*7 want=42]",
		"sums [scale=2 expr=1+1 want=2]",
		"sums [scale=2 expr=10/4 want=2.50]",
		"sums [scale=2 expr=6*7 want=42 note=twice]",
	}
	if !slices.Equal(names, want) {
		t.Errorf("jobs:\n\t%s\nwant:\n\t%s", strings.Join(names, "\n\t"), strings.Join(want, "\n\t"))
	}

	// --var of an axis keeps working: one scale, the same rules.
	code, out, errs = droverRun(t, dir, "run", "--var", "scale=2", path)
	if code != 0 || !strings.Contains(out, "3 passed, 0 failed") {
		t.Errorf("--var scale=2: exit %d\n%s%s", code, out, errs)
	}
	// The other scale: the entries of scale 2 do not apply, neither
	// extending a job of scale 0 nor making one (10/4 is 2 at scale 0).
	code, out, errs = droverRun(t, dir, "run", "--var", "scale=0", path)
	if code != 0 || !strings.Contains(out, "3 passed, 0 failed") {
		t.Errorf("--var scale=0: exit %d, want 0 and 3 passed\n%s%s", code, out, errs)
	}
	// --var of a column, which a wrong answer fails.
	code, out, errs = droverRun(t, dir, "run", "--var", "want=7", path)
	if code != 1 || !strings.Contains(out, "0 passed, 6 failed") {
		t.Errorf("--var want=7: exit %d, want 1 and 6 failed\n%s%s", code, out, errs)
	}
}

// --var of an axis keeps the jobs the matrix makes with that value: an
// include: entry naming the axis with another value neither extends a job
// nor makes one, so a passing matrix stays passing, each job as the whole
// matrix has it; a value the matrix names nowhere is the axis's only one.
// A --var that exclude: leaves no job of is a usage error that says so.
func TestMatrixVarNarrows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	osYAML := writeScript(t, dir, "os.yaml", `name: os
matrix:
  os: [linux, mac]
  ver: ["1", "2"]
  include:
    - {os: linux, pkg: apt}
    - {os: mac, pkg: brew}
  exclude: [{os: mac, ver: "1"}]
steps:
  - log: "${os} ${ver} ${pkg}"
  - run: 'case ${os}/${pkg} in linux/apt|mac/brew) ;; *) exit 1;; esac'
`)
	ab := writeScript(t, dir, "ab.yaml", `name: ab
matrix: {a: ["1", "2"], b: [x, y], include: [{a: "7", extra: e1}]}
steps:
  - log: "${a} ${b}"
`)
	// The README's example.
	if err := os.WriteFile(filepath.Join(dir, "cases.csv"), []byte("name,address\nwww,192.0.2.10\napi,192.0.2.11\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup := writeScript(t, dir, "lookup.yaml", `name: lookup
matrix:
  server: [dnsmasq, unbound]
  csv: cases.csv
  exclude:
    - {server: unbound, name: api}
  include:
    - {server: unbound, name: www, flags: +dnssec}
    - {server: knot, name: www, address: 192.0.2.10}
steps:
  - log: "${server} ${name} ${address}"
`)
	for _, tt := range []struct {
		vars []string
		path string
		want []string
	}{
		{[]string{"server=unbound"}, lookup, []string{"lookup [server=unbound name=www address=192.0.2.10 flags=+dnssec]"}},
		{[]string{"server=knot"}, lookup, []string{"lookup [server=knot name=www address=192.0.2.10]"}},
		{[]string{"server=bind"}, lookup, []string{"lookup [server=bind name=api address=192.0.2.11]", "lookup [server=bind name=www address=192.0.2.10]"}},
		{nil, osYAML, []string{"os [os=linux ver=1 pkg=apt]", "os [os=linux ver=2 pkg=apt]", "os [os=mac ver=2 pkg=brew]"}},
		{[]string{"os=linux"}, osYAML, []string{"os [os=linux ver=1 pkg=apt]", "os [os=linux ver=2 pkg=apt]"}},
		{[]string{"os=mac"}, osYAML, []string{"os [os=mac ver=2 pkg=brew]"}},
		{[]string{"os=mac", "ver=2"}, osYAML, []string{"os [os=mac ver=2 pkg=brew]"}},
		{[]string{"a=5"}, ab, []string{"ab [a=5 b=x]", "ab [a=5 b=y]"}},
	} {
		args := []string{"run", "--report", "json=" + filepath.Join(dir, "r.json")}
		for _, v := range tt.vars {
			args = append(args, "--var", v)
		}
		code, out, errs := droverRun(t, dir, append(args, tt.path)...)
		var names []string
		for _, j := range readJSON(t, filepath.Join(dir, "r.json")).Jobs {
			names = append(names, j.Name)
		}
		slices.Sort(names)
		if code != 0 || !slices.Equal(names, tt.want) {
			t.Errorf("--var %q: exit %d, jobs:\n\t%s\nwant exit 0 and:\n\t%s\n%s%s", tt.vars, code,
				strings.Join(names, "\n\t"), strings.Join(tt.want, "\n\t"), out, errs)
		}
	}
	code, out, errs := droverRun(t, dir, "run", "--var", "os=mac", "--var", "ver=1", osYAML)
	if want := "drover run: the --var values leave no job: exclude removes every combination that has them\n"; code != 2 || errs != want {
		t.Errorf("--var os=mac --var ver=1: exit %d, stderr %q; want 2 and %q\n%s", code, errs, want, out)
	}
	// Beside a script that has jobs with those values, the emptied one is
	// named in a note, not dropped in silence.
	other := writeScript(t, dir, "other.yaml", "matrix: {os: [mac]}\nvars: {ver: \"0\"}\nsteps:\n  - log: ${os} ${ver}\n")
	code, out, errs = droverRun(t, dir, "run", "--var", "os=mac", "--var", "ver=1", osYAML, other)
	if want := "drover run: note: " + osYAML + ": the --var values leave it no job: exclude removes every combination that has them\n"; code != 0 || !strings.HasPrefix(errs, want) || !strings.Contains(out, "1 passed") {
		t.Errorf("beside another script: exit %d, stderr %q; want 0 and %q\n%s", code, errs, want, out)
	}
}

// A CSV file with a ragged row, or none at all, is an error of check and
// run, exit 2, at the row or at the csv: value.
func TestMatrixCSVErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.csv"), []byte("a,b\n1,2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ragged := writeScript(t, dir, "ragged.yaml", "matrix: {csv: r.csv}\nsteps: [{log: '${a}'}]\n")
	missing := writeScript(t, dir, "missing.yaml", "matrix:\n  csv: nope.csv\nsteps: [{log: hi}]\n")
	for _, tt := range []struct{ path, want string }{
		{ragged, filepath.Join(dir, "r.csv") + ":3:1: matrix.csv: this row has 1 field"},
		{missing, missing + ":2:8: matrix.csv: cannot read " + filepath.Join(dir, "nope.csv") + ": no such file or directory"},
	} {
		for _, cmd := range []string{"check", "run"} {
			code, out, errs := droverRun(t, dir, cmd, tt.path)
			if code != 2 || !strings.Contains(out+errs, tt.want) {
				t.Errorf("drover %s %s: exit %d, want 2 and %q\n%s%s", cmd, filepath.Base(tt.path), code, tt.want, out, errs)
			}
		}
	}
}
