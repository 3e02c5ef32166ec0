package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"testing"
	"time"
)

func TestFitJobs(t *testing.T) {
	for _, c := range []struct {
		want        int
		limit, open uint64
		transcripts bool
		got         int
	}{
		{want: 500, limit: 1024, open: 10, got: (1024 - 10 - fdsReserve) / fdsPerJob},
		{want: 500, limit: 1024, open: 10, transcripts: true, got: (1024 - 10 - fdsReserve) / (fdsPerJob + fdsPerTranscript)},
		{want: 8, limit: 1024, open: 10, got: 8},                                  // fits: unchanged
		{want: 500, limit: 0, open: 10, got: 500},                                 // no limit
		{want: 500, limit: 40, open: 10, got: 1},                                  // hardly any room: one at a time
		{want: 1, limit: 20, open: 19, got: 1},                                    // never below 1
		{want: 500, limit: 1 << 20, open: 10, got: 500},                           // a server's limit
		{want: 200, limit: 256, open: 5, got: (256 - 5 - fdsReserve) / fdsPerJob}, // the end-to-end case
	} {
		if got := fitJobs(c.want, c.limit, c.open, c.transcripts); got != c.got {
			t.Errorf("fitJobs(%d, %d, %d, %v) = %d, want %d", c.want, c.limit, c.open, c.transcripts, got, c.got)
		}
	}
}

// TestPtyJobsUnderLowLimit runs 200 jobs at -j 200, each driving cat
// under a terminal, with 256 open files allowed (soft and hard, as
// "ulimit -n" sets them): drover lowers its concurrency, says so once,
// and every job passes, where without the fit a quarter of them failed
// with "too many open files". The jobs' programs get the limit drover
// was started with, not a raised one.
func TestPtyJobsUnderLowLimit(t *testing.T) {
	dir := t.TempDir()
	ns := make([]string, 200)
	for i := range ns {
		ns[i] = fmt.Sprint(i)
	}
	path := writeScript(t, dir, "pty.yaml", `name: pty
matrix:
  n: [`+strings.Join(ns, ", ")+`]
steps:
  - spawn: [cat]
  - send: hello ${n}
  - expect: hello ${n}
  - expect: hello ${n}
  - run: {cmd: [sh, -c, "ulimit -Sn"], capture: soft}
  - assert: {var: soft, equals: "256"}
`)
	for _, ulimit := range []string{"ulimit -n 256", "ulimit -Sn 256"} {
		t.Run(ulimit, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := osexec.CommandContext(ctx, "sh", "-c", ulimit+` && exec "$0" run -q -j 200 "$1"`, drover, path)
			cmd.Dir = dir
			var o, e strings.Builder
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running after 1m\nstdout:\n%s\nstderr:\n%s", o.String(), e.String())
			}
			if err != nil || !strings.Contains(o.String(), "200 passed, 0 failed") {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, o.String(), e.String())
			}
			note := "drover: 256 open files allowed: running at most "
			if strings.HasPrefix(ulimit, "ulimit -Sn") {
				// Only the soft limit is low: Go raised it to the hard
				// one for drover, and nothing is lowered.
				if strings.Contains(e.String(), "open files") {
					t.Errorf("a note with a high hard limit:\n%s", e.String())
				}
				return
			}
			if strings.Count(e.String(), note) != 1 || !strings.Contains(e.String(), "jobs at once instead of 200\n") {
				t.Errorf("want once %q...instead of 200 on stderr, got:\n%s", note, e.String())
			}
		})
	}
}

// TestOneJobOutOfFiles: one job that starts more programs than the limit
// allows fails clearly, naming the limit, and the run goes on to its end.
func TestOneJobOutOfFiles(t *testing.T) {
	dir := t.TempDir()
	var steps strings.Builder
	for i := range 40 {
		fmt.Fprintf(&steps, "  - spawn: {name: c%d, cmd: [cat]}\n", i)
	}
	path := writeScript(t, dir, "many.yaml", "name: many\nsteps:\n"+steps.String())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, "sh", "-c", `ulimit -n 64 && exec "$0" run "$1"`, drover, path)
	cmd.Dir = dir
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("still running after 1m\nstdout:\n%s\nstderr:\n%s", o.String(), e.String())
	}
	var ee *osexec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v\nstdout:\n%s\nstderr:\n%s", err, o.String(), e.String())
	}
	if !strings.Contains(o.String(), `cannot be started: too many open files (ulimit -n 64)`) || !strings.Contains(o.String(), "0 passed, 1 failed") {
		t.Errorf("want the limit named in the failure, got:\nstdout:\n%s\nstderr:\n%s", o.String(), e.String())
	}
}

// openFiles counts this process's open files: 5 more once 5 more are
// open, whichever way the system lets it count them.
func TestOpenFilesCounts(t *testing.T) {
	limit, before := openFiles()
	if limit == 0 {
		t.Skip("no limit of open files to read here")
	}
	for range 5 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
	}
	if _, after := openFiles(); after != before+5 {
		t.Errorf("open files: %d, then %d with 5 more open", before, after)
	}
}
