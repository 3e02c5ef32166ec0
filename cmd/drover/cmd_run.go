package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/exec"
	"github.com/drover-dev/drover/script"
	"github.com/drover-dev/drover/script/report"
)

const runUsage = `Usage: drover run [flags] FILE|DIR|GLOB...

Runs scripts: each FILE, each *.yaml in each DIR, each file a quoted GLOB
matches ("tests/*.yaml"). A script with a matrix: is one job per
combination of its values (a csv: file's rows are one more axis; less
those exclude: removes; include: extends some and adds jobs), named
"name [k=v ...]". Jobs run in parallel on a pool of --jobs workers; jobs
that share a lock (locks:) never run at once. Each job's output is
printed whole when it ends, never interleaved.

A job its script skips (skip:, or requires: of a program not installed
or of another OS) runs nothing and is reported as skipped, with the
reason; --no-skip makes it a failure. A script's setup: runs once, when
the first of its selected jobs starts, and what it started ends after
the last; if it fails, each of its jobs fails with its error.

A job's log: lines are printed on stderr as they happen (prefixed with
its name when several jobs run), and with its result; -q prints only
the results of jobs that did not pass or skip, and the summary. On a
terminal a progress line shows the step each running job is at.

confirm: and ask: take the terminal on drover's stdin, one job at a
time, and ask on stderr; without one (CI), confirm: needs --yes and
ask: its --var NAME=VALUE, and each fails at once without them.

Each job has ${work}, a fresh directory with the script's files: in it,
removed after the job (--keep-work keeps it and prints its path). A
golden file of equals_file: that is missing is an error before anything
runs; --update creates it, and rewrites those whose check fails with what
the program printed, naming each after the job and after the summary.

--rerun-failed REPORT runs only the jobs that did not pass in that JSON
report (failed, skipped, stopped or interrupted), found by script file and
name (matrix values included), among the scripts given or, with none,
the report's; none left: it says so and passes. "drover report merge
--rerun" lays the new report over the old one.

SIGINT (Ctrl-C), SIGTERM, SIGHUP (a closed terminal) and SIGQUIT stop the
run: running jobs are terminated with their whole trees and the reports
are written; a second one kills every process at once. A signal drover
was started with ignored (nohup) stays ignored. On Linux no process of a
script outlives drover, even killed with SIGKILL: drover runs as a
supervisor and a worker that each end every process if the other dies
(DROVER_NO_SUPERVISOR=1 runs it as one process).

--shard K/N runs the K-th of N parts of the jobs, for N CI machines:
--shard auto reads K and N from GitLab (CI_NODE_INDEX/CI_NODE_TOTAL, from
1), Buildkite (BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT, from 0)
or CircleCI (CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL, from 0); --shard auto/N
reads K from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (from 0).
--shard-by REPORT.json balances the shards by the durations of an earlier
JSON report instead of their count. A shard with no job passes.

Exit codes: 0 all passed, 1 some job failed, 2 usage error or invalid
script, 128+N stopped by signal N: 130 SIGINT, 143 SIGTERM, 129 SIGHUP,
131 SIGQUIT.

Flags:
`

// runFlags are the flags of "drover run".
type runFlags struct {
	jobs     int
	timeout  time.Duration
	vars     []string
	verbose  bool
	failFast bool
	run      string
	shard    string
	shardBy  string
	reports  []string
	trans    string
	help     bool
	noSkip   bool
	update   bool
	keepWork bool
	yes      bool
	quiet    bool
	rerun    string
}

