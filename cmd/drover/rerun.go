package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drover-dev/drover/script"
	"github.com/drover-dev/drover/script/report"
)

// rerun is what --rerun-failed REPORT selects: the jobs that did not pass
// there (failed, skipped, stopped or interrupted), by script file and
// name (which holds the matrix values).
type rerun struct {
	path  string
	files []string        // the scripts of those jobs, in the report's order
	jobs  map[string]bool // report.JobKey of each, its file cleaned
	names map[string]string
}

// readRerun reads the report of --rerun-failed.
func readRerun(path string) (*rerun, error) {
	in, err := report.Read(path)
	if err != nil {
		return nil, fmt.Errorf("--rerun-failed: %w", err)
	}
	r := &rerun{path: path, jobs: map[string]bool{}, names: map[string]string{}}
	seen := map[string]bool{}
	for _, j := range in.Report.Jobs {
		if j.Status == script.Passed {
			continue
		}
		k := report.JobKey(cleanFile(j.File), j.Name)
		r.jobs[k] = true
		r.names[k] = fmt.Sprintf("%q (%s)", j.Name, j.File)
		if !seen[j.File] {
			seen[j.File] = true
			r.files = append(r.files, j.File)
		}
	}
	return r, nil
}

// cleanFile is a script's path as given, cleaned, so that ./a.yaml and
// a.yaml are one file.
func cleanFile(f string) string {
	if f == stdinName {
		return f
	}
	return filepath.Clean(f)
}

// check finds the jobs the report lists as not passed whose script is
// among those loaded but which it no longer has (renamed, or a matrix
// value changed): rerunning without them would leave their old result.
func (r *rerun) check(all []script.Job) error {
	loaded := map[string]bool{}
	have := map[string]bool{}
	for _, j := range all {
		loaded[cleanFile(j.Script.File)] = true
		have[report.JobKey(cleanFile(j.Script.File), j.Name())] = true
	}
	var gone []string
	for k := range r.jobs {
		file, _, _ := strings.Cut(k, "\x00")
		if loaded[file] && !have[k] {
			gone = append(gone, r.names[k])
		}
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		return fmt.Errorf("--rerun-failed %s: the scripts no longer have the job %s", r.path, strings.Join(gone, ", "))
	}
	return nil
}

// keep returns the jobs of all that the report lists as not passed,
// saying so when there are none among them.
func (r *rerun) keep(all []script.Job, stdout io.Writer) []script.Job {
	var out []script.Job
	for _, j := range all {
		if r.jobs[report.JobKey(cleanFile(j.Script.File), j.Name())] {
			out = append(out, j)
		}
	}
	if len(out) == 0 && len(r.jobs) > 0 {
		fmt.Fprintf(stdout, "no job that failed in %s is among these scripts: nothing to run again\n", show(r.path))
	}
	return out
}

// rerunPaths reads the report of --rerun-failed (none: nil) and returns
// the scripts to load: those given, or else the report's scripts of the
// jobs to run again. With no such job it says so on stdout: the run then
// runs nothing and passes.
func rerunPaths(path string, args []string, stdout io.Writer) (*rerun, []string, error) {
	if path == "" {
		return nil, args, nil
	}
	r, err := readRerun(path)
	if err != nil {
		return nil, nil, err
	}
	if len(r.jobs) == 0 {
		fmt.Fprintf(stdout, "no failed jobs in %s: nothing to run again\n", show(path))
		return r, nil, nil
	}
	if len(args) == 0 {
		args = r.files
	}
	return r, args, nil
}
