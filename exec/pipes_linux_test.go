package exec

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A process on pipes gets blocking descriptors, whatever this program's
// ends are: a program that reads or writes them as it always does must
// never see EAGAIN.
func TestPipesBlockingForChild(t *testing.T) {
	ctx := testContext(t, time.Minute)
	p, err := Start(ctx, &Cmd{Args: []string{"sh", "-c", "cat /proc/self/fdinfo/0 /proc/self/fdinfo/1 /proc/self/fdinfo/2 1>&2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(ctx, time.Second) }()
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// cat's stdin and stderr, and its stdout: a dup of stderr, as sh's.
	var flags []string
	for _, l := range strings.Split(string(p.Output(Stderr).Kept), "\n") {
		if f, ok := strings.CutPrefix(l, "flags:"); ok {
			flags = append(flags, strings.TrimSpace(f))
		}
	}
	if len(flags) != 3 {
		t.Fatalf("want the flags of 3 descriptors:\n%s", p.Output(Stderr).Kept)
	}
	for i, f := range flags {
		v, err := strconv.ParseUint(f, 8, 64)
		if err != nil {
			t.Fatal(err)
		}
		if v&0o4000 != 0 { // O_NONBLOCK
			t.Errorf("descriptor %d: flags %s: non-blocking", i, f)
		}
	}
}

// The read end of a StdoutPipe is another process's stdin: blocking for
// it too, so that it waits for the writer, which has not written yet,
// instead of failing with EAGAIN at its first read.
func TestStdoutPipeBlockingForReader(t *testing.T) {
	ctx := testContext(t, time.Minute)
	w, err := Start(ctx, &Cmd{Args: []string{"sh", "-c", "sleep 0.2; echo late"}, StdoutPipe: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Terminate(ctx, time.Second) }()
	in := w.Stdout()
	r, err := Start(ctx, &Cmd{Args: []string{"cat"}, Stdin: in})
	_ = in.Close() // The reader has its own copy.
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Terminate(ctx, time.Second) }()
	if _, err := r.Wait(ctx); err != nil {
		t.Fatalf("the reader: %v; stderr %q", err, r.Recent(Stderr))
	}
	if got := string(r.Output(Stdout).Kept); got != "late\n" {
		t.Errorf("the reader read %q, want %q", got, "late\n")
	}
}

// A process never inherits another's pipes, however many start at the
// same moment: they are close-on-exec from their creation.
func TestPipesNotInherited(t *testing.T) {
	if testing.Short() {
		t.Skip("a stress of concurrent starts")
	}
	ctx := testContext(t, time.Minute)
	lsFDs := func() string {
		p, err := Start(ctx, &Cmd{Args: []string{"ls", "/proc/self/fd/"}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.Terminate(context.Background(), time.Second) }()
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		return string(p.Output(Stdout).Kept)
	}
	// 0, 1, 2, the directory ls reads, and what this test inherited
	// without close-on-exec.
	alone := lsFDs()
	defer churn(t, ctx, &Cmd{Args: []string{"true"}})() // Starts on pipes all the time.
	for i := range 200 {
		if fds := lsFDs(); fds != alone {
			t.Fatalf("start %d: ls has descriptors\n%s\nwhere alone it has\n%s", i, fds, alone)
		}
	}
}
