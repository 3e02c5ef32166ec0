package script

import (
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
)

// Preflight checks what can be checked before a script runs on this
// machine: every program that a run or spawn names literally (no ${...},
// no slash) must be found in PATH. A script run without this check would
// fail halfway, after starting servers; a missing program is a usage
// error, reported at the step. env is the environment whose PATH is
// searched; nil means drover's.
func (s *Script) Preflight(env []string) error {
	if env == nil {
		env = os.Environ()
	}
	path, ok := getEnv(env, "PATH")
	for _, kv := range s.Env {
		if kv.Key == "PATH" && !strings.Contains(kv.Value, "${") {
			path, ok = kv.Value, true
		}
	}
	var errs ErrorList
	check := func(step Step, c Command) {
		if len(c.Argv) == 0 {
			return
		}
		prog := c.Argv[0]
		if strings.Contains(prog, "${") || strings.Contains(prog, "/") {
			return
		}
		if ok && lookPath(prog, path) {
			return
		}
		errs = append(errs, &Error{Pos: step.Position(), Step: step.Kind(),
			Err: fmt.Errorf("program %q is not installed (not found in PATH)", prog)})
	}
	visit := func(step Step) {
		switch st := step.(type) {
		case *Run:
			check(st, st.Cmd)
		case *Spawn:
			check(st, st.Cmd)
		}
	}
	walkSteps(s.Steps, visit)
	walkSteps(s.Finally, visit)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// lookPath reports whether prog is an executable file in one of the
// directories of path.
func lookPath(prog, path string) bool {
	for _, dir := range strings.Split(path, string(os.PathListSeparator)) {
		if dir == "" {
			dir = "."
		}
		if _, err := osexec.LookPath(dir + string(os.PathSeparator) + prog); err == nil {
			return true
		}
	}
	return false
}
