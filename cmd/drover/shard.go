package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/drover-dev/drover/script"
)

// engine is a CI engine that runs N copies of a job and tells each its
// index in two environment variables.
type engine struct {
	name, index, total string
	base               int // the first index: 1 on GitLab, 0 elsewhere
}

// engines are the ones --shard auto reads, in the order it tries them.
var engines = []engine{
	{"GitLab", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1},
	{"Buildkite", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0},
	{"CircleCI", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0},
}

// k8sIndex is the index a Kubernetes Indexed Job gives each pod, from 0;
// the number of completions is not in the pod's environment, so
// --shard auto/N says it.
const k8sIndex = "JOB_COMPLETION_INDEX"

// resolveShard parses --shard: "" is the whole (1/1), "K/N" a shard,
// "auto" a shard from the engine's variables, "auto/N" shard N of a
// Kubernetes Indexed Job. getenv reads the environment.
func resolveShard(s string, getenv func(string) string) (k, n int, err error) {
	if s == "auto" {
		return autoShard(getenv)
	}
	if ns, ok := strings.CutPrefix(s, "auto/"); ok {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("--shard %q: want auto/N with N >= 1, the Indexed Job's completions", s)
		}
		v := getenv(k8sIndex)
		if v == "" {
			return 0, 0, fmt.Errorf("--shard auto/%d: %s is not set (a Kubernetes Indexed Job sets it in each pod)", n, k8sIndex)
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= n {
			return 0, 0, fmt.Errorf("--shard auto/%d: %s=%q, want 0 to %d", n, k8sIndex, v, n-1)
		}
		return i + 1, n, nil
	}
	return parseShard(s)
}

// autoShard finds the first engine whose variables are set.
func autoShard(getenv func(string) string) (k, n int, err error) {
	for _, e := range engines {
		iv, tv := getenv(e.index), getenv(e.total)
		if iv == "" && tv == "" {
			continue
		}
		if iv == "" || tv == "" {
			return 0, 0, fmt.Errorf("--shard auto: %s: %s=%q and %s=%q, want both set", e.name, e.index, iv, e.total, tv)
		}
		i, err1 := strconv.Atoi(iv)
		t, err2 := strconv.Atoi(tv)
		if err1 != nil || err2 != nil || t < 1 || i < e.base || i-e.base >= t {
			last := e.total
			if e.base == 0 {
				last += "-1"
			}
			return 0, 0, fmt.Errorf("--shard auto: %s: %s=%q and %s=%q, want a total of at least 1 and an index from %d to %s",
				e.name, e.index, iv, e.total, tv, e.base, last)
		}
		return i - e.base + 1, t, nil
	}
	var vars []string
	for _, e := range engines {
		vars = append(vars, e.index+"/"+e.total+" ("+e.name+")")
	}
	msg := "--shard auto: no CI engine's shard variables are set: looked for " + strings.Join(vars, ", ")
	if getenv(k8sIndex) != "" {
		msg += "; for a Kubernetes Indexed Job (" + k8sIndex + " is set) use --shard auto/N, N its completions"
	}
	return 0, 0, fmt.Errorf("%s", msg)
}

// maxReport bounds the report --shard-by reads: 100,000 jobs with their
// logs fit.
const maxReport = 1 << 30

// jobKey identifies a job across runs and reports: its name and its matrix
// values, sorted by axis.
func jobKey(name string, matrix map[string]string) string {
	keys := make([]string, 0, len(matrix))
	for k := range matrix {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + matrix[k])
	}
	return b.String()
}

// keyOf is jobKey for a job about to run.
func keyOf(j script.Job) string {
	m := make(map[string]string, len(j.Matrix))
	for _, kv := range j.Shown() { // As the report has them.
		m[kv.Key] = kv.Value
	}
	return jobKey(j.Name(), m)
}

// loadDurations reads the duration of each job of an earlier JSON report,
// by jobKey.
// A FIFO or a device, which could block or never end, and a file larger
// than maxReport, are refused.
func loadDurations(path string) (map[string]float64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--shard-by %s: %w", path, unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("--shard-by %s: not a regular file", path)
	}
	if fi.Size() > maxReport {
		return nil, fmt.Errorf("--shard-by %s: larger than %d MiB, not a drover JSON report", path, maxReport>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--shard-by %s: %w", path, unwrapPath(err))
	}
	var rep struct {
		Jobs []struct {
			Name    string            `json:"name"`
			Matrix  map[string]string `json:"matrix"`
			Seconds *float64          `json:"duration_s"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("--shard-by %s: not a drover JSON report: %v", path, err)
	}
	if rep.Jobs == nil {
		return nil, fmt.Errorf("--shard-by %s: not a drover JSON report: no \"jobs\"", path)
	}
	d := make(map[string]float64, len(rep.Jobs))
	for i, j := range rep.Jobs {
		if j.Name == "" || j.Seconds == nil || *j.Seconds < 0 {
			return nil, fmt.Errorf("--shard-by %s: job %d has no name or no duration_s", path, i+1)
		}
		d[jobKey(j.Name, j.Matrix)] = *j.Seconds
	}
	return d, nil
}

// shardBy keeps the jobs of shard k of n, balanced by their durations in
// an earlier report: longest first, each onto the shard with the least
// time so far (the lowest-numbered on a tie), a job the report lacks
// counted as the median of the known durations (1s when none is known).
// Equal durations keep the jobs' order, so that every machine, given the
// same arguments and report, computes the same split. The jobs of a shard
// run in their usual order.
func shardBy(jobs []script.Job, k, n int, durations map[string]float64) []script.Job {
	if n == 1 {
		return jobs
	}
	cost := estimate(jobs, durations)
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cost[order[a]] > cost[order[b]] })
	load := make([]float64, n)
	mine := make([]bool, len(jobs))
	for _, i := range order {
		lightest := 0
		for s := 1; s < n; s++ {
			if load[s] < load[lightest] {
				lightest = s
			}
		}
		load[lightest] += cost[i]
		mine[i] = lightest == k-1
	}
	var out []script.Job
	for i, j := range jobs {
		if mine[i] {
			out = append(out, j)
		}
	}
	return out
}

// estimate is each job's duration in the report, or the median of the
// known ones.
func estimate(jobs []script.Job, durations map[string]float64) []float64 {
	cost := make([]float64, len(jobs))
	known := make([]bool, len(jobs))
	var seen []float64
	for i, j := range jobs {
		if d, ok := durations[keyOf(j)]; ok {
			cost[i], known[i] = d, true
			seen = append(seen, d)
		}
	}
	median := 1.0
	if len(seen) > 0 {
		slices.Sort(seen)
		median = seen[len(seen)/2]
		if len(seen)%2 == 0 {
			median = (seen[len(seen)/2-1] + seen[len(seen)/2]) / 2
		}
	}
	for i := range cost {
		if !known[i] {
			cost[i] = median
		}
	}
	return cost
}
