package script

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Assert fails the job unless a condition on a variable or a file holds,
// showing the value (masked when secret) and what was wanted, with a diff
// for an equals of several lines. A relative file is relative to the
// script's directory, as a process's dir: is; ${work}/NAME is in the
// job's work directory.
type Assert struct {
	Pos  Pos
	Cond Condition
}

// Position and Kind implement Step.
func (s *Assert) Position() Pos { return s.Pos }
func (*Assert) Kind() string    { return "assert" }

// assertKind is the assert step. Its key table is the condition's,
// condForm: var or file.
var assertKind = &stepKind{
	stepSpec: stepSpec{kind: "assert", doc: "fail the job unless a variable's value, or a file, passes a check",
		long: &condForm},
	parse: parseAssert,
}

// parseAssert reads the condition.
func parseAssert(c *stepCtx, key, val *yaml.Node) Step {
	return &Assert{Pos: c.p.pos(key), Cond: c.condition(key, val)}
}

// run fails with why the condition does not hold.
func (s *Assert) run(ctx context.Context, st *state) error {
	_, why, err := s.Cond.test(ctx, st)
	if err != nil {
		return err
	}
	return why
}

// templates implements templater.
func (s *Assert) templates() []string { return s.Cond.templates() }

// maxFileCheck bounds the content of a file that a condition reads.
const maxFileCheck = 64 << 20

// fileCondition reads the file form of a condition, f from mapping n:
// file, and exists or the checks of its content.
func (c *stepCtx) fileCondition(n *yaml.Node, f map[string]entry, cd *Condition) {
	if s, ok := c.tmpl(f["file"].val, "file"); ok {
		if strings.TrimSpace(s) == "" {
			c.errorf(f["file"].val, "file", "want a path, relative to the script's directory or ${work}/NAME")
		}
		cd.File = s
	}
	checks := 0
	for _, k := range condKeys {
		if _, ok := f[k]; ok {
			checks++
		}
	}
	if e, ok := f["exists"]; ok {
		if b, ok := c.boolean(e.val, "exists"); ok {
			cd.Exists = &b
			if !b && checks > 0 {
				c.errorf(e.val, "exists", "a file that must not exist has no content to check; remove exists: false or the checks beside it")
			}
		}
	} else if checks == 0 {
		c.errorf(n, "", "want a check of the file beside file: exists: true or false, or one of %s", strings.Join(condKeys, ", "))
	}
	cd.content = checks > 0
	cd.Match.Pos = cd.Pos
	c.matcherFields(f, "", &cd.Match)
}

// testFile is test for a file: whether it exists, then its content.
func (cd *Condition) testFile(ctx context.Context, st *state) (ok bool, why, err error) {
	for _, t := range append(cd.Match.templates(), cd.File) {
		if _, err := st.expand(t); err != nil {
			return false, nil, err
		}
	}
	if cd.Match.Re != "" {
		src, _ := st.expand(cd.Match.Re)
		if _, err := regexp.Compile("(?m)" + src); err != nil {
			return false, nil, fmt.Errorf("bad regular expression: %v", err)
		}
	}
	name, _ := st.expand(cd.File)
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(st.dir, p)
	}
	fi, serr := os.Stat(p)
	exists := serr == nil
	if serr != nil && !errors.Is(serr, fs.ErrNotExist) {
		return false, nil, fmt.Errorf("file %s: cannot tell whether it exists: %v", name, pathErr(serr))
	}
	if cd.Exists != nil && !*cd.Exists {
		if exists {
			return false, fmt.Errorf("file %s exists, which it must not", name), nil
		}
		return true, nil, nil
	}
	if !exists {
		return false, fmt.Errorf("file %s does not exist", name), nil
	}
	if !cd.content {
		return true, nil, nil // exists: true alone.
	}
	if fi.IsDir() {
		return false, fmt.Errorf("file %s is a directory: its content cannot be checked", name), nil
	}
	data, err := readBounded(p, maxFileCheck)
	if err != nil {
		return false, nil, fmt.Errorf("file %s: %v", name, err)
	}
	why = st.checkOutput(ctx, "file "+name, &cd.Match, &exec.Output{Kept: data})
	if ctx.Err() != nil {
		return false, nil, ctx.Err()
	}
	return why == nil, why, nil
}

// readBounded reads the file at p, failing if it holds more than max
// bytes (a FIFO or a device could be endless).
func readBounded(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, pathErr(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, pathErr(err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d MiB: too large to check", max>>20)
	}
	return data, nil
}

// pathErr drops the path and the operation from a *fs.PathError: the
// message names the file already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
