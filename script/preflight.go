package script

import (
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"

	"github.com/drover-dev/drover/exec"
)

// Preflight checks what can be checked before a script runs on this
// machine: every program that a run or spawn names literally (no ${...},
// no slash), and sh for a shell command, must be found in PATH. A script
// run without this check would fail halfway, after starting servers; a
// missing program is a usage error, reported at the step. env is the
// environment the script's processes start from; nil means drover's.
//
// The PATH searched is the process's, as at the start: env's, or the one
// the script's env or the step's env sets. One that holds a variable not
// known before the run (a var, a matrix value, a capture) cannot be
// searched: its programs are not checked here, and the start reports
// them. ${env.NAME} is known: it comes from env.
//
// A program that requires: names is not checked: its absence skips the
// jobs, which say so. Nothing is checked when every job is skipped
// anyway: a skip: without variables, or requires: os: of other systems.
func (s *Script) Preflight(env []string) error {
	if s.literalSkip() {
		return nil // Every job is skipped: nothing is run to check.
	}
	if env == nil {
		env = os.Environ()
	}
	job := &preEnv{env: append([]string(nil), env...), unknown: map[string]bool{}}
	for _, kv := range s.Env {
		job.set(kv, job)
	}
	var errs ErrorList
	check := func(step Step, c Command, stepEnv []KV) {
		prog := "sh"
		if c.Shell == "" {
			if len(c.Argv) == 0 {
				return
			}
			prog = c.Argv[0]
		}
		if strings.Contains(prog, "${") || strings.Contains(prog, "/") || s.required(prog) {
			// A program requires: names skips the jobs when missing.
			return
		}
		proc := job
		if len(stepEnv) > 0 {
			// A step's values are expanded in the job's environment.
			proc = &preEnv{env: append([]string(nil), job.env...), unknown: map[string]bool{}, pathSet: job.pathSet}
			for k := range job.unknown {
				proc.unknown[k] = true
			}
			for _, kv := range stepEnv {
				proc.set(kv, job)
			}
		}
		if proc.unknown["PATH"] {
			return
		}
		_, err := exec.LookPath(prog, proc.env)
		if err == nil {
			return
		}
		why := "not found in PATH"
		if proc.pathSet {
			path, _ := getEnv(proc.env, "PATH")
			why = fmt.Sprintf("not found in PATH %q, which env sets", path)
		}
		if errors.Is(err, osexec.ErrDot) {
			why = "found only through a relative directory of PATH, which drover refuses; make it absolute"
		}
		errs = append(errs, &Error{Pos: step.Position(), Step: step.Kind(),
			Err: fmt.Errorf("program %q is not installed (%s)", prog, why)})
	}
	visit := func(step Step) {
		if c, ok := step.(commander); ok {
			cmd, env := c.command()
			check(step, cmd, env)
		}
	}
	walkSteps(s.Setup, visit)
	walkSteps(s.Steps, visit)
	walkSteps(s.Finally, visit)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// preEnv is a process's environment as far as it is known before the run.
type preEnv struct {
	env     []string
	unknown map[string]bool // keys whose values need the run's variables
	pathSet bool            // the script or the step sets PATH
}

// set sets kv, its value expanded in from's environment, as the run will.
func (e *preEnv) set(kv KV, from *preEnv) {
	if kv.Key == "PATH" {
		e.pathSet = true
	}
	known := true
	v, err := Expand(kv.Value, func(name string) (string, bool) {
		k, ok := strings.CutPrefix(name, "env.")
		if !ok || from.unknown[k] {
			known = false
			return "", true
		}
		return getEnv(from.env, k)
	})
	if err != nil || !known {
		e.unknown[kv.Key] = true // An undefined one is the run's error to report.
		return
	}
	delete(e.unknown, kv.Key)
	e.env = setEnv(e.env, kv.Key, v)
}
