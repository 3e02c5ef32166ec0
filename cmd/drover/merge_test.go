package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drover-dev/drover/script"
)

// flaky is a suite of 14 jobs: those with n > 9 fail until the file
// ${flag} exists, and one script skips.
const flaky = `name: flaky
matrix:
  n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
vars:
  flag: %s
steps:
  - run: {cmd: [sh, -c, 'echo ran ${n} >> "$0.ran"; test ${n} -le 9 || test -e "$0"', "${flag}"]}
`

const skipped = "name: later\nskip: not yet\nsteps:\n  - run: [true]\n"

const passing = "name: plain\nsteps:\n  - run: [true]\n"

// flakySuite writes the suite into dir and returns its scripts and the
// path of the flag that fixes it.
func flakySuite(t *testing.T, dir string) (scripts []string, flag string) {
	t.Helper()
	flag = filepath.Join(dir, "fixed")
	return []string{
		writeScript(t, dir, "flaky.yaml", fmt.Sprintf(flaky, flag)),
		writeScript(t, dir, "later.yaml", skipped),
		writeScript(t, dir, "plain.yaml", passing),
	}, flag
}

// withShard records in a shard's report its shard and its run's number
// of jobs, if drover run did not (the fields merge reads).
func withShard(t *testing.T, path string, k, n, total int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["shard"]; ok {
		return
	}
	doc["shard"] = map[string]int{"k": k, "n": n}
	doc["total_jobs"] = total
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runShardReports runs the suite in n shards, each with its JSON report.
func runShardReports(t *testing.T, dir string, n int, scripts []string) []string {
	t.Helper()
	var reports []string
	for k := 1; k <= n; k++ {
		js := filepath.Join(dir, fmt.Sprintf("shard%d.json", k))
		args := append([]string{"run", "--shard", fmt.Sprintf("%d/%d", k, n), "--report", "json=" + js}, scripts...)
		if code, out, errs := droverRun(t, dir, args...); code > 1 {
			t.Fatalf("shard %d: exit %d\n%s%s", k, code, out, errs)
		}
		withShard(t, js, k, n, 14)
		reports = append(reports, js)
	}
	return reports
}

// TestMergeShards runs a suite in three shards and merges their reports:
// the JSON and the JUnit hold every job once, with its status.
func TestMergeShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scripts, _ := flakySuite(t, dir)
	reports := runShardReports(t, dir, 3, scripts)
	all, xml := filepath.Join(dir, "all.json"), filepath.Join(dir, "all.xml")
	code, out, errs := droverRun(t, dir, append([]string{"report", "merge", "-o", all, "--junit", xml}, reports...)...)
	if code != 0 || !strings.Contains(out, "merged 3 reports into "+all+": 14 jobs, 10 passed, 3 failed, 1 skipped") || errs != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	r := readJSON(t, all)
	var names []string
	var longest float64
	for _, p := range reports {
		longest = max(longest, readJSON(t, p).Summary.Seconds)
	}
	for _, j := range r.Jobs {
		names = append(names, j.Name)
		if n := strings.TrimSuffix(strings.TrimPrefix(j.Name, "flaky [n="), "]"); n >= "10" && len(n) == 2 && j.Status != script.Failed {
			t.Errorf("%s: %s, want failed", j.Name, j.Status)
		}
	}
	slices.Sort(names)
	var want []string
	for n := 1; n <= 12; n++ {
		want = append(want, fmt.Sprintf("flaky [n=%d]", n))
	}
	want = append(want, "later", "plain")
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("merged jobs %q, want each of %q once", names, want)
	}
	if s := r.Summary; s.Passed != 10 || s.Failed != 3 || s.Skipped != 1 || s.Seconds != longest || r.TotalJobs != 14 || r.Shard != nil {
		t.Errorf("summary %+v, total %d, shard %v; want the longest shard's %v s", s, r.TotalJobs, r.Shard, longest)
	}
	d := readJUnit(t, xml)
	var cases []string
	failures := 0
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			cases = append(cases, c.Name)
			if c.Failure != nil {
				failures++
				if c.Line != 7 || !strings.Contains(c.Failure.Text, "want exit 0, got exit 1") {
					t.Errorf("JUnit failure of %s: line %d, %q", c.Name, c.Line, c.Failure.Text)
				}
			}
		}
	}
	slices.Sort(cases)
	if !slices.Equal(cases, want) || d.Tests != 14 || d.Failures != 3 || failures != 3 || d.Skipped != 1 {
		t.Errorf("JUnit: %d tests, %d failures, %d skipped: %q", d.Tests, d.Failures, d.Skipped, cases)
	}
}