// cmdRun is "drover run".
func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f runFlags
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVarP(&f.jobs, "jobs", "j", runtime.NumCPU(), "run at most `N` jobs at once, fewer if the limit of open files (ulimit -n) cannot hold them")
	fs.DurationVar(&f.timeout, "timeout", 0, "replace every script's timeout with `D` (e.g. 30s)")
	fs.StringArrayVar(&f.vars, "var", nil, "set variable `k=v`, overriding vars: and matrix: (repeatable)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "stream each job's interaction live, each line prefixed with its name")
	fs.BoolVar(&f.failFast, "fail-fast", false, "at the first failure, stop the running jobs and skip the rest")
	fs.StringVar(&f.run, "run", "", "run only the job named `NAME` as printed, or else the jobs whose name matches it as a regular expression")
	fs.StringVar(&f.shard, "shard", "", "run only shard `K/N` of the jobs (1 <= K <= N), for parallel CI machines; auto, auto/N: K and N from the CI's variables (see above)")
	fs.StringVar(&f.shardBy, "shard-by", "", "balance the --shard split by the jobs' durations in an earlier JSON `REPORT.json`")
	fs.StringArrayVar(&f.reports, "report", nil, "write a report: `json=PATH` or junit=PATH (repeatable)")
	fs.StringVar(&f.trans, "transcripts", "", "leave in `DIR` each job's timestamped transcript (.log) and a recording of each terminal (.cast, for asciinema play)")
	fs.BoolVar(&f.noSkip, "no-skip", false, "fail the jobs that skip: or requires: would skip, saying which skip, for a CI that must run everything")
	fs.BoolVar(&f.update, "update", false, "rewrite the golden files of equals_file: with what the programs printed, instead of failing (a missing one is created)")
	fs.BoolVar(&f.keepWork, "keep-work", false, "keep each job's ${work} directory after it, and print its path with the job's result")
	fs.BoolVar(&f.yes, "yes", false, "answer yes to every confirm: step, without asking")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only the jobs that failed, and the summary")
	fs.StringVar(&f.rerun, "rerun-failed", "", "run only the jobs that did not pass in the JSON report `REPORT` (failed, skipped, stopped, interrupted); with no FILE, its scripts")
	fs.BoolVarP(&f.help, "help", "h", false, "show this help")
	fs.Usage = func() {}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "drover run: "+format+"\n", args...)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return usageErr("%v\n\n%s%s", err, runUsage, fs.FlagUsages())
	}
	if f.help {
		fmt.Fprintf(stdout, "%s%s", runUsage, fs.FlagUsages())
		return exitOK
	}
	again, paths, err := rerunPaths(f.rerun, fs.Args(), stdout)
	if err != nil {
		printErr(stderr, fmt.Errorf("drover run: %w", err))
		return exitUsage
	}
	if len(paths) == 0 && again == nil {
		return usageErr("no scripts given\n\n%s%s", runUsage, fs.FlagUsages())
	}
	if f.jobs < 1 {
		return usageErr("--jobs must be at least 1, got %d", f.jobs)
	}
	// Left at its default, 0, the flag is not given (Options.Timeout 0
	// replaces nothing); given, 0 is as wrong as a script's timeout: 0s.
	if fs.Changed("timeout") && f.timeout <= 0 {
		return usageErr("--timeout must be greater than 0, got %v", f.timeout)
	}
	overrides, err := parseVars(f.vars)
	if err != nil {
		return usageErr("%v", err)
	}
	reports, err := parseReports(f.reports)
	if err != nil {
		return usageErr("%v", err)
	}
	shardK, shardN, err := resolveShard(f.shard, os.Getenv)
	if err != nil {
		return usageErr("%v", err)
	}
	var durations map[string]float64
	if f.shardBy != "" {
		if f.shard == "" {
			return usageErr("--shard-by %s: balances the shards of --shard, which is not given", f.shardBy)
		}
		if durations, err = loadDurations(f.shardBy); err != nil {
			return usageErr("%v", err)
		}
	}
	var scripts []*script.Script
	code := exitOK
	if len(paths) > 0 {
		if scripts, code = loadFrom(paths, stdin, stderr); code != exitOK {
			return code
		}
	}
	if err := checkVars(overrides, scripts); err != nil {
		return usageErr("%v", err)
	}
	bad := false
	for _, s := range scripts {
		if err := s.Preflight(nil); err != nil {
			printErr(stderr, err)
			bad = true
		}
		if f.update {
			continue // It creates the golden files that are missing.
		}
		if err := s.Goldens(); err != nil {
			printErr(stderr, err)
			bad = true
		}
	}
	if bad {
		return exitUsage
	}
	var all []script.Job
	var emptied []string // the scripts --var leaves no job of
	for _, s := range scripts {
		jobs := s.Jobs(overrides)
		if len(jobs) == 0 {
			emptied = append(emptied, s.File)
		}
		all = append(all, jobs...)
	}
	if len(all) > 0 {
		for _, file := range emptied {
			fmt.Fprintf(stderr, "drover run: note: %s: the --var values leave it no job: exclude removes every combination that has them\n", show(file))
		}
	}
	if len(all) == 0 && len(scripts) > 0 {
		// Every script makes a job, but --var may narrow a matrix to
		// the values exclude: removes.
		return usageErr("the --var values leave no job: exclude removes every combination that has them")
	}
	if again != nil {
		if err := again.check(all); err != nil {
			return usageErr("%v", err)
		}
	}
	if all, err = selectJobs(all, f.run); err != nil {
		return usageErr("%v", err)
	}
	if len(all) == 0 && (again == nil || len(again.jobs) > 0) {
		// Most likely a typo in --run: running nothing would pass.
		return usageErr("--run %q selects no job", f.run)
	}
	if again != nil {
		all = again.keep(all, stdout)
	}
	selected := len(all)
	runInfo := report.Run{TotalJobs: selected, Version: version()}
	if f.shard != "" {
		runInfo.Shard = &report.Shard{K: shardK, N: shardN}
	}
	if durations != nil {
		all = shardBy(all, shardK, shardN, durations)
	} else {
		all = shard(all, shardK, shardN)
	}
	if len(all) == 0 && selected > 0 {
		// More shards than jobs: an empty CI shard is not a failure.
		fmt.Fprintf(stdout, "no jobs in this shard (shard %d/%d of %d jobs)\n", shardK, shardN, selected)
	}
	tasks := make([]exec.Task, len(all))
	for i, j := range all {
		locks, err := j.Locks(overrides)
		if err != nil {
			printErr(stderr, fmt.Errorf("%s: locks: %w", j.Script.File, err))
			return exitUsage
		}
		tasks[i].Locks = locks
	}
	// The scripts are read and sound: from here on processes start.
	awaitSupervisor()

	if f.trans != "" {
		// Transcripts may hold what a secret could not mask: only the
		// user reads them.
		if err := os.MkdirAll(f.trans, 0o700); err != nil {
			return usageErr("--transcripts: %v", err)
		}
		script.NameTranscripts(all)
	}
	opts := &script.Options{Vars: overrides, Timeout: f.timeout, Verbose: f.verbose, Prefix: len(all) > 1, Transcripts: f.trans,
		NoSkip: f.noSkip, Update: f.update, KeepWork: f.keepWork, Yes: f.yes, StopSignals: asSyscall(stopsOn)}
	if !f.keepWork {
		// The supervisor's, which it removes even if this process is
		// killed; a kept directory must outlive it.
		opts.WorkRoot = workRoot
		opts.MakeWorkRoot = workRoot != "" // Named only: made if a job needs it.
	}
	began := time.Now()
	out := newPrinter(stdout, len(all), began, f.quiet)
	defer out.stop()
	if f.verbose || !f.quiet {
		// The log: lines (and with -v the whole interaction) as they
		// come, on stderr, above the progress line; the results on
		// stdout stay grouped, log: lines included.
		opts.Live = printerWriter{out, stderr}
		opts.Color = f.verbose && colorful(stderr)
	}
	opts.Terminal = operatorTerminal(stdin, stdout, stderr, out.hold)
	// One setup: run per script among the jobs selected, by the first of
	// them to start; its processes end after the last.
	setups := script.ShareSetups(all)
	workers := fitWorkers(f.jobs, len(all), f.trans != "", stderr)
	fitProcs(workers)
	fo := &fanout{jobs: all, setups: setups, tasks: tasks, workers: workers, failFast: f.failFast, opts: opts, done: out.result}
	if out.progress {
		fo.step = out.step
	}
	// The reports are written once: by the end of the run, or by a second
	// interrupt that cannot wait for it, whichever comes first.
	var reportMu sync.Mutex
	reported := false
	report := func(results []*script.Result, took time.Duration) error {
		reportMu.Lock()
		defer reportMu.Unlock()
		if reported {
			return nil
		}
		reported = true
		return writeReports(reports, results, took, began, runInfo)
	}
	ctx, stop := interrupts(stderr, func() {
		// A second interrupt: every process is already killed; still
		// say what became of the jobs, leave the reports, and remove the
		// work directories, then exit at once.
		results := fo.final()
		out.stop()
		for _, r := range results {
			if errors.Is(r.Err, errKilled) {
				fmt.Fprint(stdout, formatResult(r, out.color)) // Where it was.
			}
		}
		summarize(stdout, results, time.Since(began), true)
		if err := report(results, time.Since(began)); err != nil {
			fmt.Fprintf(stderr, "drover run: %v\n", err)
		}
		opts.RemoveWork()
	})
	defer stop()
	results := fo.run(ctx)
	took := time.Since(began)
	out.stop()
	code = summarize(stdout, results, took, ctx.Err() != nil)
	updated(stdout, results)
	if code == exitInterrupted {
		code = stopCode(ctx)
	}
	if err := report(results, took); err != nil {
		fmt.Fprintf(stderr, "drover run: %v\n", err)
		if code == exitOK {
			code = exitFailed
		}
	}
	// Every job has ended: the supervisor's directory for them goes now,
	// in case the supervisor itself is gone.
	opts.RemoveWork()
	return code
}

