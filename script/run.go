package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/drover-dev/drover/exec"
)

// Options are what a run of scripts may set from outside. The zero value
// runs with drover's environment and nothing printed live.
type Options struct {
	// Terminal is drover's own terminal, which interact, confirm and ask
	// hand to the operator one job at a time; nil when drover has none
	// (its stdin is not a terminal).
	Terminal *Terminal
	// Yes answers yes to every confirm: step (--yes), terminal or not.
	Yes bool
	// Vars override the scripts' vars: and matrix: values (--var k=v).
	Vars map[string]string
	// Env is the base environment of every process; nil means drover's.
	Env []string
	// Timeout, if not zero, replaces every script's timeout: key.
	Timeout time.Duration
	// Live, if not nil, receives each job's log: messages as they happen
	// and, with Verbose, the whole interaction (-v): each step, what was
	// sent, and each line received. Each line is prefixed with the job's
	// name and written whole. It must be safe for concurrent use when jobs
	// run concurrently.
	Live io.Writer
	// Verbose traces the interaction to Live.
	Verbose bool
	// Step, if not nil, is called as each step of a job starts, with the
	// job's name (a setup's: "NAME (setup)") and the step, for a progress
	// line; with a nil step when a setup's steps are done (a job's end is
	// its Result). It must be safe for concurrent use, and quick.
	Step func(job string, step Step)
	// Prefix puts the job's name before each line written to Live, for
	// when several jobs share it.
	Prefix bool
	// Color colours the live trace: steps, sent and received apart.
	Color bool
	// KeepWork keeps each job's ${work} directory after the job, its
	// path in Result.Work (--keep-work), instead of removing it.
	KeepWork bool
	// WorkRoot is the directory in which the ${work} directories are
	// made; "" means the system's temporary directory (os.TempDir).
	WorkRoot string
	// MakeWorkRoot says that WorkRoot does not exist yet: the first
	// ${work} makes it, mode 0700, so that a run whose jobs use none
	// makes no directory at all. Anything already there under that name
	// is not this run's: the jobs that need a ${work} fail instead of
	// using it. RemoveWork removes WorkRoot only if the run made it.
	MakeWorkRoot bool
	// Update rewrites the golden files of equals_file: with what the
	// program printed instead of failing (--update); each job's Result
	// lists those it changed.
	Update bool
	// UpdateHow is how the user turns Update on, for the messages of a
	// failed equals_file: check ("...; UpdateHow rewrites it"); ""
	// means drover run's --update.
	UpdateHow string
	// run is what the jobs of the run share, made at its first use:
	// copies made by ForJob share it too.
	run *runShared
	// Transcripts, if not empty, is a directory where each job leaves a
	// timestamped transcript of its interaction (NAME.log) and an
	// asciicast v2 recording of each terminal (NAME.PROCESS.cast), secrets
	// masked, each readable by its owner only; NAME is Job.Transcript. The
	// directory must exist. A file of that name, or a symbolic link, is
	// replaced, never written through.
	Transcripts string
	// NoSkip makes a job that skip: or requires: would skip fail instead,
	// saying which skip it was (--no-skip).
	NoSkip bool
	// StopSignals are the signals that stop the run, as its context's
	// cancellation: drover's SIGINT, SIGTERM, SIGHUP and SIGQUIT. Sent to
	// drover's process group (Ctrl-C on a terminal), one also reaches a
	// process that drover is starting, still in that group until it
	// makes a session of its own, and kills it. A job whose steps, setup
	// or finally: fail with a process killed by one of them waits up to
	// StopWait for the run to stop, and is then interrupted, not failed.
	// Nil: no job waits.
	StopSignals []syscall.Signal
}

// runShared is what the jobs of one run share through their Options.
type runShared struct {
	goldens goldenLedger // the golden files the run rewrote
	works   workSet      // its work directories not removed yet, for RemoveWork
}

// sharedMu guards the making of every Options' run.
var sharedMu sync.Mutex

// shared returns o's run, made at the first call.
func (o *Options) shared() *runShared {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if o.run == nil {
		o.run = &runShared{}
	}
	return o.run
}