// TestMergeRejects: a job in two reports, a shard missing or twice, and
// reports of other runs are errors (exit 1) naming them; bad files exit
// 2 naming them; nothing is written then.
func TestMergeRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scripts, _ := flakySuite(t, dir)
	reports := runShardReports(t, dir, 3, scripts)
	b, err := os.ReadFile(reports[0])
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.json")
	if err := os.WriteFile(again, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The same jobs without shards: plain lists.
	plain1, plain2 := filepath.Join(dir, "plain1.json"), filepath.Join(dir, "plain2.json")
	for _, p := range []string{plain1, plain2} {
		if code, out, errs := droverRun(t, dir, append([]string{"run", "--run", "plain", "--report", "json=" + p}, scripts...)...); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	}
	notJSON := writeScript(t, dir, "not.json", "{\n  \"summary\": {},\n  \"jobs\": [,]\n}\n")
	notReport := writeScript(t, dir, "other.json", `{"name": "x"}`)
	out := filepath.Join(dir, "all.json")
	for _, c := range []struct {
		files []string
		code  int
		want  []string
	}{
		{[]string{reports[0], reports[2]}, 1, []string{"shard 2/3 is missing"}},
		{[]string{reports[0]}, 1, []string{"shards 2/3, 3/3 are missing"}},
		{[]string{reports[0], reports[1], reports[2], again}, 1, []string{"shard 1/3 is both " + reports[0] + " and " + again}},
		{[]string{reports[0], reports[1], reports[2], plain1}, 1, []string{"some reports record their shard (" + reports[0]}},
		{[]string{plain1, plain2}, 1, []string{`job "plain" (` + scripts[2] + ") is in both " + plain1 + " and " + plain2}},
		{[]string{plain1, plain1}, 1, []string{plain1 + " is given twice"}},
		{[]string{reports[0], filepath.Join(dir, "none.json")}, 2, []string{filepath.Join(dir, "none.json") + ": no such file or directory"}},
		{[]string{notJSON, notReport}, 2, []string{notJSON + ":3:12: not JSON", notReport + `: not a drover report: no "summary"`}},
	} {
		code, stdout, errs := droverRun(t, dir, append([]string{"report", "merge", "-o", out}, c.files...)...)
		if code != c.code {
			t.Errorf("merge %q: exit %d, want %d\n%s%s", c.files, code, c.code, stdout, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, "drover report merge: "+w) {
				t.Errorf("merge %q: stderr\n%s\nwithout %q", c.files, errs, w)
			}
		}
		if _, err := os.Lstat(out); err == nil {
			t.Fatalf("merge %q wrote %s", c.files, out)
		}
	}
	// The duplicate, made shards of one run: the job is named.
	withShard(t, plain1, 1, 2, 2)
	withShard(t, plain2, 2, 2, 2)
	code, _, errs := droverRun(t, dir, "report", "merge", "-o", out, plain1, plain2)
	if code != 1 || !strings.Contains(errs, `job "plain" (`+scripts[2]+") is in both") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	for _, args := range [][]string{{"report"}, {"report", "split"}, {"report", "merge", reports[0]}, {"report", "merge", "-o", out}} {
		if code, _, _ := droverRun(t, dir, args...); code != 2 {
			t.Errorf("drover %q: exit %d, want 2", args, code)
		}
	}
}

// TestMergeReplacesSymlink: the merged files replace a symbolic link in
// their place, never write through it; merging one plain report says a
// missing shard cannot be told only when there are several.
func TestMergeReplacesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scripts, _ := flakySuite(t, dir)
	one := filepath.Join(dir, "one.json")
	if code, out, errs := droverRun(t, dir, append([]string{"run", "--report", "json=" + one}, scripts...)...); code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	target := writeScript(t, dir, "target.txt", "keep me\n")
	out, xml := filepath.Join(dir, "all.json"), filepath.Join(dir, "all.xml")
	for _, p := range []string{out, xml} {
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, errs := droverRun(t, dir, "report", "merge", "-o", out, "--junit", xml, one)
	if code != 0 || strings.Contains(errs, "note") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	for _, p := range []string{out, xml} {
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, %v", p, fi.Mode(), err)
		}
	}
	if r := readJSON(t, out); len(r.Jobs) != 14 || r.Summary.Failed != 3 {
		t.Errorf("merged %d jobs, summary %+v", len(r.Jobs), r.Summary)
	}
	code, _, errs = droverRun(t, dir, "report", "merge", "-o", out, one, writeScript(t, dir, "empty.json", `{"summary": {}, "jobs": []}`))
	if code != 0 || !strings.Contains(errs, "note: the reports record no shard") {
		t.Errorf("exit %d, stderr %q: want a note", code, errs)
	}
}

