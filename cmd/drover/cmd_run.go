package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/exec"
	"github.com/drover-dev/drover/script"
)

const runUsage = `Usage: drover run [flags] FILE|DIR...

Runs scripts: each FILE, and each *.yaml in each DIR. A script with a
matrix: runs once per combination of its values. Jobs run in parallel;
each job's output is printed whole when it ends, never interleaved.

Exit codes: 0 all passed, 1 some job failed, 2 usage error or invalid
script, 130 interrupted (running jobs are terminated first).

Flags:
`

// cmdRun is "drover run".
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	jobs := fs.IntP("jobs", "j", runtime.NumCPU(), "run at most `N` jobs at once")
	timeout := fs.Duration("timeout", 0, "replace every script's timeout with `D` (e.g. 30s)")
	vars := fs.StringArray("var", nil, "set variable `k=v`, overriding vars: and matrix: (repeatable)")
	verbose := fs.BoolP("verbose", "v", false, "stream each job's interaction live, each line prefixed with its name")
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "drover run: %v\n\n%s%s", err, runUsage, fs.FlagUsages())
		return exitUsage
	}
	if *help {
		fmt.Fprintf(stdout, "%s%s", runUsage, fs.FlagUsages())
		return exitOK
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "drover run: no scripts given\n\n%s%s", runUsage, fs.FlagUsages())
		return exitUsage
	}
	if *jobs < 1 {
		fmt.Fprintf(stderr, "drover run: --jobs must be at least 1, got %d\n", *jobs)
		return exitUsage
	}
	if *timeout < 0 {
		fmt.Fprintf(stderr, "drover run: --timeout must not be negative\n")
		return exitUsage
	}
	overrides, err := parseVars(*vars)
	if err != nil {
		fmt.Fprintf(stderr, "drover run: %v\n", err)
		return exitUsage
	}
	scripts, code := load(fs.Args(), stderr)
	if code != exitOK {
		return code
	}
	bad := false
	for _, s := range scripts {
		if err := s.Preflight(nil); err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
		}
	}
	if bad {
		return exitUsage
	}
	opts := &script.Options{Vars: overrides, Timeout: *timeout, Verbose: *verbose}
	if *verbose {
		opts.Live = &syncWriter{w: stderr}
	}
	var all []script.Job
	for _, s := range scripts {
		all = append(all, s.Jobs(overrides)...)
	}

	opts.Prefix = len(all) > 1
	ctx, stop := interrupts(stderr)
	defer stop()
	began := time.Now()
	results := runJobs(ctx, all, *jobs, opts, func(r *script.Result) { printResult(stdout, r) })
	return summarize(stdout, results, time.Since(began), ctx.Err() != nil)
}

// interrupts returns a context cancelled by the first SIGINT or SIGTERM:
// running jobs are then terminated, gracefully. A second one kills every
// process group drover started and exits 130 at once.
func interrupts(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "drover: %v: terminating running jobs (again to kill them at once)\n", sig)
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			exec.KillAll()
			fmt.Fprintln(stderr, "drover: killed")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// runJobs runs jobs, at most n at once, calling done as each ends (never
// concurrently), and returns the results in the jobs' order.
func runJobs(ctx context.Context, jobs []script.Job, n int, opts *script.Options, done func(*script.Result)) []*script.Result {
	results := make([]*script.Result, len(jobs))
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, job := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			results[i] = &script.Result{Job: job, Status: script.Skipped}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := job.Run(ctx, opts)
			<-sem
			mu.Lock()
			results[i] = r
			done(r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// summarize prints the closing line and returns the exit code.
func summarize(w io.Writer, results []*script.Result, took time.Duration, interrupted bool) int {
	var passed, failed, skipped int
	for _, r := range results {
		switch r.Status {
		case script.Passed:
			passed++
		case script.Skipped:
			skipped++
		default:
			failed++
		}
	}
	line := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		line += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintf(w, "%s in %.2fs\n", line, took.Seconds())
	switch {
	case interrupted:
		return exitInterrupted
	case failed > 0:
		return exitFailed
	}
	return exitOK
}

// printResult prints one job's result as one block.
func printResult(w io.Writer, r *script.Result) {
	var b strings.Builder
	label := map[script.Status]string{
		script.Passed: "PASS", script.Failed: "FAIL", script.Interrupted: "INTR", script.Skipped: "SKIP",
	}[r.Status]
	fmt.Fprintf(&b, "%s  %s  (%s, %s)\n", label, r.Job.Name(), r.Job.Script.File, r.Duration.Round(time.Millisecond))
	for _, line := range lines(r.Log) {
		fmt.Fprintf(&b, "      %s\n", line)
	}
	if r.Err != nil {
		for _, line := range lines(r.Err.Error()) {
			fmt.Fprintf(&b, "    %s\n", line)
		}
		if r.Received != "" {
			fmt.Fprintf(&b, "    last lines received:\n")
			for _, line := range lastLines(r.Received, 10) {
				fmt.Fprintf(&b, "      | %s\n", line)
			}
		} else if r.Waited > 0 {
			fmt.Fprintf(&b, "    nothing was received\n")
		}
	}
	_, _ = io.WriteString(w, b.String()) // One write per job; a closed stdout is not ours to fix.
}

// lines splits s into lines without the trailing empty one.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) []string {
	ls := lines(s)
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return ls
}

// parseVars parses --var k=v flags.
func parseVars(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--var %q: want NAME=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

// syncWriter serializes writes from concurrent jobs.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

var errNoScripts = errors.New("no scripts found")
