package exec

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// LookPath finds the program file as Start does for a Cmd whose Env is
// env: in the PATH of env when env sets one, else in this program's PATH,
// with the rules of os/exec.LookPath. A file that holds a separator is
// not looked up, only checked. An empty directory in the PATH is the
// current one, and a program found through a relative directory is an
// error wrapping os/exec.ErrDot, as in os/exec. A program not found is an
// error wrapping os/exec.ErrNotFound that names the PATH when env set it.
func LookPath(file string, env []string) (string, error) {
	path, ok := envPath(env)
	if !ok || path == os.Getenv("PATH") || filepath.Base(file) != file {
		return osexec.LookPath(file)
	}
	return lookPath(file, path)
}

// envPath returns the PATH that env sets: the last one, as os/exec passes
// it on.
func envPath(env []string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		k, v, _ := strings.Cut(env[i], "=")
		if k == "PATH" || runtime.GOOS == "windows" && strings.EqualFold(k, "PATH") {
			return v, true
		}
	}
	return "", false
}

// lookPath is os/exec.LookPath in path instead of the PATH variable.
func lookPath(file, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "." // As in the shell.
		}
		p := filepath.Join(dir, file)
		probe := p
		if filepath.Base(probe) == probe {
			probe = "." + string(filepath.Separator) + p // Else LookPath would search PATH.
		}
		lp, err := osexec.LookPath(probe) // Checks the mode, adds Windows' extensions.
		if err != nil {
			continue
		}
		if !filepath.IsAbs(lp) {
			if p != probe {
				lp = p + strings.TrimPrefix(lp, probe) // The extension LookPath added.
			}
			return lp, &osexec.Error{Name: file, Err: osexec.ErrDot}
		}
		return lp, nil
	}
	return "", &osexec.Error{Name: file, Err: &notInPath{path}}
}

// notInPath is a program missing from the PATH of a process's environment.
type notInPath struct{ path string }

func (e *notInPath) Error() string {
	return fmt.Sprintf("not found in PATH %s, which its environment sets", e.path)
}

func (e *notInPath) Unwrap() error { return osexec.ErrNotFound }
