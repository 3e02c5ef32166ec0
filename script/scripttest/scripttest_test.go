package scripttest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover-dev/drover/script"
)

var _ tb = (*testing.T)(nil)

// TestRun runs the scripts of testdata as a user of the package would.
func TestRun(t *testing.T) {
	Run(t, "testdata/*.yaml", Vars(map[string]string{"greeting": "hi"}), Timeout(time.Minute))
}

// fakeT records what Run's helpers report.
type fakeT struct {
	ctx                   context.Context
	deadline              time.Time
	errors, logs, skipped []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Skipf(format string, args ...any) {
	f.skipped = append(f.skipped, fmt.Sprintf(format, args...))
}
func (f *fakeT) Context() context.Context    { return f.ctx }
func (f *fakeT) Deadline() (time.Time, bool) { return f.deadline, !f.deadline.IsZero() }

func newFake(t *testing.T) *fakeT { return &fakeT{ctx: t.Context()} }

// TestFailureAtScriptLine checks that a failed step is reported at its
// line in the script, with what was received and the interaction.
func TestFailureAtScriptLine(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	jobs := load(f, "testdata/broken/fail.yaml", &config{})
	if len(jobs) != 1 || len(f.errors) > 0 {
		t.Fatalf("load: %d jobs, errors %q", len(jobs), f.errors)
	}
	runJob(f, jobs[0], &config{})
	if len(f.errors) != 1 {
		t.Fatalf("errors: %q, want one", f.errors)
	}
	e := f.errors[0]
	for _, want := range []string{
		"testdata/broken/fail.yaml:6:5: expect: cat: ",
		`"goodbye"`,
		"last lines received (waited 200ms):\n  | hello",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("the error\n%s\nlacks %q", e, want)
		}
	}
	if !strings.HasPrefix(e, "testdata/broken/fail.yaml:6:5: ") {
		t.Errorf("the error does not start with the script's position:\n%s", e)
	}
	if len(f.logs) != 1 || !strings.Contains(f.logs[0], "cat > hello") {
		t.Errorf("logs: %q, want the interaction", f.logs)
	}
}

func TestPassingIsQuiet(t *testing.T) {
	t.Parallel()
	for _, verbose := range []bool{false, true} {
		f := newFake(t)
		c := &config{verbose: verbose}
		for _, job := range load(f, "testdata/pipes.yaml", c) {
			runJob(f, job, c)
		}
		if len(f.errors) > 0 || len(f.logs) != map[bool]int{false: 0, true: 1}[verbose] {
			t.Errorf("verbose %v: errors %q, logs %q", verbose, f.errors, f.logs)
		}
	}
}

func TestParseErrorAtScriptLine(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	if jobs := load(f, "testdata/broken/bad.yaml", &config{}); jobs != nil {
		t.Errorf("load returned %d jobs", len(jobs))
	}
	want := `testdata/broken/bad.yaml:2:5: unknown step "expcet"; did you mean "expect"?`
	if len(f.errors) != 1 || f.errors[0] != want {
		t.Errorf("errors: %q, want %q", f.errors, want)
	}
}

// A script that Vars narrows to values its exclude: removes is skipped,
// saying why, not passed with nothing run.
func TestVarsLeaveNoJob(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "m.yaml")
	src := "matrix: {os: [linux, mac], exclude: [{os: mac}]}\nsteps: [{log: '${os}'}]\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFake(t)
	jobs := load(f, file, &config{vars: map[string]string{"os": "mac"}})
	want := "scripttest: " + file + ": the Vars leave no job: exclude removes every combination that has them"
	if len(jobs) != 0 || len(f.errors) > 0 || len(f.skipped) != 1 || f.skipped[0] != want {
		t.Errorf("load: %d jobs, errors %q, skipped %q; want none, none and %q", len(jobs), f.errors, f.skipped, want)
	}
}

func TestMissingProgram(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	load(f, "testdata/broken/missing.yaml", &config{})
	want := `testdata/broken/missing.yaml:2:5: run: program "drover-no-such-program" is not installed (not found in PATH)`
	if len(f.errors) != 1 || f.errors[0] != want || len(f.skipped) > 0 {
		t.Errorf("errors %q, skipped %q; want the error %q", f.errors, f.skipped, want)
	}
	f = newFake(t)
	load(f, "testdata/broken/missing.yaml", &config{skipMissing: true})
	if len(f.skipped) != 1 || f.skipped[0] != want || len(f.errors) > 0 {
		t.Errorf("with SkipMissing: errors %q, skipped %q; want skipped %q", f.errors, f.skipped, want)
	}
}

func TestNoScripts(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	if files := glob(f, "testdata/none/*.yaml"); len(files) > 0 || len(f.errors) != 1 {
		t.Errorf("files %q, errors %q", files, f.errors)
	}
}

// TestDeadline checks that a job ends before the test's deadline, with
// the failure of the step that was waiting.
func TestDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.deadline = time.Now().Add(3 * time.Second) // The job stops 300ms before it.
	src := "steps:\n  - spawn: {name: cat, cmd: [cat], tty: false}\n  - expect: {text: never, timeout: 1m}\n"
	s, err := script.Parse("deadline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	runJob(f, s.Jobs(nil)[0], &config{})
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("the job took %s, past the deadline", took)
	}
	if len(f.errors) != 1 || !strings.HasPrefix(f.errors[0], "deadline.yaml:3:5: expect: ") {
		t.Errorf("errors: %q", f.errors)
	}
}

func TestMatrixName(t *testing.T) {
	t.Parallel()
	s, err := script.Parse("m.yaml", []byte("matrix: {a: [x, y], b: [1]}\nsteps: [{log: hi}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range s.Jobs(nil) {
		names = append(names, matrixName(j))
	}
	if got, want := strings.Join(names, ","), "a=x b=1,a=y b=1"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	// The jobs of csv: and include: name each of their values.
	s, err = script.ParseFile("testdata/matrix_table.yaml")
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, j := range s.Jobs(nil) {
		names = append(names, matrixName(j))
	}
	if got, want := strings.Join(names, ","), "word=apple plural=apples,word=fig plural=figs"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
}

// TestSkips: a job that requires: a program not installed calls t.Skip
// with the reason at the requires: key, the other runs; with NoSkip it
// fails instead, saying which skip it was.
func TestSkips(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := &config{}
	jobs := load(f, "testdata/skips/requires.yaml", c)
	if len(jobs) != 2 || len(f.errors) > 0 {
		t.Fatalf("load: %d jobs, errors %q", len(jobs), f.errors)
	}
	for _, job := range jobs {
		runJob(f, job, c)
	}
	want := "testdata/skips/requires.yaml:3:1: requires drover-no-such-program, not installed"
	if len(f.skipped) != 1 || f.skipped[0] != want || len(f.errors) > 0 {
		t.Errorf("errors %q, skipped %q; want skipped %q", f.errors, f.skipped, want)
	}
	f = newFake(t)
	c = &config{noSkip: true}
	for _, job := range load(f, "testdata/skips/requires.yaml", c) {
		runJob(f, job, c)
	}
	want = "testdata/skips/requires.yaml:3:1: requires: skipped (requires drover-no-such-program, not installed), and --no-skip makes a skip a failure"
	if len(f.errors) != 1 || f.errors[0] != want || len(f.skipped) > 0 {
		t.Errorf("with NoSkip: errors %q, skipped %q; want the error %q", f.errors, f.skipped, want)
	}
}
