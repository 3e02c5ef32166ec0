package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/drover-dev/drover/script"
)

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
