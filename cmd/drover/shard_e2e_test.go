//go:build unix

package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/drover-dev/drover/script/report"
)

// unevenSuite writes a suite of 44 jobs that sleep ${ms} ms: 6 long ones
// at every 4th place, so that a count split by 4 puts them all on shard 1,
// among 38 short ones. It returns the script's path.
func unevenSuite(t testing.TB, dir string, long, short int) string {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("i,ms,secs\n")
	for i := range 44 {
		ms := short
		if i%4 == 0 && i < 24 {
			ms = long
		}
		fmt.Fprintf(&csv, "%d,%d,%.3f\n", i, ms, float64(ms)/1000)
	}
	if err := os.WriteFile(filepath.Join(dir, "sizes.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "uneven.yaml")
	src := "name: uneven\nmatrix:\n  csv: sizes.csv\nsteps:\n  - run: {cmd: [sleep, \"${secs}\"]}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// simulated is how each engine tells a shard its place: the variables of
// shard k (1-based) of n, and the --shard value.
type simulated struct {
	name string
	flag string
	env  func(k, n int) []string
}

var simulatedEngines = []simulated{
	{"gitlab", "auto", func(k, n int) []string {
		return []string{"CI_NODE_INDEX=" + strconv.Itoa(k), "CI_NODE_TOTAL=" + strconv.Itoa(n)}
	}},
	{"buildkite", "auto", func(k, n int) []string {
		return []string{"BUILDKITE_PARALLEL_JOB=" + strconv.Itoa(k-1), "BUILDKITE_PARALLEL_JOB_COUNT=" + strconv.Itoa(n)}
	}},
	{"circleci", "auto", func(k, n int) []string {
		return []string{"CIRCLE_NODE_INDEX=" + strconv.Itoa(k-1), "CIRCLE_NODE_TOTAL=" + strconv.Itoa(n)}
	}},
	{"kubernetes", "auto/4", func(k, n int) []string {
		return []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(k-1)}
	}},
}

// runShards starts n drover processes at once, shard k with the engine's
// variables for k, and returns their reports.
func runShards(t *testing.T, dir string, e simulated, n int, extra ...string) []report.Report {
	t.Helper()
	reps := make([]report.Report, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for k := 1; k <= n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js := filepath.Join(dir, fmt.Sprintf("%s-%d.json", e.name, k))
			args := append([]string{"run", "-j", "6", "--shard", e.flag, "--report", "json=" + js}, extra...)
			args = append(args, "uneven.yaml")
			code, out, errs := droverShardEnv(t, dir, e.env(k, n), args...)
			mu.Lock()
			defer mu.Unlock()
			if code != 0 {
				failures = append(failures, fmt.Sprintf("%s shard %d: exit %d\n%s%s", e.name, k, code, out, errs))
				return
			}
			b, err := os.ReadFile(js)
			if err == nil {
				err = json.Unmarshal(b, &reps[k-1])
			}
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s shard %d: %v", e.name, k, err))
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatal(strings.Join(failures, "\n"))
	}
	return reps
}

// checkShards checks that the reports of n shards hold every one of the
// total jobs exactly once, and that each records its shard, the total and
// a version; it returns the longest shard's load by durations.
func checkShards(t *testing.T, what string, reps []report.Report, total int, durations map[string]float64) float64 {
	t.Helper()
	seen := map[string]int{}
	longest := 0.0
	for k, r := range reps {
		if r.Shard == nil || r.Shard.K != k+1 || r.Shard.N != len(reps) || r.TotalJobs != total || r.Version == "" {
			t.Errorf("%s: shard %d's report records shard %+v, total_jobs %d, version %q", what, k+1, r.Shard, r.TotalJobs, r.Version)
		}
		load := 0.0
		for _, j := range r.Jobs {
			seen[j.Name]++
			if j.Status != "passed" {
				t.Errorf("%s: %s %s", what, j.Name, j.Status)
			}
			d, ok := durations[j.Name]
			if !ok {
				t.Errorf("%s: %s is no job of the suite", what, j.Name)
			}
			load += d
		}
		longest = max(longest, load)
	}
	if len(seen) != total {
		t.Errorf("%s: the shards hold %d distinct jobs, want %d", what, len(seen), total)
	}
	for name, c := range seen {
		if c != 1 {
			t.Errorf("%s: %s ran in %d shards", what, name, c)
		}
	}
	return longest
}

// TestShardEngines simulates each engine: 4 drover processes with its
// variables on a suite of 44 uneven jobs, balanced by an earlier report.
// Every job runs in exactly one shard; the longest shard (the sum of the
// report's durations of its jobs) is within 1.25x of the ideal, where the
// count split's is far beyond.
func TestShardEngines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unevenSuite(t, dir, 240, 15)
	base := filepath.Join(dir, "base.json")
	code, out, errs := droverShardEnv(t, dir, nil, "run", "-j", "8", "--report", "json="+base, "uneven.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// The earlier report, its durations made the jobs' sizes exactly,
	// so that what follows does not depend on this machine's timing.
	rep := readJSON(t, base)
	if rep.Shard != nil || rep.TotalJobs != 44 || rep.Version == "" {
		t.Errorf("unsharded report records shard %+v, total_jobs %d, version %q", rep.Shard, rep.TotalJobs, rep.Version)
	}
	durations := map[string]float64{}
	total := 0.0
	for i, j := range rep.Jobs {
		ms, err := strconv.Atoi(j.Matrix["ms"])
		if err != nil {
			t.Fatalf("job %+v", j)
		}
		rep.Jobs[i].Seconds = float64(ms) / 1000
		durations[j.Name] = rep.Jobs[i].Seconds
		total += rep.Jobs[i].Seconds
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ideal := total / 4

	counted := checkShards(t, "count split", runShards(t, dir, simulatedEngines[0], 4), 44, durations)
	for _, e := range simulatedEngines {
		balanced := checkShards(t, e.name, runShards(t, dir, e, 4, "--shard-by", base), 44, durations)
		if balanced > 1.25*ideal || balanced >= counted {
			t.Errorf("%s: the longest shard takes %.3fs by the report; ideal %.3fs, count split %.3fs", e.name, balanced, ideal, counted)
		}
	}
	if counted <= 1.25*ideal {
		t.Errorf("the count split's longest shard is %.3fs, ideal %.3fs: the suite is not uneven", counted, ideal)
	}
}

// TestShardErrors: a shard drover cannot place, or a --shard-by report it
// cannot read, is a usage error (exit 2) that names the variables or the
// file, before any job runs.
func TestShardErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unevenSuite(t, dir, 20, 10)
	writeFile := func(name, text string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	notJSON := writeFile("notjson.json", "jobs: [\n")
	noJobs := writeFile("nojobs.json", `{"summary": {}}`)
	noDuration := writeFile("noduration.json", `{"jobs": [{"name": "uneven [i=0 ms=20 secs=0.020]"}]}`)
	good := writeFile("good.json", `{"jobs": []}`)
	// A FIFO no one writes: reading it would wait forever.
	fifo := "fifo.json"
	if err := syscall.Mkfifo(filepath.Join(dir, fifo), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"--shard", "auto"}, []string{"CI_NODE_INDEX/CI_NODE_TOTAL", "BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT", "CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL"}},
		{[]string{"JOB_COMPLETION_INDEX=1"}, []string{"--shard", "auto"}, []string{"--shard auto/N"}},
		{[]string{"CI_NODE_INDEX=5", "CI_NODE_TOTAL=4"}, []string{"--shard", "auto"}, []string{`CI_NODE_INDEX="5"`, `CI_NODE_TOTAL="4"`}},
		{[]string{"BUILDKITE_PARALLEL_JOB=4", "BUILDKITE_PARALLEL_JOB_COUNT=4"}, []string{"--shard", "auto"}, []string{`BUILDKITE_PARALLEL_JOB="4"`}},
		{[]string{"CIRCLE_NODE_INDEX=2"}, []string{"--shard", "auto"}, []string{"CIRCLE_NODE_TOTAL"}},
		{nil, []string{"--shard", "auto/3"}, []string{"JOB_COMPLETION_INDEX is not set"}},
		{[]string{"JOB_COMPLETION_INDEX=3"}, []string{"--shard", "auto/3"}, []string{`JOB_COMPLETION_INDEX="3"`}},
		{nil, []string{"--shard-by", good}, []string{"--shard-by good.json", "--shard"}},
		{nil, []string{"--shard", "1/2", "--shard-by", "missing.json"}, []string{"--shard-by missing.json", "no such file"}},
		{nil, []string{"--shard", "1/2", "--shard-by", dir}, []string{"--shard-by " + dir + ": not a regular file"}},
		{nil, []string{"--shard", "1/2", "--shard-by", fifo}, []string{"--shard-by fifo.json: not a regular file"}},
		{nil, []string{"--shard", "1/2", "--shard-by", notJSON}, []string{"--shard-by notjson.json: not a drover JSON report"}},
		{nil, []string{"--shard", "1/2", "--shard-by", noJobs}, []string{"--shard-by nojobs.json: not a drover JSON report"}},
		{nil, []string{"--shard", "1/2", "--shard-by", noDuration}, []string{"--shard-by noduration.json: job 1"}},
	} {
		args := append(append([]string{"run"}, c.args...), "uneven.yaml")
		code, out, errs := droverShardEnv(t, dir, c.env, args...)
		if code != 2 || out != "" {
			t.Errorf("%v drover %v: exit %d, want 2 before any job\n%s%s", c.env, c.args, code, out, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v drover %v: %q\nwant it to say %q", c.env, c.args, errs, w)
			}
		}
	}
	// A report of other jobs is no error: each counts as the median,
	// 1s when none is known, and the shards still hold every job.
	for k := 1; k <= 2; k++ {
		code, out, errs := droverShardEnv(t, dir, nil, "run", "--shard", fmt.Sprintf("%d/2", k), "--shard-by", good, "uneven.yaml")
		if code != 0 || !strings.Contains(out, "22 passed") {
			t.Errorf("--shard %d/2 --shard-by a report of no job: exit %d\n%s%s", k, code, out, errs)
		}
	}
}

// TestShardAutoEmpty: a GitLab shard past the jobs passes, and both its
// reports record the shard, the total and the version.
func TestShardAutoEmpty(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "three.yaml", "name: three\nmatrix: {n: [1, 2, 3]}\nsteps:\n  - run: [echo, \"${n}\"]\n")
	for _, k := range []int{5, 2} {
		js, xm := filepath.Join(dir, fmt.Sprintf("%d.json", k)), filepath.Join(dir, fmt.Sprintf("%d.xml", k))
		env := []string{"CI_NODE_INDEX=" + strconv.Itoa(k), "CI_NODE_TOTAL=5"}
		code, out, errs := droverShardEnv(t, dir, env, "run", "--shard", "auto", "--report", "json="+js, "--report", "junit="+xm, "three.yaml")
		ran := 1
		if k == 5 {
			ran = 0
			if !strings.Contains(out, "no jobs in this shard (shard 5/5 of 3 jobs)") {
				t.Errorf("shard 5/5 of 3 jobs says:\n%s", out)
			}
		}
		if code != 0 {
			t.Fatalf("shard %d/5: exit %d\n%s%s", k, code, out, errs)
		}
		r := readJSON(t, js)
		if len(r.Jobs) != ran || r.Shard == nil || *r.Shard != (report.Shard{K: k, N: 5}) || r.TotalJobs != 3 || r.Version == "" {
			t.Errorf("shard %d/5's report: %d jobs, shard %+v, total_jobs %d, version %q", k, len(r.Jobs), r.Shard, r.TotalJobs, r.Version)
		}
		b, err := os.ReadFile(xm)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Suites []struct {
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", xm, err)
		}
		want := fmt.Sprintf("drover.version=%s drover.shard=%d/5 drover.total_jobs=3", r.Version, k)
		for _, s := range doc.Suites {
			var got []string
			for _, p := range s.Props {
				got = append(got, p.Name+"="+p.Value)
			}
			if strings.Join(got, " ") != want {
				t.Errorf("shard %d/5's JUnit properties %q, want %q", k, got, want)
			}
		}
		if len(doc.Suites) != ran {
			t.Errorf("shard %d/5's JUnit report holds %d suites, want %d", k, len(doc.Suites), ran)
		}
	}
}
