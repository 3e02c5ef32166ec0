package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/drover-dev/drover/exec"
)

// golden is an equals_file: of the script, for the check that it exists.
type golden struct {
	Pos  Pos
	Step string
	Path string // a template, relative to the script's directory
}

// Goldens checks that every golden file an equals_file: names literally
// (without ${...}) exists, relative to the script's directory: a script
// whose golden file is missing would fail at its step, after starting
// servers. drover run --update skips this check, and creates the files.
// One whose name uses variables is checked when the step runs.
func (s *Script) Goldens() error {
	var errs ErrorList
	for _, g := range s.goldens {
		if strings.Contains(g.Path, "${") {
			continue
		}
		p, _ := Expand(g.Path, nil) // $$ only: no variables.
		if _, err := os.Stat(goldenPath(filepath.Dir(s.File), p)); err != nil {
			errs = append(errs, &Error{Pos: g.Pos, Step: g.Step, Err: goldenMissing(p, err, "drover run --update")})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// goldenPath is the path of golden file p, relative to dir unless
// absolute.
func goldenPath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// goldenMissing says that golden file p cannot be read, and if it does
// not exist, that update (how the user asks for Options.Update) creates
// it.
func goldenMissing(p string, err error, update string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("equals_file: %s: no such file; %s creates it with what the program prints", p, update)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("equals_file: %s: cannot read it: %v", p, err)
}

// goldenLedger is what --update wrote in one run, shared by its jobs:
// jobs that share a golden file must print the same, and the first to
// rewrite it decides what the others are compared with.
type goldenLedger struct {
	mu      sync.Mutex
	written map[string]goldenWrite // by path as opened
}

// goldenWrite is one golden file rewritten in the run, and by which job.
type goldenWrite struct {
	content string
	job     string
}

// checkGolden compares the output with the golden file of equals_file:
// as equals does (trailing newlines aside), with a diff on mismatch.
// With --update a mismatch or a missing file rewrites the file with
// the output instead, and st.updated says so.
func (st *state) checkGolden(name string, m *OutputMatcher, out *exec.Output) error {
	p, err := st.expand(m.EqualsFile)
	if err != nil {
		return err
	}
	if out.Dropped > 0 {
		return fmt.Errorf("%s is too large to compare with %s: %d bytes were dropped to bound memory", name, p, out.Dropped)
	}
	got := string(out.Kept)
	full := goldenPath(st.dir, p)
	if st.opts == nil || !st.opts.Update || m.predicate {
		want, err := os.ReadFile(full)
		if err != nil {
			return goldenMissing(p, err, st.updateHow())
		}
		return goldenDiff(name, p, string(want), got, st.updateHow())
	}
	l := &st.opts.shared().goldens
	l.mu.Lock()
	defer l.mu.Unlock()
	if w, ok := l.written[full]; ok {
		// Rewritten by another job (or step) of this run: that is the
		// golden now, and outputs that differ cannot both be it.
		if err := goldenDiff(name, p, w.content, got, ""); err != nil {
			return fmt.Errorf("not rewritten: %s, which %s rewrote in this run with other output; the steps that share a golden file must print the same\n%w", p, w.job, err)
		}
		return nil
	}
	want, rerr := os.ReadFile(full)
	if rerr == nil && goldenDiff(name, p, string(want), got, "") == nil {
		return nil // Up to date: left alone.
	}
	if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return goldenMissing(p, rerr, st.updateHow())
	}
	if err := writeAtomic(full, got); err != nil {
		return fmt.Errorf("equals_file: rewriting %s: %w", p, err)
	}
	if l.written == nil {
		l.written = map[string]goldenWrite{}
	}
	l.written[full] = goldenWrite{content: got, job: st.jobName}
	st.updated = append(st.updated, full)
	st.log.trace(lineStep, "-- updated golden file %s\n", full)
	return nil
}

// goldenDiff compares as equals does; its error says that update (how
// the user asks for Options.Update) rewrites the file, unless "".
func goldenDiff(name, p, want, got, update string) error {
	if got == want || strings.TrimRight(got, "\n") == strings.TrimRight(want, "\n") {
		return nil
	}
	hint := ""
	if update != "" {
		hint = "; " + update + " rewrites it"
	}
	return fmt.Errorf("%s is not as in %s (-want +got)%s:\n%s", name, p, hint, strings.TrimRight(unifiedDiff(want, got), "\n"))
}

// updateHow is how the user asks for Options.Update, for the messages
// of a failed equals_file: check.
func (st *state) updateHow() string {
	if st.opts != nil && st.opts.UpdateHow != "" {
		return st.opts.UpdateHow
	}
	return "drover run --update"
}

// writeAtomic replaces the file at full with content: a temporary file
// in the same directory, renamed over it. A symbolic link of that name
// is replaced, never written through. The file keeps its mode; a new
// one is 0644, in directories made as needed.
func writeAtomic(full, content string) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	dir, base := filepath.Split(full)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return pathErr(err)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".drover-*")
	if err != nil {
		return pathErr(err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.WriteString(content); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			return le.Err
		}
		return err
	}
	ok = true
	return nil
}