// ForJob returns a copy of o that shares its run, for a caller that gives
// each job Options of its own: its own Live (scripttest: each job a test
// of its own), its own Step (drover run: the progress line tells jobs of
// one name apart). Under Update, the jobs that share a golden file are
// held to the same output whichever copy each ran with, and RemoveWork on
// any copy removes every job's work directory. A copy made by assigning
// the struct shares nothing that o had not yet made.
func (o *Options) ForJob() *Options {
	run := o.shared()
	c := *o
	c.run = run
	return &c
}

// StopWait is how long a job that failed with a process killed by one of
// Options.StopSignals waits for the run to stop: the stop reaches the run
// when drover has caught the signal, at about the time the process died.
const StopWait = 250 * time.Millisecond

// Job is one run of a script: the script with one combination of its
// matrix values.
type Job struct {
	Script *Script
	Matrix []KV // one value per axis, in the script's order
	// Transcript names the job's files in Options.Transcripts; "" names
	// them after the job. NameTranscripts gives each job of a run its own.
	Transcript string
	// Setup is the run of the script's setup: this job shares, from
	// ShareSetups; nil runs none.
	Setup *Setup
	// shown is Matrix as it is shown, a secret's values masked (see
	// Shown); nil: Matrix itself.
	shown []KV
}

