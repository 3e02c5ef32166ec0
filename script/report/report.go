// Package report writes the results of a run of drover as JSON, for
// programs, and as JUnit XML, for CI systems (GitHub Actions, GitLab,
// Jenkins). Both are written from the same []*script.Result, in the jobs'
// order. Secrets never reach a report: results carry them masked.
package report

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/drover-dev/drover/script"
)

// Summary counts the jobs of a run by status.
type Summary struct {
	Passed      int     `json:"passed"`
	Failed      int     `json:"failed"`
	Skipped     int     `json:"skipped"`
	Interrupted int     `json:"interrupted"`
	Stopped     int     `json:"stopped"` // running when --fail-fast ended the run
	Seconds     float64 `json:"duration_s"`
}

// Summarize counts results by status; took is the run's wall time.
func Summarize(results []*script.Result, took time.Duration) Summary {
	s := Summary{Seconds: took.Seconds()}
	for _, r := range results {
		switch r.Status {
		case script.Passed:
			s.Passed++
		case script.Failed:
			s.Failed++
		case script.Skipped:
			s.Skipped++
		case script.Interrupted:
			s.Interrupted++
		case script.Stopped:
			s.Stopped++
		}
	}
	return s
}

// Job is one job in the JSON report.
type Job struct {
	Name     string            `json:"name"`
	Script   string            `json:"script"`
	File     string            `json:"file"`
	Matrix   map[string]string `json:"matrix,omitempty"`
	Status   script.Status     `json:"status"`
	Reason   string            `json:"reason,omitempty"`
	Seconds  float64           `json:"duration_s"`
	Error    *Failure          `json:"error,omitempty"`
	Finally  *Failure          `json:"finally_error,omitempty"`
	Received string            `json:"received,omitempty"`
	Log      string            `json:"log,omitempty"`
	Vars     map[string]string `json:"vars,omitempty"`
	// Work is the job's ${work} directory, kept by --keep-work, and
	// SetupWork its setup's.
	Work      string `json:"work,omitempty"`
	SetupWork string `json:"setup_work,omitempty"`
	// Updated are the golden files --update rewrote.
	Updated []string `json:"updated,omitempty"`
}

// Failure is where and why a job failed.
type Failure struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Step    string `json:"step,omitempty"`
	Message string `json:"message"`
}

// Report is the whole JSON document.
type Report struct {
	Summary Summary `json:"summary"`
	Jobs    []Job   `json:"jobs"`
	// Shard is the part of the jobs this run ran, nil for all of them;
	// TotalJobs the number of jobs selected before sharding; Version
	// drover's, as `drover version` prints it.
	Shard     *Shard `json:"shard,omitempty"`
	TotalJobs int    `json:"total_jobs"`
	Version   string `json:"drover_version,omitempty"`
}

// Shard is a run's --shard K/N.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// Run is what a report records about the run besides its results. The
// zero Run records no shard, len(results) as the total and no version,
// and gives a JUnit report no properties.
type Run struct {
	Shard     *Shard // nil: every job
	TotalJobs int    // jobs before sharding; 0: len(results)
	Version   string
}

// JSON writes results as one indented JSON document.
func JSON(w io.Writer, results []*script.Result, took time.Duration) error {
	return JSONRun(w, results, took, Run{})
}

// JSONRun is JSON recording run's shard, job count and version.
func JSONRun(w io.Writer, results []*script.Result, took time.Duration, run Run) error {
	rep := Report{Summary: Summarize(results, took), Jobs: make([]Job, 0, len(results)),
		Shard: run.Shard, TotalJobs: run.TotalJobs, Version: run.Version}
	if rep.TotalJobs == 0 {
		rep.TotalJobs = len(results)
	}
	for _, r := range results {
		j := Job{
			Name:      r.Job.Name(),
			Script:    r.Job.Script.Name,
			File:      r.Job.Script.File,
			Status:    r.Status,
			Reason:    r.Reason,
			Seconds:   r.Duration.Seconds(),
			Error:     failure(r),
			Finally:   describeErr(r.FinallyErr),
			Received:  r.Received,
			Log:       r.Log,
			Vars:      r.Vars,
			Work:      r.Work,
			SetupWork: r.SetupWork,
			Updated:   r.Updated,
		}
		if len(r.Job.Matrix) > 0 {
			j.Matrix = map[string]string{}
			for _, kv := range r.Job.Shown() { // A secret's values masked.
				j.Matrix[kv.Key] = kv.Value
			}
		}
		rep.Jobs = append(rep.Jobs, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// failure describes a result's error, or nil.
func failure(r *script.Result) *Failure {
	if r.Err == nil {
		if r.Reason != "" && r.SkipPos == (script.Pos{}) {
			// Stopped from outside: --fail-fast, an interrupt. A job
			// its script skipped has a reason, not an error.
			return &Failure{Message: r.Reason}
		}
		return describeErr(r.FinallyErr)
	}
	return describeErr(r.Err)
}

// describeErr places an error at its step, if it has one; nil for nil.
func describeErr(err error) *Failure {
	if err == nil {
		return nil
	}
	f := &Failure{Message: err.Error()}
	var e *script.Error
	if errors.As(err, &e) {
		f.File, f.Line, f.Col, f.Step = e.Pos.File, int(e.Pos.Line), int(e.Pos.Col), e.Step
	}
	return f
}
