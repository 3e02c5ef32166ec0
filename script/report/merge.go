package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/drover-dev/drover/script"
)

// Input is one report read from a file, for Merge.
type Input struct {
	Path   string
	Report *Report
}

// Read reads a JSON report written by drover. A file that cannot be read,
// is not JSON or is not a drover report is an error naming it (and, for
// JSON, the line and column).
func Read(path string) (Input, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(b, se.Offset)
			return Input{}, fmt.Errorf("%s:%d:%d: not JSON: %v", path, line, col, se)
		case errors.As(err, &te):
			return Input{}, fmt.Errorf("%s: not a drover report: a JSON %s, not an object", path, te.Value)
		}
		return Input{}, fmt.Errorf("%s: not JSON: %v", path, err)
	}
	for _, k := range []string{"summary", "jobs"} {
		if _, ok := keys[k]; !ok {
			return Input{}, fmt.Errorf("%s: not a drover report: no %q", path, k)
		}
	}
	rep := &Report{}
	if err := json.Unmarshal(b, rep); err != nil {
		return Input{}, fmt.Errorf("%s: not a drover report: %v", path, err)
	}
	for i, j := range rep.Jobs {
		switch {
		case j.Name == "" || j.File == "":
			return Input{}, fmt.Errorf("%s: not a drover report: job %d has no name or file", path, i+1)
		case !knownStatus(j.Status):
			return Input{}, fmt.Errorf("%s: not a drover report: job %q has status %q", path, j.Name, j.Status)
		}
	}
	if s := rep.Shard; s != nil {
		if s.N < 1 || s.K < 1 || s.K > s.N {
			return Input{}, fmt.Errorf("%s: not a drover report: shard %d/%d", path, s.K, s.N)
		}
		if _, ok := keys["total_jobs"]; !ok {
			return Input{}, fmt.Errorf("%s: not a drover report: a shard without total_jobs", path)
		}
	}
	return Input{Path: path, Report: rep}, nil
}

func knownStatus(s script.Status) bool {
	switch s {
	case script.Passed, script.Failed, script.Skipped, script.Interrupted, script.Stopped:
		return true
	}
	return false
}

