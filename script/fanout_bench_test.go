package script

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// BenchmarkFanOut runs a matrix of 200 jobs of /bin/true on 2 workers, as
// drover run -j 2 does: each job parsed, planned and run by Job.Run on an
// exec.Pool, its run step started on pipes, waited for and terminated.
// It is drover's own cost per job over the process's, in-process, to
// profile with -cpuprofile and -memprofile:
//
//	go test -run '^$' -bench FanOut -cpuprofile cpu.out ./script/
func BenchmarkFanOut(b *testing.B) {
	var src strings.Builder
	src.WriteString("name: fan-out\nmatrix:\n  n: [")
	for i := range 200 {
		if i > 0 {
			src.WriteString(", ")
		}
		fmt.Fprint(&src, i)
	}
	src.WriteString("]\nsteps:\n  - run: [/bin/true]\n")
	s, err := Parse("fanout.yaml", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	jobs := s.Jobs(nil)
	var mu sync.Mutex
	var failed *Result
	tasks := make([]exec.Task, len(jobs))
	for i := range tasks {
		tasks[i].Run = func(ctx context.Context) {
			if r := jobs[i].Run(ctx, &Options{}); r.Status != Passed {
				mu.Lock()
				failed = r
				mu.Unlock()
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		exec.Pool{Workers: 2}.Run(context.Background(), tasks)
	}
	if failed != nil {
		b.Fatalf("%s: %v", failed.Status, failed.Err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tasks)), "ns/job")
}
