// Package scripttest runs drover scripts as Go tests. Each script, and each
// combination of its matrix values, is a parallel subtest; a step that
// fails is reported at the script's file:line, with the last output the
// program printed and the whole interaction.
//
//	func TestCLI(t *testing.T) {
//		scripttest.Run(t, "testdata/*.yaml",
//			scripttest.Vars(map[string]string{"bin": buildBinary(t)}))
//	}
//
// A script that sets a variable from Vars declares it, with a default, in
// its vars:, as for drover run --var.
package scripttest

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover-dev/drover/script"
)

// Option changes how Run runs scripts.
type Option func(*config)

type config struct {
	vars        map[string]string
	env         []string
	verbose     bool
	timeout     time.Duration
	skipMissing bool
	noSkip      bool
	update      bool
	keepWork    bool

	once sync.Once
	opts *script.Options // the run's, made by options
}

// options returns the Options of the run, made once: each job runs with
// a copy (ForJob) that shares the run, as drover run's jobs share one, so
// that jobs that share a golden file under Update are held to the same
// output.
func (c *config) options() *script.Options {
	c.once.Do(func() {
		c.opts = &script.Options{
			Vars:      c.vars,
			Env:       c.env,
			Timeout:   c.timeout,
			Verbose:   true, // Always traced: shown when the job fails.
			NoSkip:    c.noSkip,
			Update:    c.update,
			UpdateHow: "scripttest.Update(true)",
			KeepWork:  c.keepWork,
		}
	})
	return c.opts
}

// Vars sets variables, overriding the values of the scripts' vars: and
// matrix:, as drover run --var does. A variable given for a matrix axis
// keeps only the jobs with its value (see script.Script.Jobs); a script
// left with none is skipped.
func Vars(vars map[string]string) Option {
	return func(c *config) {
		if c.vars == nil {
			c.vars = map[string]string{}
		}
		for k, v := range vars {
			c.vars[k] = v
		}
	}
}

// Env sets the base environment of every process, as KEY=VALUE strings,
// instead of the test's own; the scripts' env: is added to it.
func Env(env []string) Option {
	return func(c *config) { c.env = append([]string(nil), env...) }
}

// Verbose logs the whole interaction of every job (each step, what was
// sent and each line received), as drover run -v does. Without it only
// the interaction of a job that failed is logged.
func Verbose() Option {
	return func(c *config) { c.verbose = true }
}

// Timeout replaces every script's timeout:, as drover run --timeout does.
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// SkipMissing skips a script that drives a program not installed, where
// the default is to fail it (see script.Script.Preflight).
func SkipMissing() Option {
	return func(c *config) { c.skipMissing = true }
}

// NoSkip fails the jobs that a script's skip: or requires: would skip,
// as drover run --no-skip does, for a CI that must run everything.
// Without it such a job calls t.Skip with the reason ("requires jq, not
// installed") and the position of the skip: or requires: that says it.
func NoSkip() Option {
	return func(c *config) { c.noSkip = true }
}

// Update rewrites the golden files of equals_file: whose check fails, and
// creates those missing, with what the programs printed, instead of
// failing, as drover run --update does; each file it writes is logged.
// Jobs of one Run that share a golden file must print the same. Give it
// a flag of the test, as testscript's UpdateScripts is given one:
//
//	var update = flag.Bool("update", false, "rewrite the golden files")
//
//	func TestCLI(t *testing.T) {
//		scripttest.Run(t, "testdata/*.yaml", scripttest.Update(*update))
//	}
//
// and run go test -update.
func Update(on bool) Option {
	return func(c *config) { c.update = on }
}

// KeepWork keeps each job's ${work} directory, and its setup's, after the
// job, as drover run --keep-work does, and logs where (testscript's
// -testwork): to look at what a job left there. Like Update, it takes the
// value of a flag of the test.
func KeepWork(on bool) Option {
	return func(c *config) { c.keepWork = on }
}

// Run runs each script that pattern (a filepath.Glob pattern) matches, in
// name order, as a parallel subtest of t named after the file; a script
// with a matrix: runs each of its jobs (a combination of values, a row
// of its csv:, an include: entry) as a parallel subtest of that, named
// by the job's values like "host=a port=1". A script that does not
// parse, or drives a program not installed, fails its subtest before
// anything runs; a program that its requires: names skips the job
// instead (see NoSkip). A pattern that matches nothing fails t. Jobs are
// cancelled with t's context, and end a little before t's deadline so as
// to report what they were waiting for.
func Run(t *testing.T, pattern string, opts ...Option) {
	t.Helper()
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	for _, file := range glob(t, pattern) {
		t.Run(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), func(t *testing.T) {
			t.Helper()
			t.Parallel()
			jobs := load(t, file, c)
			// The jobs' parallel subtests end after this function: the
			// setup's processes are ended once they all have.
			for _, su := range script.ShareSetups(jobs) {
				t.Cleanup(su.Close)
			}
			if len(jobs) == 1 && len(jobs[0].Matrix) == 0 {
				runJob(t, jobs[0], c)
				return
			}
			for _, job := range jobs {
				t.Run(matrixName(job), func(t *testing.T) {
					t.Helper()
					t.Parallel()
					runJob(t, job, c)
				})
			}
		})
	}
}

