//go:build unix

package exec

import (
	"bytes"
	"context"
	"os"
	osexec "os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmarks here complete bench_test.go for issue 5 (make bench,
// testdata/bench): the matcher at 1 GB, tty output as programs print it,
// and the cost of fanning jobs out.

// BenchmarkMatcherThroughput1GB extends BenchmarkMatcherThroughput to
// 1 GB, so that MB/s and B/op can be read as flat from 1 MB to 1 GB. It
// is skipped with -short (make bench QUICK=1).
func BenchmarkMatcherThroughput1GB(b *testing.B) {
	if testing.Short() {
		b.Skip("1 GB of output: skipped with -short")
	}
	b.Run("stream/1024MB", func(b *testing.B) { benchStream(b, 1<<30) })
	b.Run("pipes/1024MB", func(b *testing.B) { benchProcess(b, false, 1<<30) })
}

// BenchmarkCookLines cooks 1 MB of text lines as a terminal delivers
// them, each ending in "\r\n": the common case under a tty, where every
// line takes the cooker off its fast path.
func BenchmarkCookLines(b *testing.B) {
	line := strings.ReplaceAll(lotsLine, "\n", "\r\n")
	in := bytes.Repeat([]byte(line), (1<<20)/len(line))
	b.SetBytes(int64(len(in)))
	var out []byte
	for b.Loop() {
		var c cooker
		out = c.flush(c.cook(out[:0], in))
	}
}

// BenchmarkPoolDispatch is what the Pool itself costs per task: 2000
// tasks that do nothing, on 2 workers.
func BenchmarkPoolDispatch(b *testing.B) {
	tasks := make([]Task, 2000)
	for i := range tasks {
		tasks[i].Run = func(context.Context) {}
	}
	b.ReportAllocs()
	for b.Loop() {
		Pool{Workers: 2}.Run(context.Background(), tasks)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tasks)), "ns/task")
}

// BenchmarkPoolProcesses fans 200 jobs of true(1) out on 2 workers, each
// started on pipes, waited for and terminated as a script's run step
// does: the exec layer's share of `drover run -j 2` over a matrix. The
// stdin variants show what the child's stdin costs: a pipe for Send (the
// default), a Reader copied in by os/exec (what a run step passes), or a
// file passed as it is.
func BenchmarkPoolProcesses(b *testing.B) {
	truePath, err := osexec.LookPath("true")
	if err != nil {
		b.Skip("no true(1) in PATH")
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	stdins := []struct {
		name  string
		stdin func() *Cmd
	}{
		{"stdin=pipe", func() *Cmd { return &Cmd{} }},
		{"stdin=reader", func() *Cmd { return &Cmd{Stdin: strings.NewReader("")} }},
		{"stdin=devnull", func() *Cmd { return &Cmd{Stdin: devNull} }},
	}
	for _, s := range stdins {
		b.Run(s.name, func(b *testing.B) {
			ctx := testContext(b, 10*time.Minute)
			var mu sync.Mutex
			var first error
			tasks := make([]Task, 200)
			for i := range tasks {
				tasks[i].Run = func(ctx context.Context) {
					c := s.stdin()
					c.Args = []string{truePath}
					err := runOnce(ctx, c)
					mu.Lock()
					defer mu.Unlock()
					if first == nil {
						first = err
					}
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				Pool{Workers: 2}.Run(ctx, tasks)
			}
			if first != nil {
				b.Fatal(first)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tasks)), "ns/job")
		})
	}
}

// runOnce starts c, waits for it and releases it.
func runOnce(ctx context.Context, c *Cmd) error {
	p, err := Start(ctx, c)
	if err != nil {
		return err
	}
	defer func() { _ = p.Terminate(ctx, 0) }() // It has exited; this releases its files.
	_, err = p.Wait(ctx)
	return err
}