// lineCol turns a byte offset (just past the error, as encoding/json
// gives it) into a line and a column, from 1.
func lineCol(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off > 0 {
		off-- // The offset is past the bad byte.
	}
	before := b[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// JobKey is what makes a job one: its script file and its name, which
// holds its matrix values ("nslookup [host=a type=A]").
func JobKey(file, name string) string { return file + "\x00" + name }

// Merge joins the reports of the shards of one run (or any reports of
// runs of distinct jobs) into one, then lays each of reruns over it in
// order: a rerun's job replaces the job of the same file and name.
//
// The reports must not share a job. When they record their shard, every
// shard of the run must be there, once, and together hold the number of
// jobs the run had; reports without one are merged as they are. A
// rerun's job must be one of theirs. Every problem is returned, joined.
//
// The merged summary is counted again from the jobs; its duration is the
// longest report's (shards run side by side), plus each rerun's (a rerun
// comes after). The jobs come in the order of the shards, then of each
// report; the merged report records no shard, and its total_jobs is its
// number of jobs.
func Merge(reports, reruns []Input) (*Report, error) {
	var errs []error
	base := append([]Input(nil), reports...)
	errs = append(errs, checkShards(base)...)
	sort.SliceStable(base, func(a, b int) bool { return shardK(base[a]) < shardK(base[b]) })
	out := &Report{Jobs: []Job{}}
	where := map[string]int{}   // job key -> index in out.Jobs
	from := map[string]string{} // job key -> path of its report
	var took float64
	given := map[string]bool{}
	for _, in := range base {
		if given[in.Path] {
			errs = append(errs, fmt.Errorf("%s is given twice", in.Path))
			continue
		}
		given[in.Path] = true
		took = max(took, in.Report.Summary.Seconds)
		for _, j := range in.Report.Jobs {
			k := JobKey(j.File, j.Name)
			if first, dup := from[k]; dup {
				if first == in.Path {
					errs = append(errs, fmt.Errorf("job %q (%s) is twice in %s", j.Name, j.File, in.Path))
				} else {
					errs = append(errs, fmt.Errorf("job %q (%s) is in both %s and %s", j.Name, j.File, first, in.Path))
				}
				continue
			}
			from[k] = in.Path
			where[k] = len(out.Jobs)
			out.Jobs = append(out.Jobs, j)
		}
	}
	if want, ok := wantTotal(base); ok && len(errs) == 0 && len(out.Jobs) != want {
		errs = append(errs, fmt.Errorf("the shards hold %d jobs, but their run had %d: not the shards of one run", len(out.Jobs), want))
	}
	for _, in := range reruns {
		took += in.Report.Summary.Seconds
		for _, j := range in.Report.Jobs {
			i, ok := where[JobKey(j.File, j.Name)]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: job %q (%s) is in none of the reports it reruns", in.Path, j.Name, j.File))
				continue
			}
			out.Jobs[i] = j
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	results := make([]*script.Result, len(out.Jobs))
	for i, j := range out.Jobs {
		results[i] = &script.Result{Status: j.Status}
	}
	out.Summary = Summarize(results, 0)
	out.Summary.Seconds = took
	out.TotalJobs = len(out.Jobs)
	return out, nil
}

// Sharded reports whether the reports record their shards, so that Merge
// can tell a missing one.
func Sharded(reports []Input) bool {
	for _, in := range reports {
		if in.Report.Shard == nil {
			return false
		}
	}
	return len(reports) > 0
}

func shardK(in Input) int {
	if in.Report.Shard == nil {
		return 0
	}
	return in.Report.Shard.K
}

// wantTotal is the number of jobs of the run the shards come from.
func wantTotal(reports []Input) (int, bool) {
	if !Sharded(reports) {
		return 0, false
	}
	return reports[0].Report.TotalJobs, true
}

// checkShards finds, when the reports record their shards, those of
// another run, those given twice and those missing.
func checkShards(reports []Input) []error {
	var with, without []string
	for _, in := range reports {
		if in.Report.Shard != nil {
			with = append(with, in.Path)
		} else {
			without = append(without, in.Path)
		}
	}
	if len(with) == 0 {
		return nil
	}
	if len(without) > 0 {
		return []error{fmt.Errorf("some reports record their shard (%s) and some do not (%s): cannot tell whether a shard is missing", strings.Join(with, ", "), strings.Join(without, ", "))}
	}
	var errs []error
	first := reports[0]
	n, total := first.Report.Shard.N, first.Report.TotalJobs
	seen := map[int]string{}
	for _, in := range reports {
		s := in.Report.Shard
		switch {
		case s.N != n:
			errs = append(errs, fmt.Errorf("%s is shard %d/%d but %s is shard %d/%d: not the shards of one run", first.Path, first.Report.Shard.K, n, in.Path, s.K, s.N))
			continue
		case in.Report.TotalJobs != total:
			errs = append(errs, fmt.Errorf("%s counts %d jobs in its run but %s counts %d: not the shards of one run", first.Path, total, in.Path, in.Report.TotalJobs))
			continue
		}
		if p, dup := seen[s.K]; dup {
			errs = append(errs, fmt.Errorf("shard %d/%d is both %s and %s", s.K, n, p, in.Path))
			continue
		}
		seen[s.K] = in.Path
	}
	if len(errs) > 0 {
		return errs
	}
	var missing []string
	for k := 1; k <= n; k++ {
		if _, ok := seen[k]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		errs = append(errs, fmt.Errorf("shard %s is missing", missing[0]))
	default:
		errs = append(errs, fmt.Errorf("shards %s are missing", strings.Join(missing, ", ")))
	}
	return errs
}

// WriteJSON writes a report as one indented JSON document, as JSON does.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
