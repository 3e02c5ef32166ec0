package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/drover-dev/drover/script/report"
)

// writeScript writes src as dir/name and returns its path.
func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readJSON reads a JSON report.
func readJSON(t *testing.T, path string) report.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return r
}

// junitDoc is the part of a JUnit report the tests read back.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			File    string `xml:"file,attr"`
			Line    int    `xml:"line,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped   *struct{} `xml:"skipped"`
			SystemOut string    `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d junitDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return d
}

const matrix40 = `name: grid
matrix:
  a: [1, 2, 3, 4, 5, 6, 7, 8]
  b: [x, y, z, v, w]
steps:
  - run: {cmd: [echo, "${a}${b}"], capture: out}
  - log: cell ${out}
`

// TestMatrixReports runs a 40-job matrix at -j 4 with both reports, then
// three shards of it: every report holds what it should.
func TestMatrixReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "grid.yaml", matrix40)
	js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "out", "r.xml")
	code, out, errs := droverRun(t, dir, "run", "-j", "4", "--report", "json="+js, "--report", "junit="+xm, path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "40 passed, 0 failed") {
		t.Errorf("summary:\n%s", out)
	}
	r := readJSON(t, js)
	if len(r.Jobs) != 40 || r.Summary.Passed != 40 {
		t.Fatalf("json report: %d jobs, summary %+v", len(r.Jobs), r.Summary)
	}
	names := map[string]bool{}
	for _, j := range r.Jobs {
		names[j.Name] = true
		want := fmt.Sprintf("grid [a=%s b=%s]", j.Matrix["a"], j.Matrix["b"])
		if j.Name != want || j.Vars["out"] != j.Matrix["a"]+j.Matrix["b"] || j.Status != "passed" {
			t.Errorf("json job %+v, want name %q", j, want)
		}
	}
	if len(names) != 40 {
		t.Errorf("%d distinct job names, want 40", len(names))
	}
	d := readJUnit(t, xm)
	if d.Tests != 40 || d.Failures != 0 || len(d.Suites) != 1 || len(d.Suites[0].Cases) != 40 {
		t.Fatalf("junit: tests=%d failures=%d suites=%d", d.Tests, d.Failures, len(d.Suites))
	}

	// Three shards: disjoint, and together all 40.
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		sj := filepath.Join(dir, fmt.Sprintf("s%d.json", k))
		code, out, errs := droverRun(t, dir, "run", "--shard", fmt.Sprintf("%d/3", k), "--report", "json="+sj, path)
		if code != 0 {
			t.Fatalf("shard %d: exit %d\n%s%s", k, code, out, errs)
		}
		jobs := readJSON(t, sj).Jobs
		if len(jobs) < 13 || len(jobs) > 14 {
			t.Errorf("shard %d holds %d jobs, want 13 or 14", k, len(jobs))
		}
		for _, j := range jobs {
			seen[j.Name]++
		}
	}
	if len(seen) != 40 {
		t.Errorf("the shards hold %d distinct jobs, want 40", len(seen))
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s is in %d shards", name, n)
		}
	}
}

// TestFailFast stops at the first failure: the running jobs are ended and
// reported as stopped, where and why, the rest are skipped, and both
// reports say so.
func TestFailFast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "ff.yaml", `name: ff
matrix:
  n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
steps:
  - run: {shell: 'if [ ${n} = 1 ]; then exit 1; fi; sleep 30'}
`)
	js, xm := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	code, out, errs := droverRun(t, dir, "run", "-j", "2", "--fail-fast", "--report", "json="+js, "--report", "junit="+xm, path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	r := readJSON(t, js)
	if r.Summary.Failed != 1 || r.Summary.Stopped != 1 || r.Summary.Skipped != 8 || r.Summary.Passed != 0 {
		t.Errorf("summary %+v, want 1 failed, 1 stopped and 8 skipped\n%s", r.Summary, out)
	}
	if r.Jobs[1].Status != "stopped" || r.Jobs[1].Error == nil || r.Jobs[1].Error.Line != 5 {
		t.Errorf("the job running beside the failure: %+v", r.Jobs[1])
	}
	stop := "STOP  ff [n=2]  (" + path
	if !strings.Contains(out, "0 passed, 1 failed, 1 stopped, 8 skipped") || !strings.Contains(out, stop) ||
		!strings.Contains(out, "ff.yaml:5:5: run: sh -c if [ 2 = 1 ]; then exit 1; fi; sleep 30 did not exit: stopped by --fail-fast after a failure\n") {
		t.Errorf("output:\n%s", out)
	}
	if j := r.Jobs[9]; j.Status != "skipped" || j.Error == nil || j.Error.Message != "not started: --fail-fast, after a failure" {
		t.Errorf("a job never started: %+v", j)
	}
	checkNoGoInternals(t, out+errs)
	if r.Summary.Seconds > 20 {
		t.Errorf("fail-fast took %.1fs: the sleeping job was not ended", r.Summary.Seconds)
	}
	d := readJUnit(t, xm)
	if d.Failures != 1 || d.Errors != 1 || d.Skipped != 8 {
		t.Errorf("junit: failures=%d errors=%d skipped=%d", d.Failures, d.Errors, d.Skipped)
	}
	for _, c := range d.Suites[0].Cases {
		if c.Failure != nil && (c.Line != 5 || !strings.Contains(c.Failure.Message, "ff.yaml:5:5: run: want exit 0, got exit 1")) {
			t.Errorf("junit failure: line %d, %q", c.Line, c.Failure.Message)
		}
	}
}

