package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// skippedCases reads the <skipped message> of each testcase of a JUnit
// report, by the case's name; a case that is not skipped is absent.
func skippedCases(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Suites []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	out := map[string]string{}
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			if c.Skipped != nil {
				out[c.Name] = c.Skipped.Message
			}
		}
	}
	return out
}

// TestRequiresMissingProgram: a script that requires a program not
// installed, and runs it, is skipped naming it in all three reports,
// exit 0, rather than refused at preflight with exit 2; neither its
// setup nor its steps run. With --no-skip it fails, exit 1, saying so.
func TestRequiresMissingProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	path := writeScript(t, dir, "needs.yaml", `name: needs
requires: {programs: [sh, drover-no-such-prog]}
setup:
  - run: {shell: "echo setup >> '`+marker+`'"}
steps:
  - run: [drover-no-such-prog, --version]
  - run: {shell: "echo steps >> '`+marker+`'"}
`)
	js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, out, errs := droverRun(t, dir, "run", "--report", "json="+js, "--report", "junit="+xm, path)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	const why = "requires drover-no-such-prog, not installed"
	if !strings.Contains(out, "SKIP  needs  ("+path) || !strings.Contains(out, "\n    "+why+"\n") ||
		!strings.Contains(out, "0 passed, 0 failed, 1 skipped in ") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the skipped job's setup or steps ran (%v)", err)
	}
	r := readJSON(t, js)
	if j := r.Jobs[0]; r.Summary.Skipped != 1 || j.Status != "skipped" || j.Reason != why || j.Error != nil {
		t.Errorf("json: %+v %+v", r.Summary, j)
	}
	if got := skippedCases(t, xm); got["needs"] != why {
		t.Errorf("junit skipped: %q", got)
	}

	code, out, errs = droverRun(t, dir, "run", "--no-skip", "--report", "json="+js, path)
	if code != 1 {
		t.Fatalf("--no-skip: exit %d, want 1\n%s%s", code, out, errs)
	}
	want := path + ":2:1: requires: skipped (" + why + "), and --no-skip makes a skip a failure"
	if !strings.Contains(out, "FAIL  needs  (") || !strings.Contains(out, want) || !strings.Contains(out, "0 passed, 1 failed in ") {
		t.Errorf("--no-skip output:\n%s\nwant %q", out, want)
	}
	if r := readJSON(t, js); r.Jobs[0].Status != "failed" || r.Jobs[0].Error == nil || r.Jobs[0].Error.Line != 2 {
		t.Errorf("--no-skip json: %+v", r.Jobs[0])
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("under --no-skip the job ran (%v)", err)
	}
	checkNoGoInternals(t, out+errs)
}

// TestPreflightUnrequired: a program used but not required is still a
// usage error, exit 2, even beside one that is required.
func TestPreflightUnrequired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "p.yaml", `requires: {programs: [drover-no-such-prog]}
steps:
  - run: [drover-no-such-prog]
  - run: [drover-other-missing]
`)
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 2 || !strings.Contains(errs, `p.yaml:4:5: run: program "drover-other-missing" is not installed`) ||
		strings.Contains(errs, `"drover-no-such-prog"`) {
		t.Errorf("exit %d, want 2\n%s%s", code, out, errs)
	}
}

// TestRequiresMatrixProgram: requires: programs: ["${prog}"] skips the
// combination whose program is missing and runs the other.
func TestRequiresMatrixProgram(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "calc.yaml", `name: calc
matrix:
  prog: [bc, drover-no-such-calc]
requires: {programs: ["${prog}"]}
steps:
  - run: {cmd: ["${prog}"], stdin: "6*7\n", stdout: "42"}
`)
	js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, out, errs := droverRun(t, dir, "run", "--report", "json="+js, "--report", "junit="+xm, path)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "PASS  calc [prog=bc]") || !strings.Contains(out, "SKIP  calc [prog=drover-no-such-calc]") ||
		!strings.Contains(out, "1 passed, 0 failed, 1 skipped") {
		t.Errorf("output:\n%s", out)
	}
	r := readJSON(t, js)
	if r.Jobs[0].Status != "passed" || r.Jobs[1].Status != "skipped" || r.Jobs[1].Reason != "requires drover-no-such-calc, not installed" {
		t.Errorf("json: %+v", r.Jobs)
	}
	if got := skippedCases(t, xm); len(got) != 1 || got["calc [prog=drover-no-such-calc]"] == "" {
		t.Errorf("junit skipped: %q", got)
	}
}