// Name is the script's name followed by the matrix values as they are
// shown: "name [host=a port=1]", "name [user=root token=******#2]".
func (j Job) Name() string {
	if len(j.Matrix) == 0 {
		return j.Script.Name
	}
	shown := j.Shown()
	parts := make([]string, len(shown))
	for i, kv := range shown {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return j.Script.Name + " [" + strings.Join(parts, " ") + "]"
}

// Shown is the job's matrix values as drover shows them, in its name and
// its reports: the value of a variable that is a secret in the script (it
// feeds a send with secret: true, or a secret ask:) is ******, followed,
// when the jobs of the script give it more than one value, by its rank
// among them (#1, #2, ... in the order of the jobs), so that each job
// keeps a name of its own.
func (j Job) Shown() []KV {
	if j.shown != nil {
		return j.shown
	}
	return j.Matrix
}

// Locks returns the job's lock names, their variables expanded with the
// job's matrix values, the overrides and the script's vars.
func (j Job) Locks(overrides map[string]string) ([]string, error) {
	if len(j.Script.Locks) == 0 {
		return nil, nil
	}
	st, err := newState(j.Script, &Options{Vars: overrides}, j.Matrix, &jobLog{})
	if err != nil {
		return nil, err
	}
	locks := make([]string, len(j.Script.Locks))
	for i, l := range j.Script.Locks {
		if locks[i], err = st.expand(l); err != nil {
			return nil, err
		}
	}
	return locks, nil
}

// Status is how a job ended.
type Status string

// The statuses of a job.
const (
	Passed      Status = "passed"
	Failed      Status = "failed"
	Interrupted Status = "interrupted"
	// Stopped is a job that was running when another's failure ended the
	// run (--fail-fast): it did not fail, and it did not finish either.
	// Job.Run never returns it; the caller that stopped the job says so.
	Stopped Status = "stopped"
	Skipped Status = "skipped"
)

// Result is the outcome of one job.
type Result struct {
	Job    Job
	Status Status
	Err    error // the failure, an *Error with its position; nil when passed
	// FinallyErr is the failure of a finally: step, reported apart: a job
	// whose steps passed but whose clean-up failed has failed too.
	FinallyErr error
	Duration   time.Duration     // wall time
	Vars       map[string]string // variables at the end, secrets left out
	Log        string            // log: messages and, when verbose, the interaction

	// Received is the last output of the process a failed step was
	// reading or checking, as matched (a tty's escapes removed), and
	// Waited how long that step waited. Both are empty when unknown.
	Received string
	Waited   time.Duration
	// ReceivedRaw is Received as a terminal sent it, escapes and "\r"
	// included; the same as Received on pipes.
	ReceivedRaw string
	// Other is the last output of the stream an expect did not wait on,
	// when something arrived there (stderr, say, while stdout was
	// awaited), and OtherStream names that stream. Both are empty
	// otherwise.
	Other, OtherStream string

	// Reason says why a job was skipped or stopped, such as "--fail-fast".
	Reason string
	// SkipPos is the skip: or requires: key of a job its script skipped;
	// the zero Pos for one skipped from outside (--fail-fast).
	SkipPos Pos

	// Work is the job's ${work} directory when --keep-work kept it, ""
	// when it was removed; SetupWork is its setup's, likewise.
	Work, SetupWork string
	// Updated are the golden files --update rewrote or created, as
	// equals_file: names them, in the order they were written.
	Updated []string
}

// Run runs the job to its end and returns its result. Every process the job
// started has ended when Run returns. ctx cancels the job (Ctrl-C): its
// processes are terminated and the result says Interrupted.
func (job Job) Run(ctx context.Context, opts *Options) *Result {
	if opts == nil {
		opts = &Options{}
	}
	if r := job.skip(opts); r != nil {
		// Nothing of the job runs, not even its script's setup: it
		// starts with its first job that runs.
		if job.Setup != nil {
			job.Setup.done()
		}
		return r
	}
	began := time.Now()
	log := &jobLog{verbose: opts.Verbose, began: began, color: opts.Color}
	if opts.Live != nil {
		log.live = opts.Live
		if opts.Prefix {
			log.live = &prefixWriter{w: opts.Live, prefix: Visible(job.Name()) + " | "}
		}
	}
	res := &Result{Job: job, Status: Passed}
	var shared map[string]string
	var sharedSecrets map[string]bool
	if job.Setup != nil {
		defer job.Setup.done()
		var err error
		if shared, sharedSecrets, err = job.Setup.start(ctx, opts); err != nil {
			// Every job of the script fails with it; none of them runs.
			res.Status, res.Err = Failed, err
			if ctx.Err() != nil {
				res.Status = Interrupted
			}
			res.setReceived(err, log)
			res.Duration = time.Since(began)
			res.SetupWork = job.Setup.keptWork(opts)
			return res
		}
		res.SetupWork = job.Setup.keptWork(opts)
	}
	st, err := newState(job.Script, opts, job.Matrix, log)
	if err == nil {
		for k, v := range shared {
			st.vars[k] = v
		}
		for k := range sharedSecrets {
			st.secrets[k] = true
			log.addSecret(shared[k])
		}
		st.planSecrets()
		st.jobName = job.Name()
		// After setup's variables: the job's ${work} is its own.
		err = st.workWhenUsed(job.Script.Files)
	}
	if err == nil && opts.Transcripts != "" {
		base := job.Transcript
		if base == "" {
			base = fileName(job.Name())
		}
		st.rec, err = newRecorder(opts.Transcripts, base)
		if err == nil {
			log.transcript = st.rec.buf
			log.trace(lineStep, "-- job %s (%s)\n", job.Name(), job.Script.File)
		}
	}
	if err != nil {
		if st != nil {
			res.Work, _ = st.endWork() // Best effort: the job failed already.
		}
		res.Status, res.Err = Failed, err
		res.Duration = time.Since(began)
		return res
	}
	st.procCtx = ctx
	timeout := job.Script.Timeout
	if opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	if timeout <= 0 {
		timeout = defaultScriptTimeout
	}
	sctx, cancel := context.WithTimeoutCause(ctx, timeout, &scriptTimeout{timeout})
	err = st.runBlock(sctx, job.Script.Steps)
	cancel()
	st.awaitStop(ctx, err)
	var ferr error
	if len(job.Script.Finally) > 0 {
		// Clean-up steps get their own time, and still run when the
		// script failed, timed out or was interrupted.
		fctx, fcancel := context.WithTimeoutCause(context.WithoutCancel(ctx), timeout, &scriptTimeout{timeout})
		st.procCtx, st.inFinally = fctx, true
		st.log.trace(lineStep, "-- finally\n")
		ferr = st.runBlock(fctx, job.Script.Finally)
		fcancel()
		st.awaitStop(ctx, ferr)
	}
	st.cleanup()
	// Its processes have ended: nothing writes in ${work} any more.
	kept, werr := st.endWork()
	if werr != nil && err == nil && ferr == nil {
		err = werr
	}
	res.Work, res.Updated = kept, st.updated
	log.finish()
	if st.rec != nil {
		switch {
		case err != nil:
			log.trace(lineStep, "-- failed: %v\n", err)
		case ferr != nil:
			log.trace(lineStep, "-- finally failed: %v\n", ferr)
		default:
			log.trace(lineStep, "-- passed\n")
		}
		log.endTranscript()
		if rerr := st.rec.close(); rerr != nil && err == nil && ferr == nil {
			err = fmt.Errorf("writing transcripts: %w", rerr)
		}
	}
	res.Duration = time.Since(began)
	res.Vars = st.captures()
	res.Log = log.notes.String()
	if err != nil {
		res.Status, res.Err = Failed, err
		if ctx.Err() != nil {
			res.Status = Interrupted
		}
		res.setReceived(err, log)
	}
	if ferr != nil {
		res.FinallyErr = ferr
		if res.Status == Passed {
			res.Status = Failed
			if ctx.Err() != nil {
				res.Status = Interrupted // Stopped while it cleaned up.
			}
			res.setReceived(ferr, log)
		}
	}
	return res
}

// setReceived fills in what the failed step saw, secrets masked.
func (r *Result) setReceived(err error, log *jobLog) {
	r.Received, r.Waited = received(err)
	r.ReceivedRaw = r.Received
	var ee *exec.ExpectError
	if errors.As(err, &ee) {
		r.ReceivedRaw = ee.RecentRaw
	}
	r.Received, r.ReceivedRaw = log.masked(r.Received), log.masked(r.ReceivedRaw)
	var oo *otherOutput
	if errors.As(err, &oo) {
		r.Other, r.OtherStream = log.masked(oo.text), oo.stream
	}
}

// received digs the output a failed step saw out of its error.
func received(err error) (string, time.Duration) {
	var ee *exec.ExpectError
	if errors.As(err, &ee) {
		return ee.Recent, ee.Waited
	}
	var re *runError
	if errors.As(err, &re) {
		out, errs := re.Received()
		switch {
		case out != "" && errs != "":
			return "stdout:\n" + out + "\nstderr:\n" + errs, re.waited
		case errs != "":
			return errs, re.waited
		}
		return out, re.waited
	}
	return "", 0
}

// scriptTimeout is the cause of a step's failure when the whole script's
// time ran out.
type scriptTimeout struct{ d time.Duration }

func (e *scriptTimeout) Error() string { return fmt.Sprintf("script timeout %s reached", e.d) }

// fail places err at step; this is the one place positions are added.
func (st *state) fail(ctx context.Context, step Step, err error) error {
	err = explain(ctx, err) // Why the step was cut short, in words.
	return &Error{Pos: step.Position(), Step: step.Kind(), Err: maskErr{err, st.log}}
}

// maskErr hides secrets in an error's text while keeping its chain.
type maskErr struct {
	err error
	log *jobLog
}

func (m maskErr) Error() string { return m.log.masked(m.err.Error()) }
func (m maskErr) Unwrap() error { return m.err }

// awaitStop waits, when the job's steps failed with err and a process of
// the job was killed by one of the run's stop signals, up to StopWait for
// ctx, the run's, to be done: killed as it started by the run's own stop,
// most likely, which comes a moment later, the job was interrupted, not
// failed.
func (st *state) awaitStop(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil || !st.killedByStop() {
		return
	}
	timer := time.NewTimer(StopWait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// killedByStop reports whether a process of the job, a run step's or a
// spawned one, was killed by one of the run's stop signals before the
// clean-up.
func (st *state) killedByStop() bool {
	if st.runStopKilled {
		return true
	}
	for _, pr := range st.order {
		if s := pr.p.Status(); s != nil && st.isStop(s.Signal) {
			return true
		}
	}
	return false
}

// isStop reports whether sig is one of the run's stop signals.
func (st *state) isStop(sig syscall.Signal) bool {
	return sig != 0 && slices.Contains(st.opts.StopSignals, sig)
}

// cleanup ends every process still running, whole trees, all at once.
func (st *state) cleanup() {
	var wg sync.WaitGroup
	for _, p := range st.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.p.Terminate(context.Background(), defaultGrace) // Only fails on misuse.
		}()
	}
	wg.Wait()
}

// prefixWriter writes whole lines to w, each prefixed. Concurrent jobs
// share w, so each line goes out in one Write.
type prefixWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			break
		}
		line := append(append([]byte(p.prefix), p.partial...), b[:i+1]...)
		p.partial = p.partial[:0]
		if _, err := p.w.Write(line); err != nil {
			return n, err
		}
		b = b[i+1:]
	}
	return n, nil
}
