package main

import (
	"bytes"
	"context"
	"os"
	osexec "os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drover-dev/drover/script"
)

// engineVars are every variable --shard auto and auto/N read.
var engineVars = []string{"CI_NODE_INDEX", "CI_NODE_TOTAL", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT",
	"CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", "JOB_COMPLETION_INDEX"}

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveShard(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		spec string
		env  map[string]string
		k, n int
	}{
		{"", nil, 1, 1},
		{"2/3", map[string]string{"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "9"}, 2, 3}, // K/N wins
		{"auto", map[string]string{"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, 1, 4},
		{"auto", map[string]string{"CI_NODE_INDEX": "4", "CI_NODE_TOTAL": "4"}, 4, 4},
		{"auto", map[string]string{"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "3"}, 1, 3},
		{"auto", map[string]string{"BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "3"}, 3, 3},
		{"auto", map[string]string{"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "1"}, 1, 1},
		{"auto", map[string]string{"CIRCLE_NODE_INDEX": "4", "CIRCLE_NODE_TOTAL": "5"}, 5, 5},
		{"auto/4", map[string]string{"JOB_COMPLETION_INDEX": "0"}, 1, 4},
		{"auto/4", map[string]string{"JOB_COMPLETION_INDEX": "3", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2"}, 4, 4},
	} {
		k, n, err := resolveShard(c.spec, envOf(c.env))
		if err != nil || k != c.k || n != c.n {
			t.Errorf("--shard %q with %v: %d/%d, %v; want %d/%d", c.spec, c.env, k, n, err, c.k, c.n)
		}
	}
	for _, c := range []struct {
		spec string
		env  map[string]string
		want []string // each in the message
	}{
		{"auto", nil, []string{"CI_NODE_INDEX/CI_NODE_TOTAL", "BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT", "CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL"}},
		{"auto", map[string]string{"JOB_COMPLETION_INDEX": "2"}, []string{"CI_NODE_INDEX", "--shard auto/N"}},
		{"auto", map[string]string{"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"}, []string{"GitLab", `CI_NODE_INDEX="0"`, `CI_NODE_TOTAL="4"`}},
		{"auto", map[string]string{"CI_NODE_INDEX": "5", "CI_NODE_TOTAL": "4"}, []string{`--shard auto: GitLab: CI_NODE_INDEX="5" and CI_NODE_TOTAL="4", want a total of at least 1 and an index from 1 to CI_NODE_TOTAL`}},
		{"auto", map[string]string{"BUILDKITE_PARALLEL_JOB": "3", "BUILDKITE_PARALLEL_JOB_COUNT": "3"}, []string{`BUILDKITE_PARALLEL_JOB="3"`, "from 0 to BUILDKITE_PARALLEL_JOB_COUNT-1"}},
		{"auto", map[string]string{"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "0"}, []string{`CI_NODE_TOTAL="0"`, "a total of at least 1"}},
		{"auto", map[string]string{"CIRCLE_NODE_INDEX": "-1", "CIRCLE_NODE_TOTAL": "2"}, []string{`CIRCLE_NODE_INDEX="-1"`}},
		{"auto", map[string]string{"CIRCLE_NODE_INDEX": "1", "CIRCLE_NODE_TOTAL": "zero"}, []string{`CIRCLE_NODE_TOTAL="zero"`}},
		{"auto", map[string]string{"CIRCLE_NODE_INDEX": "1"}, []string{`CIRCLE_NODE_TOTAL=""`, "want both set"}},
		{"auto/4", nil, []string{"JOB_COMPLETION_INDEX is not set"}},
		{"auto/4", map[string]string{"JOB_COMPLETION_INDEX": "4"}, []string{`JOB_COMPLETION_INDEX="4"`, "0 to 3"}},
		{"auto/0", map[string]string{"JOB_COMPLETION_INDEX": "0"}, []string{"auto/N with N >= 1"}},
		{"auto/x", nil, []string{"auto/N"}},
		{"autos", nil, []string{"want K/N"}},
	} {
		_, _, err := resolveShard(c.spec, envOf(c.env))
		if err != nil && strings.HasPrefix(c.want[0], "--shard") && err.Error() != c.want[0] {
			t.Errorf("--shard %q with %v: %v\nwant exactly %s", c.spec, c.env, err, c.want[0])
		}
		if err == nil {
			t.Errorf("--shard %q with %v: no error", c.spec, c.env)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("--shard %q with %v: %v\nwant it to say %q", c.spec, c.env, err, w)
			}
		}
	}
}

func TestVersionOf(t *testing.T) {
	t.Parallel()
	rev := "3bc8ef2a91c04d5e6f7a8b9c0d1e2f3a4b5c6d7e"
	settings := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, c := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "(devel)"},
		{&debug.BuildInfo{}, "(devel)"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "v0.3.0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("true")}, "(devel) 3bc8ef2a91c0+dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("false")}, "(devel) 3bc8ef2a91c0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130154933-3bc8ef2a91c0+dirty"}, Settings: settings("true")}, "v0.0.0-20261130154933-3bc8ef2a91c0+dirty"},
	} {
		if got := versionOf(c.bi); got != c.want {
			t.Errorf("versionOf(%+v) = %q, want %q", c.bi, got, c.want)
		}
	}
}

// TestVersionBuilt: the built binary prints the version its build info
// holds, as `go version -m` reads it.
func TestVersionBuilt(t *testing.T) {
	t.Parallel()
	code, out, errs := droverRun(t, t.TempDir(), "version")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	m, err := osexec.Command("go", "version", "-m", drover).Output()
	if err != nil {
		t.Fatal(err)
	}
	var mod string
	for _, line := range strings.Split(string(m), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "mod" {
			mod = f[2]
		}
	}
	if mod == "" || !strings.HasPrefix(out, "drover "+mod) {
		t.Errorf("drover version printed %q; go version -m says the module is %q", out, mod)
	}
}

// droverShardEnv runs drover with env added to an environment cleared of the
// engines' variables, which the test's own CI may have set.
func droverShardEnv(t *testing.T, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, drover, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(engineVars, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("drover %s: still running after 2m\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.String(), e.String())
	}
	code = 0
	if err != nil {
		ee, ok := err.(*osexec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return code, o.String(), e.String()
}

// TestShardBy: longest first onto the lightest shard, the lowest on a tie,
// equal jobs in their order; a job the report lacks counts as the median;
// each shard keeps the jobs' order; together the shards hold every job.
func TestShardBy(t *testing.T) {
	t.Parallel()
	var jobs []script.Job
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		jobs = append(jobs, script.Job{Script: &script.Script{Name: name}})
	}
	names := func(js []script.Job) string {
		var s []string
		for _, j := range js {
			s = append(s, j.Name())
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		durations map[string]float64
		want      []string // shard 1, 2, 3
	}{
		// All alike, or nothing known: round-robin, as the count split.
		{map[string]float64{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1}, []string{"a d g", "b e", "c f"}},
		{map[string]float64{}, []string{"a d g", "b e", "c f"}},
		// g (9) alone; then e, f (3 each, in order) onto 2 and 3; then
		// a, b, c, d (1 each) onto the lightest, the lowest on a tie.
		{map[string]float64{"a": 1, "b": 1, "c": 1, "d": 1, "e": 3, "f": 3, "g": 9}, []string{"g", "a c e", "b d f"}},
		// a, b, c unknown: the median of 2, 4, 6, 8 is 5. g 8 onto 1,
		// f 6 onto 2, a 5 onto 3, b 5 onto 3 (5 < 6), c 5 onto 2 (6 < 8),
		// e 4 onto 1 (8 < 10, 11), d 2 onto 3 (10 < 11, 12).
		{map[string]float64{"d": 2, "e": 4, "f": 6, "g": 8}, []string{"e g", "c f", "a b d"}},
	} {
		var got []string
		for k := 1; k <= 3; k++ {
			got = append(got, names(shardBy(jobs, k, 3, c.durations)))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("durations %v: shards %q, want %q", c.durations, got, c.want)
		}
	}
	if got := shardBy(jobs, 1, 1, map[string]float64{"a": 5}); len(got) != len(jobs) {
		t.Errorf("shard 1/1 holds %d jobs, want all %d", len(got), len(jobs))
	}
}
