package script

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Setup is the run of a script's setup: steps shared by its jobs: run
// once, by the first job that needs it, before that job's steps; its
// processes live until the last job sharing it has ended, or Close.
// ShareSetups makes them. A Setup is safe for concurrent use.
type Setup struct {
	script *Script

	mu      sync.Mutex
	ran     bool
	err     error             // setup's failure, an *Error
	vars    map[string]string // what the setup defined, for every job
	secrets map[string]bool
	st      *state // its processes, until closed
	left    int    // the jobs sharing it that have not ended
	closed  bool
	// work is setup's own ${work}, removed when its processes have ended
	// (after the last job), unless --keep-work keeps it.
	work string
}

// ShareSetups gives the jobs of each script that has setup: one Setup,
// shared by those jobs only: a script none of whose jobs is among jobs
// (--run, --shard) runs no setup. It returns the Setups made, for Close
// once the jobs are done, since some may never start.
func ShareSetups(jobs []Job) []*Setup {
	by := map[*Script]*Setup{}
	var out []*Setup
	for i := range jobs {
		s := jobs[i].Script
		if len(s.Setup) == 0 {
			continue
		}
		su := by[s]
		if su == nil {
			su = &Setup{script: s}
			by[s] = su
			out = append(out, su)
		}
		su.left++
		jobs[i].Setup = su
	}
	return out
}

// setupFailed is a job's failure when its script's setup failed: the
// setup step's error, at its position.
type setupFailed struct{ err error }

func (e *setupFailed) Error() string { return "setup failed: " + e.err.Error() }
func (e *setupFailed) Unwrap() error { return e.err }

// start runs the setup unless it ran already, and returns what it
// defined, or its failure.
func (su *Setup) start(ctx context.Context, opts *Options) (map[string]string, map[string]bool, error) {
	su.mu.Lock()
	defer su.mu.Unlock()
	if su.closed {
		return nil, nil, errors.New("setup already ended")
	}
	if !su.ran {
		su.ran = true
		su.err = su.run(ctx, opts)
	}
	if su.err != nil {
		return nil, nil, su.err
	}
	return su.vars, su.secrets, nil
}

// keptWork is setup's ${work} when --keep-work keeps it, "" otherwise.
func (su *Setup) keptWork(opts *Options) string {
	if !opts.KeepWork {
		return ""
	}
	su.mu.Lock()
	defer su.mu.Unlock()
	return su.work
}

// setupName is the name of the setup in -v lines and transcripts.
func setupName(s *Script) string { return s.Name + " (setup)" }

// run runs the setup's steps, as a job of the script without matrix
// values would; on failure its processes are ended at once.
func (su *Setup) run(ctx context.Context, opts *Options) error {
	s := su.script
	log := &jobLog{verbose: opts.Verbose, began: time.Now(), color: opts.Color}
	if opts.Live != nil {
		log.live = opts.Live
		if opts.Prefix {
			log.live = &prefixWriter{w: opts.Live, prefix: Visible(setupName(s)) + " | "}
		}
	}
	st, err := newState(s, opts, nil, log)
	if err != nil {
		return err
	}
	// Its own ${work}, empty: files: are the jobs'.
	if err := st.makeWork(nil); err != nil {
		return err
	}
	su.work = st.work
	st.jobName = setupName(s)
	st.piped = stdinSources(s.Setup)
	st.planSecrets()
	if opts.Transcripts != "" {
		if st.rec, err = newRecorder(opts.Transcripts, fileName(setupName(s))); err != nil {
			_, _ = st.endWork()
			return err
		}
		log.transcript = st.rec.buf
		log.trace(lineStep, "-- setup of %s (%s)\n", s.Name, s.File)
	}
	// Its processes outlive this job's steps, not the run: Close ends them.
	st.procCtx = context.WithoutCancel(ctx)
	timeout := s.Timeout
	if opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	sctx, cancel := context.WithTimeoutCause(ctx, timeout, &scriptTimeout{timeout})
	err = st.runBlock(sctx, s.Setup)
	cancel()
	st.awaitStop(ctx, err) // Its jobs are then interrupted, not failed.
	if opts.Step != nil {
		opts.Step(st.jobName, nil) // Its steps are done.
	}
	if err != nil {
		st.cleanup()
		_, _ = st.endWork() // Best effort: the setup failed already.
		log.trace(lineStep, "-- setup failed: %v\n", err)
		st.end()
		return &setupFailed{err}
	}
	// Its transcript goes on, with what its processes print while the
	// jobs run, until Close.
	log.trace(lineStep, "-- setup done\n")
	su.st, su.vars, su.secrets = st, st.vars, st.secrets
	return nil
}

// end closes the log and the transcript of a setup whose processes have
// ended.
func (st *state) end() {
	st.log.finish()
	if st.rec != nil {
		st.log.trace(lineStep, "-- setup ended\n")
		st.log.endTranscript()
		_ = st.rec.close() // Best effort: the jobs' results are out.
	}
}

// done says one job sharing the setup has ended; after the last, the
// setup's processes are ended.
func (su *Setup) done() {
	su.mu.Lock()
	su.left--
	last := su.left <= 0
	su.mu.Unlock()
	if last {
		su.Close()
	}
}

// Close ends the setup's processes, whole trees, if they still run. A job
// that starts after Close fails.
func (su *Setup) Close() {
	su.mu.Lock()
	defer su.mu.Unlock()
	su.closed = true
	if su.st != nil {
		su.st.cleanup()
		_, _ = su.st.endWork() // Best effort: the jobs' results are out.
		su.st.end()
		su.st = nil
	}
}