// TestRequiresScriptPath: the program is looked for in the PATH the
// job's processes get, which the script's env: extends, not in drover's.
func TestRequiresScriptPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "drover-own-tool"), []byte("#!/bin/sh\necho own tool\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, dir, "own.yaml", `env: {PATH: "`+bin+`:${env.PATH}"}
requires: {programs: [drover-own-tool]}
steps:
  - run: {cmd: [drover-own-tool], stdout: own tool}
`)
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 0 || !strings.Contains(out, "1 passed, 0 failed in") {
		t.Errorf("exit %d, want the job run and passed\n%s%s", code, out, errs)
	}
}

// TestRequiresRelativeProgram: a program named with a relative path is
// looked for where the job's processes start, the script's directory,
// not drover's.
func TestRequiresRelativeProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tools := filepath.Join(dir, "suite", "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tools, "mine"), []byte("#!/bin/sh\necho mine\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, filepath.Join(dir, "suite"), "rel.yaml", `requires: {programs: [./tools/mine, ./tools/absent]}
steps:
  - run: {cmd: [./tools/mine], stdout: mine}
`)
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 0 || !strings.Contains(out, "    requires ./tools/absent, not installed\n") {
		t.Errorf("exit %d, want ./tools/absent alone missing\n%s%s", code, out, errs)
	}
	path = writeScript(t, filepath.Join(dir, "suite"), "rel2.yaml", `requires: {programs: [./tools/mine]}
steps:
  - run: {cmd: [./tools/mine], stdout: mine}
`)
	if code, out, errs := droverRun(t, dir, "run", path); code != 0 || !strings.Contains(out, "1 passed, 0 failed in") {
		t.Errorf("exit %d, want the job run\n%s%s", code, out, errs)
	}
}

// TestSkipBeforeSetup: jobs of a script with a setup: skip and run in
// turn; the setup is shared by those that run, and its value reaches them.
func TestSkipBeforeSetup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "su.yaml", `name: su
matrix:
  prog: [drover-no-such-a, sh, drover-no-such-b, sh2]
requires: {programs: ["${prog}"]}
env: {PATH: "`+dir+`:${env.PATH}"}
setup:
  - run: {cmd: [echo, shared], capture: greet}
steps:
  - run: {cmd: ["${prog}", -c, "echo ${greet}"], stdout: shared}
`)
	if err := os.Symlink("/bin/sh", filepath.Join(dir, "sh2")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := droverRun(t, dir, "run", "-j1", path)
	if code != 0 || !strings.Contains(out, "2 passed, 0 failed, 2 skipped") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestRequiresOtherOS: requires: os: of another system skips the job,
// saying which it wants; the programs it would run are not checked.
func TestRequiresOtherOS(t *testing.T) {
	t.Parallel()
	other := "plan9"
	if runtime.GOOS == other {
		other = "linux"
	}
	dir := t.TempDir()
	path := writeScript(t, dir, "os.yaml", `requires: {os: [`+other+`, windows]}
steps:
  - run: [drover-only-there]
`)
	js := filepath.Join(dir, "r.json")
	code, out, errs := droverRun(t, dir, "run", "--report", "json="+js, path)
	why := "requires " + other + " or windows, not " + runtime.GOOS
	if code != 0 || !strings.Contains(out, "SKIP  os  (") || !strings.Contains(out, "    "+why+"\n") {
		t.Errorf("exit %d, want 0, skipped: %s\n%s%s", code, why, out, errs)
	}
	if r := readJSON(t, js); r.Jobs[0].Status != "skipped" || r.Jobs[0].Reason != why {
		t.Errorf("json: %+v", r.Jobs[0])
	}
	// On this system it runs.
	path = writeScript(t, dir, "here.yaml", `requires: {os: [`+other+`, `+runtime.GOOS+`]}
steps:
  - run: [sh, -c, "exit 0"]
`)
	if code, out, errs := droverRun(t, dir, "run", path); code != 0 || !strings.Contains(out, "1 passed, 0 failed in") {
		t.Errorf("on %s: exit %d\n%s%s", runtime.GOOS, code, out, errs)
	}
}

// TestSkipReason: skip: gives the reason; a matrix value in it skips one
// combination, and an empty one runs it. --fail-fast's skips keep their
// own reason, as errors, apart.
func TestSkipReason(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	parked := writeScript(t, dir, "parked.yaml", `skip: flaky on CI, see issue 7
steps:
  - run: [drover-not-even-checked]
`)
	some := writeScript(t, dir, "some.yaml", `name: some
matrix:
  why: ["", no oracle here]
skip: "${why}"
steps:
  - run: [echo, "${why}"]
`)
	js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, out, errs := droverRun(t, dir, "run", "-j1", "--report", "json="+js, "--report", "junit="+xm, parked, some)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "SKIP  parked  (") || !strings.Contains(out, "    flaky on CI, see issue 7\n") ||
		!strings.Contains(out, "PASS  some [why=]") || !strings.Contains(out, "    no oracle here\n") ||
		!strings.Contains(out, "1 passed, 0 failed, 2 skipped") {
		t.Errorf("output:\n%s", out)
	}
	got := skippedCases(t, xm)
	if got["parked"] != "flaky on CI, see issue 7" || len(got) != 2 {
		t.Errorf("junit skipped: %q", got)
	}
	code, out, errs = droverRun(t, dir, "run", "--no-skip", parked)
	if code != 1 || !strings.Contains(out, parked+":1:1: skip: skipped (flaky on CI, see issue 7), and --no-skip makes a skip a failure") {
		t.Errorf("--no-skip: exit %d\n%s%s", code, out, errs)
	}
}
