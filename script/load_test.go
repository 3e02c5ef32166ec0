package script_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/drover-dev/drover/exec"
	"github.com/drover-dev/drover/script"
)

// loadScripts are the two kinds of job of TestLoad, each over a matrix of
// n values: one drives cat under a terminal, the other runs and drives
// processes on pipes and leaves one running for the clean-up to end.
const loadScripts = `name: pty
matrix: {n: [%[1]s]}
steps:
  - spawn: [cat]
  - send: hello ${n}
  - expect: "hello ${n}\nhello ${n}\n"
  - send: {eof: true}
  - wait:
---
name: pipes
matrix: {n: [%[1]s]}
steps:
  - run: {cmd: [echo, "x${n}"], stdout: "x${n}"}
  - spawn: {cmd: [cat], tty: false}
  - send: y${n}
  - expect: y${n}
  - spawn: {cmd: [sh, -c, "sleep 60 & echo started"], tty: false}
  - expect: started
`

// TestLoad runs 1000 jobs, pty and pipe jobs mixed, 64 at a time, through
// exec.Pool as drover run does: every job passes, and when all are done
// no file descriptor and no goroutine is left over.
func TestLoad(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts /proc/self/fd")
	}
	// Not parallel: other tests' files and goroutines would blur the count.
	if err := exec.BecomeSubreaper(); err != nil {
		t.Fatal(err) // As drover does; it starts a goroutine, before the count.
	}
	jobs := 1000
	if testing.Short() {
		jobs = 200
	}
	ns := make([]string, jobs/2)
	for i := range ns {
		ns[i] = fmt.Sprint(i)
	}
	var all []script.Job
	for i, src := range strings.Split(fmt.Sprintf(loadScripts, strings.Join(ns, ", ")), "---\n") {
		s, err := script.Parse(fmt.Sprintf("load%d.yaml", i), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s.Jobs(nil)...)
	}
	if len(all) != jobs {
		t.Fatalf("%d jobs, want %d", len(all), jobs)
	}
	// Interleave the two kinds.
	mixed := make([]script.Job, 0, jobs)
	for i := range jobs / 2 {
		mixed = append(mixed, all[i], all[jobs/2+i])
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A job of each kind first, for what stays open for the program's
	// life once first needed: the /dev/null of run steps, the children
	// file the clean-up reads.
	warm := []exec.Task{
		{Run: func(ctx context.Context) { _ = mixed[0].Run(ctx, &script.Options{}) }},
		{Run: func(ctx context.Context) { _ = mixed[1].Run(ctx, &script.Options{}) }},
	}
	exec.Pool{Workers: 2}.Run(ctx, warm)
	runtime.GC()
	fds, goroutines := openFiles(t), runtime.NumGoroutine()
	results := make([]*script.Result, jobs)
	tasks := make([]exec.Task, jobs)
	for i := range tasks {
		tasks[i].Run = func(ctx context.Context) { results[i] = mixed[i].Run(ctx, &script.Options{}) }
	}
	began := time.Now()
	exec.Pool{Workers: 64}.Run(ctx, tasks)
	t.Logf("%d jobs in %s", jobs, time.Since(began).Round(time.Millisecond))
	failed := 0
	for i, r := range results {
		switch {
		case r == nil:
			t.Errorf("job %d (%s) has no result", i, mixed[i].Name())
		case r.Status != script.Passed:
			if failed++; failed <= 5 {
				t.Errorf("%s: %s: %v\n%s", r.Job.Name(), r.Status, r.Err, r.Received)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d jobs failed", failed, jobs)
	}

	// Goroutines end a moment after the jobs return: give them time.
	deadline := time.Now().Add(10 * time.Second)
	var fdsAfter, goroutinesAfter int
	for {
		fdsAfter, goroutinesAfter = openFiles(t), runtime.NumGoroutine()
		if fdsAfter <= fds && goroutinesAfter <= goroutines || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fdsAfter > fds {
		t.Errorf("%d open files before the jobs, %d after: a leak\n%s", fds, fdsAfter, fdList(t))
	}
	if goroutinesAfter > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before the jobs, %d after: a leak\n%s", goroutines, goroutinesAfter, buf[:runtime.Stack(buf, true)])
	}
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) - 1 // The directory being read.
}

// fdList describes the open file descriptors, for a message.
func fdList(t *testing.T) string {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		fmt.Fprintf(&b, "%s -> %s\n", e.Name(), target)
	}
	return b.String()
}