// ran returns the jobs' n values the flaky suite ran since the last call.
func ran(t *testing.T, flag string) []string {
	t.Helper()
	b, err := os.ReadFile(flag + ".ran")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	_ = os.Remove(flag + ".ran")
	got := strings.Fields(strings.ReplaceAll(string(b), "ran ", ""))
	slices.Sort(got)
	return got
}

// TestRerunFailed runs a suite whose jobs n > 9 fail until a file exists,
// then --rerun-failed its report: exactly the jobs that failed or were
// skipped run again (the scripts taken from the report); once fixed they
// pass, and the rerun's report laid over the old one holds every job
// once, passed. Rerunning a report with nothing failed runs nothing.
func TestRerunFailed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scripts, flag := flakySuite(t, dir)
	old := filepath.Join(dir, "old.json")
	if code, out, errs := droverRun(t, dir, append([]string{"run", "--report", "json=" + old}, scripts...)...); code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if got := ran(t, flag); len(got) != 12 {
		t.Fatalf("the first run ran %q", got)
	}
	// Still broken: the same three fail again, and only they (and the
	// skipped job) run.
	re1 := filepath.Join(dir, "re1.json")
	code, out, errs := droverRun(t, dir, "run", "--rerun-failed", old, "--report", "json="+re1)
	if code != 1 || !strings.Contains(out, "0 passed, 3 failed, 1 skipped") {
		t.Errorf("rerun: exit %d\n%s%s", code, out, errs)
	}
	if got := ran(t, flag); !slices.Equal(got, []string{"10", "11", "12"}) {
		t.Errorf("the rerun ran %q, want 10 11 12", got)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Fixed: the scripts given, the rerun of the rerun passes them.
	re2 := filepath.Join(dir, "re2.json")
	code, out, errs = droverRun(t, dir, append([]string{"run", "--rerun-failed", re1, "--report", "json=" + re2}, scripts...)...)
	if code != 0 || !strings.Contains(out, "3 passed, 0 failed, 1 skipped") || strings.Contains(out, "plain") {
		t.Errorf("rerun: exit %d\n%s%s", code, out, errs)
	}
	if got := ran(t, flag); !slices.Equal(got, []string{"10", "11", "12"}) {
		t.Errorf("the rerun ran %q, want 10 11 12", got)
	}
	final := filepath.Join(dir, "final.json")
	code, out, errs = droverRun(t, dir, "report", "merge", "-o", final, old, "--rerun", re1, "--rerun", re2)
	if code != 0 || !strings.Contains(out, "merged 1 report and 2 reruns into "+final+": 14 jobs, 13 passed, 0 failed, 1 skipped") {
		t.Fatalf("merge: exit %d\n%s%s", code, out, errs)
	}
	r := readJSON(t, final)
	seen := map[string]bool{}
	for _, j := range r.Jobs {
		if seen[j.Name] {
			t.Errorf("%s twice", j.Name)
		}
		seen[j.Name] = true
	}
	if len(seen) != 14 || r.Summary.Passed != 13 {
		t.Errorf("merged %d jobs, %+v", len(seen), r.Summary)
	}
	// Nothing left to run: a note, exit 0. (A job its script skips is
	// run again, in case what it requires is there now.)
	passed := filepath.Join(dir, "passed.json")
	if code, out, errs := droverRun(t, dir, append([]string{"run", "--run", "plain", "--report", "json=" + passed}, scripts...)...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = droverRun(t, dir, "run", "--rerun-failed", passed)
	if code != 0 || !strings.Contains(out, "no failed jobs in "+passed+": nothing to run again") || !strings.Contains(out, "0 passed, 0 failed") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	// A rerun's job that the merged reports lack is an error.
	code, _, errs = droverRun(t, dir, "report", "merge", "-o", final, re1, "--rerun", old)
	if code != 1 || !strings.Contains(errs, old+`: job "plain" (`+scripts[2]+") is in none of the reports it reruns") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	// A job the scripts no longer have: a usage error naming it.
	writeScript(t, dir, "flaky.yaml", strings.Replace(fmt.Sprintf(flaky, flag), "name: flaky", "name: renamed", 1))
	code, _, errs = droverRun(t, dir, "run", "--rerun-failed", re1)
	if code != 2 || !strings.Contains(errs, `the scripts no longer have the job "flaky [n=10]"`) {
		t.Errorf("exit %d\n%s", code, errs)
	}
	code, _, errs = droverRun(t, dir, "run", "--rerun-failed", filepath.Join(dir, "none.json"))
	if code != 2 || !strings.Contains(errs, "--rerun-failed: "+filepath.Join(dir, "none.json")+": no such file") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}
