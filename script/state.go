package script

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/drover-dev/drover/exec"
)

// state is one job's run of a script: its variables, its processes and its
// output. It belongs to one goroutine.
type state struct {
	script *Script
	opts   *Options
	dir    string // the default working directory
	work   string // ${work}, the job's own directory; "" before it is made
	// workLater: ${work} is made when first looked up (see makeWork);
	// workErr is the error of making it then, for expand to return.
	workLater bool
	workErr   error
	updated   []string          // the golden files --update rewrote
	jobName   string            // for the messages of --update, prompts and the progress line
	vars      map[string]string // vars, matrix values and captures
	secrets   map[string]bool   // variables that hold secrets
	env       []string          // the job's environment: drover's, then the script's
	procs     map[string]*proc  // spawned processes by name
	order     []*proc           // every process started, for the clean-up
	current   *proc             // the most recently spawned
	piped     map[string]bool   // names whose stdout feeds a stdin_from
	log       *jobLog
	procCtx   context.Context // bounds the life of spawned processes: the job's
	rec       *recorder       // --transcripts, or nil
	plan      secretPlan
	// runStopKilled: a run step's process died of one of the run's stop
	// signals (Options.StopSignals).
	runStopKilled bool
	inFinally     bool // the finally: steps run
}

// proc is a process a script started.
type proc struct {
	name string
	p    *exec.Process
	tty  bool
	cast *castWriter  // the terminal's recording, or nil
	logs []*logStream // its output as the job's log shows it, or nil
	// From spawn: output that fails an expect at once, and the prompt
	// (nil: none), their variables expanded.
	failOn []exec.Pattern
	prompt *exec.Pattern
	// settled: a wait, signal or terminate step has dealt with it, so
	// its end is expected; wait_port no longer watches it.
	settled bool
}

func newState(s *Script, opts *Options, matrix []KV, log *jobLog) (*state, error) {
	st := &state{
		script:  s,
		opts:    opts,
		dir:     filepath.Dir(s.File),
		vars:    map[string]string{},
		secrets: map[string]bool{},
		procs:   map[string]*proc{},
		log:     log,
	}
	if opts.Env == nil {
		st.env = os.Environ() // A copy already.
	} else {
		st.env = append([]string(nil), opts.Env...)
	}
	// Matrix values and --var overrides first: vars' defaults may use them.
	for _, kv := range matrix {
		st.vars[kv.Key] = kv.Value
	}
	for k, v := range opts.Vars {
		st.vars[k] = v
	}
	for _, kv := range s.Vars {
		if _, overridden := opts.Vars[kv.Key]; overridden || matrix == nil && s.matrixVars[kv.Key] {
			continue // Given, or made of matrix values setup: does not see.
		}
		v, err := st.expand(kv.Value)
		if err != nil {
			return nil, &Error{Pos: kv.Pos, Err: err}
		}
		st.vars[kv.Key] = v
	}
	for _, kv := range s.Env {
		v, err := st.expand(kv.Value)
		if err != nil {
			return nil, &Error{Pos: kv.Pos, Err: err}
		}
		st.env = setEnv(st.env, kv.Key, v)
	}
	st.piped = stdinSources(s.Steps, s.Finally)
	return st, nil
}

// lookup resolves a variable for Expand.
func (st *state) lookup(name string) (string, bool) {
	if env, ok := strings.CutPrefix(name, "env."); ok {
		return getEnv(st.env, env)
	}
	if name == workVar && st.workLater {
		st.workLater = false
		if err := st.makeWork(nil); err != nil {
			st.workErr = err
			return "", false
		}
	}
	v, ok := st.vars[name]
	return v, ok
}

func (st *state) expand(tmpl string) (string, error) {
	v, err := Expand(tmpl, st.lookup)
	if st.workErr != nil {
		err, st.workErr = st.workErr, nil
	}
	if u, ok := err.(*UndefinedError); ok {
		err = st.undefined(u.Name)
	}
	return v, err
}

// undefined is the error of a reference to name, undefined as the job
// runs. The parser let it through: some step or key of the script may
// define it, but none did in this job; the error says which case it is,
// and what is defined.
func (st *state) undefined(name string) *UndefinedError {
	e := &UndefinedError{Name: name, Defined: slices.Sorted(maps.Keys(st.vars))}
	switch env, isEnv := strings.CutPrefix(name, "env."); {
	case isEnv:
		e.Why, e.Defined = fmt.Sprintf("%s is not in the job's environment", env), nil
	case st.script != nil && slices.Contains(st.script.MatrixNames(), name):
		e.Why = "this job has no matrix value for it; a job that an include: entry makes on its own has only that entry's keys"
	default:
		e.Why = "no step that sets it ran in this job (a branch not taken, an each: over no items)"
	}
	return e
}

func (st *state) expandAll(tmpls []string) ([]string, error) {
	out := make([]string, len(tmpls))
	for i, t := range tmpls {
		v, err := st.expand(t)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// procEnv is the environment of a process: the job's, then the step's;
// under a tty TERM is "dumb" unless the script sets it, so that programs
// print plain text wherever they run.
func (st *state) procEnv(step []KV, tty bool) ([]string, error) {
	env := append([]string(nil), st.env...)
	termSet := false
	for _, kv := range st.script.Env {
		termSet = termSet || kv.Key == "TERM"
	}
	for _, kv := range step {
		v, err := st.expand(kv.Value)
		if err != nil {
			return nil, err
		}
		env = setEnv(env, kv.Key, v)
		termSet = termSet || kv.Key == "TERM"
	}
	if tty && !termSet {
		env = setEnv(env, "TERM", "dumb")
	}
	return env, nil
}

// workDir resolves a step's dir: relative to the script's directory.
func (st *state) workDir(tmpl string) (string, error) {
	d, err := st.expand(tmpl)
	if err != nil {
		return "", err
	}
	if d == "" {
		return st.dir, nil
	}
	if !filepath.IsAbs(d) {
		d = filepath.Join(st.dir, d)
	}
	return d, nil
}

// proc returns the process a step acts on: the one named on, or the
// current one.
func (st *state) proc(on string) (*proc, error) {
	if on == "" {
		if st.current == nil {
			return nil, fmt.Errorf("no process has been spawned yet")
		}
		return st.current, nil
	}
	p, ok := st.procs[on]
	if !ok {
		names := make([]string, 0, len(st.procs))
		for n := range st.procs {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no process named %q (spawned: %s)", on, strings.Join(names, ", "))
	}
	return p, nil
}

// captures returns the variables captured so far, secrets excepted.
func (st *state) captures() map[string]string {
	out := map[string]string{}
	for k, v := range st.vars {
		if !st.secrets[k] {
			out[k] = st.log.masked(v)
		}
	}
	return out
}

func setEnv(env []string, k, v string) []string {
	prefix := k + "="
	for i, kv := range env {
		if strings.HasPrefix(kv, prefix) {
			env[i] = prefix + v
			return env
		}
	}
	return append(env, prefix+v)
}

func getEnv(env []string, k string) (string, bool) {
	prefix := k + "="
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], prefix); ok {
			return v, true
		}
	}
	return "", false
}
