package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/drover-dev/drover/script"
	"github.com/drover-dev/drover/script/report"
)

// reportSpec is one --report: a format and a path.
type reportSpec struct{ format, path string }

// parseReports parses --report json=PATH and junit=PATH, makes the
// directories of the paths, and finds before any job runs a report that
// could not be written: the same path twice, a directory that cannot be
// made, a directory in the report's place, a directory drover may not
// write in. It returns every problem.
func parseReports(specs []string) ([]reportSpec, error) {
	var out []reportSpec
	var errs []error
	seen := map[string]string{}
	for _, s := range specs {
		format, path, ok := strings.Cut(s, "=")
		if !ok || path == "" || (format != "json" && format != "junit") {
			return nil, fmt.Errorf("--report %q: want json=PATH or junit=PATH", s)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = filepath.Clean(path)
		}
		if first, dup := seen[abs]; dup {
			errs = append(errs, fmt.Errorf("--report %s and --report %s: both write %s", first, s, path))
			continue
		}
		seen[abs] = s
		if err := writable(path); err != nil {
			errs = append(errs, fmt.Errorf("--report %s: %w", s, err))
			continue
		}
		out = append(out, reportSpec{format, path})
	}
	return out, errors.Join(errs...)
}

// writable makes the directory of a report and finds why the report could
// not be written there, by creating and removing a file beside it.
func writable(path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot make the directory of %s: %w", path, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	_ = f.Close()           // Empty: nothing to lose.
	_ = os.Remove(f.Name()) // Best effort: a probe.
	return nil
}

// unwrapPath drops the path of a *fs.PathError, whose message names the
// temporary file rather than the report.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeReports writes every report and returns every error, joined.
// run is what the JSON reports record about the run.
func writeReports(specs []reportSpec, results []*script.Result, took time.Duration, began time.Time, run report.Run) error {
	var errs []error
	for _, r := range specs {
		if err := writeReport(r, results, took, began, run); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeReport writes a report into a new file beside its path, then
// renames it there: a reader never sees half a report, and whatever had
// the name, a symbolic link included, is replaced, never written through.
func writeReport(r reportSpec, results []*script.Result, took time.Duration, began time.Time, run report.Run) (err error) {
	f, err := os.CreateTemp(filepath.Dir(r.path), "."+filepath.Base(r.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("report %s: %w", r.path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name()) // Best effort: the error is reported.
		}
	}()
	switch r.format {
	case "json":
		err = report.JSONRun(f, results, took, run)
	case "junit":
		err = report.JUnitRun(f, results, took, began, run)
	}
	if err == nil {
		err = f.Chmod(0o644) // A report holds no secret; CreateTemp makes 0600.
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", r.path, err)
	}
	if err := os.Rename(f.Name(), r.path); err != nil {
		return fmt.Errorf("report %s: %w", r.path, unwrapLink(err))
	}
	return nil
}

// unwrapLink drops the paths of a *os.LinkError, which name the
// temporary file.
func unwrapLink(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
