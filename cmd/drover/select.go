package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/drover-dev/drover/script"
)

// selectJobs keeps the jobs that --run selects: a value equal to a job's
// name selects exactly the jobs of that name, so that a name pasted from
// the output, brackets and all ("nslookup [n=5]"), means that job;
// otherwise it is a regular expression that must match part of the name.
// "" selects every job.
func selectJobs(jobs []script.Job, run string) ([]script.Job, error) {
	if run == "" {
		return jobs, nil
	}
	var exact []script.Job
	for _, j := range jobs {
		if j.Name() == run {
			exact = append(exact, j)
		}
	}
	if len(exact) > 0 {
		return exact, nil
	}
	re, err := regexp.Compile(run)
	if err != nil {
		return nil, fmt.Errorf("--run: %v (and no job is named %q)", err, run)
	}
	var out []script.Job
	for _, j := range jobs {
		if re.MatchString(j.Name()) {
			out = append(out, j)
		}
	}
	return out, nil
}

// parseShard parses --shard K/N; "" means the whole, 1/1.
func parseShard(s string) (k, n int, err error) {
	if s == "" {
		return 1, 1, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("--shard %q: want K/N with 1 <= K <= N, such as 2/3", s)
	}
	return k, n, nil
}

// shard keeps the jobs of shard k of n: every n-th job, starting at the
// k-th, in the order the files and matrices give, which is the same on
// every machine given the same arguments. Shards never overlap and
// together hold every job, and their sizes differ by one at most.
func shard(jobs []script.Job, k, n int) []script.Job {
	if n == 1 {
		return jobs
	}
	var out []script.Job
	for i := k - 1; i < len(jobs); i += n {
		out = append(out, jobs[i])
	}
	return out
}
