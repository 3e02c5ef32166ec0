package scripttest

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runAll loads file and runs its jobs side by side, each with a fake T of
// its own, with one config: as Run's subtests do.
func runAll(t *testing.T, file string, c *config) []*fakeT {
	t.Helper()
	f := newFake(t)
	jobs := load(f, file, c)
	if len(f.errors) > 0 {
		t.Fatalf("load: %q", f.errors)
	}
	fakes := make([]*fakeT, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		fakes[i] = newFake(t)
		wg.Go(func() { runJob(fakes[i], job, c) })
	}
	wg.Wait()
	return fakes
}

// TestUpdate: with Update a golden file that is missing is created, and
// one that differs rewritten, with what the program printed, and logged;
// without it the same script fails with the difference, saying how to
// rewrite it in a Go test's words, not drover run's.
func TestUpdate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "golden.yaml")
	golden := filepath.Join(dir, "want.txt")
	src := "steps:\n  - run: {cmd: [printf, 'one\\ntwo\\n'], stdout: {equals_file: want.txt}}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name    string
		before  string // the golden file's content first; "" none
		update  bool
		failure string // in the error; "" passes
	}{
		{"missing", "", false, "want.txt: no such file; scripttest.Update(true) creates it"},
		{"missing, updated", "", true, ""},
		{"up to date", "one\ntwo\n", false, ""},
		{"stale", "one\n", false, "is not as in want.txt (-want +got); scripttest.Update(true) rewrites it:"},
		{"stale, updated", "one\n", true, ""},
	} {
		if step.before == "" {
			_ = os.Remove(golden)
		} else if err := os.WriteFile(golden, []byte(step.before), 0o644); err != nil {
			t.Fatal(err)
		}
		f := runAll(t, file, &config{update: step.update})[0]
		switch {
		case step.failure == "" && len(f.errors) > 0:
			t.Errorf("%s: errors %q", step.name, f.errors)
		case step.failure != "" && (len(f.errors) != 1 || !strings.Contains(f.errors[0], step.failure)):
			t.Errorf("%s: errors %q, want one with %q", step.name, f.errors, step.failure)
		}
		logged := strings.Contains(strings.Join(f.logs, "\n"), "updated golden file "+golden)
		if rewrote := step.update && step.before != "one\ntwo\n"; logged != rewrote {
			t.Errorf("%s: logs %q; want the rewrite logged: %v", step.name, f.logs, rewrote)
		}
		b, err := os.ReadFile(golden)
		if step.before == "" && !step.update {
			if !os.IsNotExist(err) {
				t.Errorf("%s: the golden file holds %q (%v), want none", step.name, b, err)
			}
		} else if want := map[bool]string{true: "one\ntwo\n", false: step.before}[step.update]; err != nil || string(b) != want {
			t.Errorf("%s: the golden file holds %q (%v), want %q", step.name, b, err, want)
		}
	}
}

// TestUpdateSharedGolden: the jobs of one Run share the golden files they
// rewrite, as drover run's do: two jobs that print different things to
// one golden file cannot both be it, and the second says so.
func TestUpdateSharedGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "shared.yaml")
	src := "matrix: {word: [apple, pear]}\nsteps:\n  - run: {cmd: [echo, '${word}'], stdout: {equals_file: want.txt}}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, f := range runAll(t, file, &config{update: true}) {
		errs = append(errs, f.errors...)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "rewrote in this run with other output") {
		t.Errorf("errors %q, want one saying the golden file was rewritten with other output", errs)
	}
}

// TestKeepWork: with KeepWork a job's ${work} stays after it, with what
// it wrote there, and its path is logged; without, it is removed.
func TestKeepWork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "work.yaml")
	src := "steps:\n  - run: {shell: 'echo left > ${work}/out.txt'}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		f := runAll(t, file, &config{keepWork: keep})[0]
		if len(f.errors) > 0 {
			t.Fatalf("keep %v: errors %q", keep, f.errors)
		}
		var kept string
		for _, l := range f.logs {
			if _, p, ok := strings.Cut(l, "kept the work directory of work: "); ok {
				kept = p
			}
		}
		if !keep {
			if kept != "" {
				t.Errorf("without KeepWork: logs %q", f.logs)
			}
			continue
		}
		if kept == "" {
			t.Fatalf("with KeepWork: logs %q, want the kept directory", f.logs)
		}
		defer os.RemoveAll(kept)
		if b, err := os.ReadFile(filepath.Join(kept, "out.txt")); err != nil || string(b) != "left\n" {
			t.Errorf("the kept directory's out.txt: %q, %v", b, err)
		}
	}
}