// TestManyJobsGrouped runs 200 jobs at -j 8, each logging several lines:
// every job's block is printed whole, none lost, none mixed.
func TestManyJobsGrouped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var ns []string
	for i := range 200 {
		ns = append(ns, fmt.Sprint(i))
	}
	path := writeScript(t, dir, "many.yaml", fmt.Sprintf(`name: many
matrix:
  n: [%s]
steps:
  - log: first ${n}
  - spawn: {cmd: [sh, -c, 'echo "middle ${n}"'], tty: false}
  - expect: {re: 'middle (\d+)', capture: [m]}
  - log: second ${m}
  - run: {cmd: [echo, "third ${n}"], capture: t}
  - log: ${t}
`, strings.Join(ns, ", ")))
	code, out, errs := droverRun(t, dir, "run", "-j", "8", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	block := regexp.MustCompile(`(?m)^PASS  many \[n=(\d+)\]  \([^)]*\)\n {6}first (\d+)\n {6}second (\d+)\n {6}third (\d+)\n`)
	found := map[string]bool{}
	for _, m := range block.FindAllStringSubmatch(out, -1) {
		if m[1] != m[2] || m[1] != m[3] || m[1] != m[4] {
			t.Errorf("mixed block: %q", m[0])
		}
		found[m[1]] = true
	}
	if len(found) != 200 {
		t.Errorf("%d whole blocks, want 200\n%s", len(found), out)
	}
	if !strings.Contains(out, "200 passed, 0 failed") {
		t.Errorf("summary missing")
	}
}

// TestLocks runs 16 jobs at -j 8 that all hold one lock: each checks, by
// an atomic mkdir, that no other holder is inside.
func TestLocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "locks.yaml", `name: locked
matrix:
  n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
locks: [port-15353]
steps:
  - run: {shell: 'mkdir held || { echo "two holders at once"; exit 1; }; sleep 0.05; rmdir held'}
`)
	code, out, errs := droverRun(t, dir, "run", "-j", "8", path)
	if code != 0 {
		t.Fatalf("exit %d: the lock was not honoured\n%s%s", code, out, errs)
	}
	// Without the lock the same jobs collide: the test can fail.
	unlocked := writeScript(t, dir, "unlocked.yaml", strings.Replace(string(must(os.ReadFile(path))), "locks: [port-15353]\n", "", 1))
	code, out, _ = droverRun(t, dir, "run", "-j", "8", unlocked)
	if code != 1 || !strings.Contains(out, "two holders at once") {
		t.Logf("without locks no collision was seen (exit %d); the machine may be very slow", code)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRunSelects keeps the jobs whose name matches --run.
func TestRunSelects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "grid.yaml", matrix40)
	code, out, errs := droverRun(t, dir, "run", "--run", `a=3 b=[xy]\]`, path)
	if code != 0 || !strings.Contains(out, "2 passed, 0 failed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// An empty selection is most likely a typo: a usage error, not a pass.
	code, _, errs = droverRun(t, dir, "run", "--run", `nothing-matches`, path)
	if code != 2 || !strings.Contains(errs, `--run "nothing-matches" selects no job`) {
		t.Errorf("exit %d, %s", code, errs)
	}
	code, _, errs = droverRun(t, dir, "run", "--shard", "4/3", path)
	if code != 2 || !strings.Contains(errs, "want K/N") {
		t.Errorf("exit %d, %s", code, errs)
	}
	code, _, errs = droverRun(t, dir, "run", "--report", "xml=x", path)
	if code != 2 || !strings.Contains(errs, "want json=PATH or junit=PATH") {
		t.Errorf("exit %d, %s", code, errs)
	}
}

// TestRunExactName selects exactly the job whose name, pasted from the
// output, equals --run, though its brackets read as a regular expression
// would be a character class.
func TestRunExactName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "grid.yaml", matrix40)
	for _, name := range []string{"grid [a=3 b=z]", "grid [a=1 b=x]"} {
		code, out, errs := droverRun(t, dir, "run", "--run", name, path)
		if code != 0 || !strings.Contains(out, "1 passed, 0 failed") || !strings.Contains(out, "PASS  "+name+"  (") {
			t.Errorf("--run %q: exit %d\n%s%s", name, code, out, errs)
		}
	}
	// Not a name, and not a valid expression either: the error says both.
	code, _, errs := droverRun(t, dir, "run", "--run", "grid [a=3", path)
	if code != 2 || !strings.Contains(errs, `no job is named "grid [a=3"`) {
		t.Errorf("exit %d, %s", code, errs)
	}
}

// TestEmptyShard passes when there are more shards than jobs: an empty CI
// shard is not a failure, and its reports say nothing ran.
func TestEmptyShard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "two.yaml", "name: two\nmatrix:\n  n: [1, 2]\nsteps:\n  - log: hi ${n}\n")
	js := filepath.Join(dir, "r.json")
	code, out, errs := droverRun(t, dir, "run", "--shard", "3/3", "--report", "json="+js, path)
	if code != 0 || !strings.Contains(out, "no jobs in this shard") || !strings.Contains(out, "0 passed, 0 failed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if r := readJSON(t, js); len(r.Jobs) != 0 || r.Summary.Passed != 0 {
		t.Errorf("report %+v", r)
	}
	code, out, errs = droverRun(t, dir, "run", "--shard", "2/3", path)
	if code != 0 || !strings.Contains(out, "PASS  two [n=2]") || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("shard 2/3: exit %d\n%s%s", code, out, errs)
	}
}