// tb is what the tests of this package need of a *testing.T, so that a
// fake can stand in for it and record what would be reported.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Context() context.Context
	Deadline() (time.Time, bool)
}

// glob returns the files pattern matches, failing t when there is none.
func glob(t tb, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	switch {
	case err != nil:
		t.Errorf("scripttest: %s: %v", pattern, err)
	case len(files) == 0:
		t.Errorf("scripttest: no script matches %s", pattern)
	}
	return files
}

// load parses file and checks that the programs it drives are installed;
// it returns the script's jobs, or none after reporting why.
func load(t tb, file string, c *config) []script.Job {
	t.Helper()
	s, err := script.ParseFile(file)
	if err != nil {
		t.Errorf("%v", err)
		return nil
	}
	if err := s.Preflight(c.env); err != nil {
		if c.skipMissing {
			t.Skipf("%v", err)
		} else {
			t.Errorf("%v", err)
		}
		return nil
	}
	jobs := s.Jobs(c.vars)
	if len(jobs) == 0 {
		// Vars narrowed the matrix to values exclude: removes.
		t.Skipf("scripttest: %s: the Vars leave no job: exclude removes every combination that has them", file)
	}
	return jobs
}

// deadlineMargin is how long before the test's deadline a job is stopped,
// so that it fails with what it was waiting for instead of the test
// binary panicking.
const deadlineMargin = 5 * time.Second

// runJob runs job and reports its failure at the failed step's position.
func runJob(t tb, job script.Job, c *config) {
	t.Helper()
	ctx := t.Context()
	if dl, ok := t.Deadline(); ok {
		margin := min(deadlineMargin, time.Until(dl)/10)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	var trace lockedBuffer
	opts := c.options().ForJob()
	opts.Live = &trace
	res := job.Run(ctx, opts)
	for _, p := range res.Updated {
		t.Logf("updated golden file %s", p)
	}
	if res.SetupWork != "" {
		t.Logf("kept the work directory of %s's setup: %s", job.Script.File, res.SetupWork)
	}
	if res.Work != "" {
		t.Logf("kept the work directory of %s: %s", job.Name(), res.Work)
	}
	if res.Status == script.Skipped {
		t.Skipf("%s: %s", res.SkipPos, res.Reason)
		return
	}
	if res.Status == script.Passed {
		if c.verbose {
			t.Logf("%s", trace.String())
		}
		return
	}
	t.Errorf("%s", failure(res))
	if s := trace.String(); s != "" {
		t.Logf("the interaction of %s:\n%s", job.Name(), s)
	}
}

// failure describes a job that did not pass: where and why, how long it
// waited and the last lines received.
func failure(r *script.Result) string {
	var b strings.Builder
	switch {
	case r.Err != nil:
		b.WriteString(r.Err.Error())
	case r.FinallyErr == nil:
		fmt.Fprintf(&b, "%s: %s", r.Job.Script.File, r.Status)
	}
	if r.FinallyErr != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%v (in finally:)", r.FinallyErr)
	}
	if r.Status == script.Interrupted {
		b.WriteString("\n(interrupted: the test was cancelled or reached its deadline)")
	}
	if r.Received == "" {
		if r.Waited > 0 {
			fmt.Fprintf(&b, "\nnothing received in %s", r.Waited.Round(time.Millisecond))
		}
		return b.String()
	}
	lines := strings.Split(strings.TrimRight(r.Received, "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	fmt.Fprintf(&b, "\nlast lines received")
	if r.Waited > 0 {
		fmt.Fprintf(&b, " (waited %s)", r.Waited.Round(time.Millisecond))
	}
	b.WriteString(":")
	for _, l := range lines {
		b.WriteString("\n  | " + l)
	}
	return b.String()
}

// matrixName names the subtest of one combination of matrix values.
func matrixName(j script.Job) string {
	shown := j.Shown() // A secret's values masked.
	parts := make([]string, len(shown))
	for i, kv := range shown {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a job's
// output readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
