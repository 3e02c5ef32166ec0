//go:build unix

package main

import (
	"fmt"
	osexec "os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// BenchmarkShards measures the wall time of the longest of 4 shards, each
// a drover process running its jobs one at a time (-j 1, as one small CI
// machine would), on the uneven suite of TestShardEngines: split by count,
// and balanced by the report of an earlier run of the whole suite on this
// machine. Run it with
//
//	go test -run '^$' -bench Shards -benchtime 1x ./cmd/drover/
func BenchmarkShards(b *testing.B) {
	dir := b.TempDir()
	unevenSuite(b, dir, 240, 15)
	base := filepath.Join(dir, "base.json")
	if out, err := osexec.Command(drover, "run", "-j", "8", "--report", "json="+base, filepath.Join(dir, "uneven.yaml")).CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	for _, c := range []struct {
		name  string
		extra []string
	}{{"count", nil}, {"shard-by", []string{"--shard-by", base}}} {
		b.Run(c.name, func(b *testing.B) {
			var longest time.Duration
			for range b.N {
				longest += longestShard(b, dir, c.extra)
			}
			b.ReportMetric(float64(longest.Milliseconds())/float64(b.N), "ms/longest-shard")
		})
	}
}

// longestShard runs 4 shards of the suite at once and returns the wall
// time of the slowest.
func longestShard(b *testing.B, dir string, extra []string) time.Duration {
	var wg sync.WaitGroup
	took := make([]time.Duration, 4)
	errs := make([]error, 4)
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"run", "-q", "-j", "1", "--shard", fmt.Sprintf("%d/4", k+1)}, extra...)
			cmd := osexec.Command(drover, append(args, filepath.Join(dir, "uneven.yaml"))...)
			began := time.Now()
			out, err := cmd.CombinedOutput()
			took[k] = time.Since(began)
			if err != nil {
				errs[k] = fmt.Errorf("shard %d/4: %v\n%s", k+1, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return max(took[0], took[1], took[2], took[3])
}