// notStarted is the reason a job that an interrupt kept from starting was
// skipped.
const notStarted = "interrupted before it started"

// errFailFast is the cause of the cancellation of jobs by --fail-fast.
var errFailFast = errors.New("stopped by --fail-fast after a failure")

// errKilled is the error of a job still running when a second interrupt
// killed everything, placed at the step it was at.
var errKilled = errors.New("killed by a second interrupt")

// fanout is one run of jobs on a pool; its results fill in as jobs end.
type fanout struct {
	jobs     []script.Job
	setups   []*script.Setup // closed at the end: some of their jobs may never start
	tasks    []exec.Task
	workers  int
	failFast bool
	opts     *script.Options
	done     func(int, *script.Result) // called as each job ends, with its index, never concurrently
	// step, if not nil, is each job's Options.Step, with its index: the
	// progress line tells jobs of one name apart.
	step func(job int, name string, s script.Step)

	mu      sync.Mutex
	results []*script.Result
	began   []time.Time   // when each job started (zero: not yet), for final
	at      []script.Step // the last step each running job began, its setup's included, for final
}

// run runs the jobs and returns the results in the jobs' order. Jobs that
// never started are Skipped; with failFast, the first failure cancels the
// rest: the jobs running then are Stopped, the others Skipped.
func (f *fanout) run(ctx context.Context) []*script.Result {
	f.results = make([]*script.Result, len(f.jobs))
	f.began = make([]time.Time, len(f.jobs))
	f.at = make([]script.Step, len(f.jobs))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for i := range f.tasks {
		f.tasks[i].Run = func(ctx context.Context) {
			f.mu.Lock()
			f.began[i] = time.Now()
			f.mu.Unlock()
			opts := f.opts.ForJob() // Sharing the run.
			opts.Step = func(name string, s script.Step) {
				if s != nil { // nil: its setup's steps are done, not its processes
					f.mu.Lock()
					f.at[i] = s
					f.mu.Unlock()
				}
				if f.step != nil {
					f.step(i, name, s)
				}
			}
			r := f.jobs[i].Run(ctx, opts)
			if r.Status == script.Interrupted && errors.Is(context.Cause(ctx), errFailFast) {
				// Its error says where it was stopped, and why.
				r.Status = script.Stopped
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.results[i] = r
			f.done(i, r)
			if f.failFast && r.Status == script.Failed {
				cancel(errFailFast)
			}
		}
	}
	started := exec.Pool{Workers: f.workers}.Run(ctx, f.tasks)
	for _, su := range f.setups {
		su.Close()
	}
	reason := notStarted
	if errors.Is(context.Cause(ctx), errFailFast) {
		reason = "not started: --fail-fast, after a failure"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ok := range started {
		if !ok {
			f.results[i] = &script.Result{Job: f.jobs[i], Status: script.Skipped, Reason: reason}
		}
	}
	return f.results
}

// final returns the results so far, a job still running counted as
// interrupted and one not started as skipped: what the summary and the
// reports say when drover must exit at once. It keeps f.mu locked, for
// good, so that no job's block comes after the summary: drover exits.
func (f *fanout) final() []*script.Result {
	f.mu.Lock()
	out := make([]*script.Result, len(f.jobs))
	for i, j := range f.jobs {
		switch {
		case i < len(f.results) && f.results[i] != nil:
			out[i] = f.results[i]
		case i < len(f.began) && !f.began[i].IsZero():
			var err error = errKilled
			if s := f.at[i]; s != nil { // Made with began.
				err = &script.Error{Pos: s.Position(), Step: s.Kind(), Err: errKilled}
			}
			out[i] = &script.Result{Job: j, Status: script.Interrupted, Err: err, Duration: time.Since(f.began[i])}
		default:
			out[i] = &script.Result{Job: j, Status: script.Skipped, Reason: notStarted}
		}
	}
	return out
}

// updated prints, after the summary, the golden files --update rewrote.
func updated(w io.Writer, results []*script.Result) {
	var paths []string
	for _, r := range results {
		if r != nil {
			paths = append(paths, r.Updated...)
		}
	}
	if len(paths) == 0 {
		return
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	noun := "files"
	if len(paths) == 1 {
		noun = "file"
	}
	fmt.Fprintf(w, "updated %d golden %s: %s\n", len(paths), noun, show(strings.Join(paths, ", ")))
}

// summarize prints the closing line and returns the exit code.
func summarize(w io.Writer, results []*script.Result, took time.Duration, interrupted bool) int {
	s := report.Summarize(results, took)
	line := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Stopped > 0 {
		line += fmt.Sprintf(", %d stopped", s.Stopped)
	}
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	if s.Interrupted > 0 {
		line += fmt.Sprintf(", %d interrupted", s.Interrupted)
	}
	fmt.Fprintf(w, "%s in %.2fs\n", line, took.Seconds())
	switch {
	case interrupted:
		return exitInterrupted
	case s.Failed > 0:
		return exitFailed
	}
	return exitOK
}

// interrupts returns a context cancelled by the first stop signal
// (SIGINT, SIGTERM, SIGHUP or SIGQUIT; its cause says which): running
// jobs are then terminated, gracefully. A second one kills every process
// drover started and exits at once, 128 plus the first one's number.
func interrupts(stderr io.Writer, beforeExit func()) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	unnotify := notifyStop(sigs)
	done := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-sigs:
			fmt.Fprintf(stderr, "drover: %v: terminating running jobs (again to kill them at once)\n", first)
			cancel(stoppedBy{first})
		case <-done:
			return
		}
		select {
		case <-sigs:
			// Said first: once every process is killed, the run may end
			// and exit before this goroutine gets to speak.
			fmt.Fprintln(stderr, "drover: killed")
			exec.KillAll()
			beforeExit()
			os.Exit(signalCode(first))
		case <-done:
		}
	}()
	return ctx, func() {
		unnotify()
		close(done)
		cancel(nil)
	}
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

// checkVars rejects a --var that no script declares in vars:, matrix: or
// an ask: step, most likely a typo that would otherwise be silently
// ignored.
func checkVars(overrides map[string]string, scripts []*script.Script) error {
	declared := map[string]bool{}
	for _, s := range scripts {
		for _, kv := range s.Vars {
			declared[kv.Key] = true
		}
		for _, name := range s.MatrixNames() {
			declared[name] = true
		}
		for _, name := range s.Asked() {
			declared[name] = true
		}
	}
	for k := range overrides {
		if !declared[k] {
			names := make([]string, 0, len(declared))
			for n := range declared {
				names = append(names, n)
			}
			sort.Strings(names)
			if len(names) == 0 {
				return fmt.Errorf("--var %s: no script declares it (the scripts have no vars:, matrix: or ask:)", k)
			}
			return fmt.Errorf("--var %s: no script declares it in vars:, matrix: or ask: (declared: %s)", k, strings.Join(names, ", "))
		}
	}
	return nil
}

// operatorTerminal returns drover's terminal for confirm:, ask: and
// interact:, or nil when its stdin is not one. The prompts go to stderr,
// so that stdout holds only results; to stdout when only it is a
// terminal; with neither, an operator could answer but not see the
// question, so there is none.
func operatorTerminal(stdin io.Reader, stdout, stderr io.Writer, hold func(bool)) *script.Terminal {
	in, ok := stdin.(*os.File)
	if !ok || !isTerminal(in) {
		return nil
	}
	for _, w := range []io.Writer{stderr, stdout} {
		if out, ok := w.(*os.File); ok && isTerminal(out) {
			return script.NewTerminal(in, out, hold)
		}
	}
	return nil
}
