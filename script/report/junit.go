package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drover-dev/drover/script"
)

// The JUnit XML schema as CI systems read it: testsuites of testcases,
// each with at most one failure or skipped, and system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string `xml:"name,attr"`
	Tests     int    `xml:"tests,attr"`
	Failures  int    `xml:"failures,attr"`
	Errors    int    `xml:"errors,attr"`
	Skipped   int    `xml:"skipped,attr"`
	Time      string `xml:"time,attr"`
	Timestamp string `xml:"timestamp,attr,omitempty"`
	// Properties come first, as the JUnit schema wants them.
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	List []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// properties are what each testsuite records of run: drover.version,
// drover.shard (K/N, absent without one) and drover.total_jobs; nil for a
// zero run.
func properties(run Run, results int) *junitProperties {
	if run == (Run{}) {
		return nil
	}
	p := &junitProperties{}
	if run.Version != "" {
		p.List = append(p.List, junitProperty{"drover.version", run.Version})
	}
	if run.Shard != nil {
		p.List = append(p.List, junitProperty{"drover.shard", fmt.Sprintf("%d/%d", run.Shard.K, run.Shard.N)})
	}
	total := run.TotalJobs
	if total == 0 {
		total = results
	}
	p.List = append(p.List, junitProperty{"drover.total_jobs", fmt.Sprint(total)})
	return p
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// junitText is element text kept readable as CDATA.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// JUnit writes results as JUnit XML: one testsuite per script file, one
// testcase per job; a failed or interrupted job has a failure with its
// message, a job stopped by --fail-fast an error with where and why, and
// the output a job last received is in system-out.
func JUnit(w io.Writer, results []*script.Result, took time.Duration, began time.Time) error {
	return JUnitRun(w, results, took, began, Run{})
}

// JUnitRun is JUnit recording run in each testsuite's properties.
func JUnitRun(w io.Writer, results []*script.Result, took time.Duration, began time.Time, run Run) error {
	props := properties(run, len(results))
	doc := junitSuites{Name: "drover", Time: seconds(took)}
	index := map[string]int{}
	for _, r := range results {
		file := r.Job.Script.File
		i, ok := index[file]
		if !ok {
			i = len(doc.Suites)
			index[file] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: file, Timestamp: began.UTC().Format("2006-01-02T15:04:05"), Properties: props})
		}
		s := &doc.Suites[i]
		c := junitCase{Name: r.Job.Name(), Classname: r.Job.Script.Name, File: file, Time: seconds(r.Duration)}
		s.Tests++
		doc.Tests++
		switch r.Status {
		case script.Skipped:
			c.Skipped = &junitSkipped{Message: r.Reason}
			s.Skipped++
			doc.Skipped++
		case script.Failed, script.Interrupted, script.Stopped:
			f := failure(r)
			msg := string(r.Status)
			if f != nil {
				msg = f.Message
				c.Line = f.Line
			}
			if r.Err != nil && r.FinallyErr != nil {
				msg += "\nfinally: " + r.FinallyErr.Error()
			}
			jf := &junitFailure{Message: cleanXML(firstLine(msg)), Type: string(r.Status), Text: cleanXML(msg)}
			if r.Status == script.Stopped {
				// Not a failure of its own: the run ended around it.
				c.Error = jf
				s.Errors++
				doc.Errors++
			} else {
				c.Failure = jf
				s.Failures++
				doc.Failures++
			}
		}
		var out strings.Builder
		if r.Log != "" {
			out.WriteString(r.Log)
		}
		if r.Received != "" {
			fmt.Fprintf(&out, "last output received:\n%s\n", r.Received)
		}
		if r.Other != "" {
			fmt.Fprintf(&out, "arrived on %s:\n%s\n", r.OtherStream, r.Other)
		}
		if out.Len() > 0 {
			c.SystemOut = &junitText{cleanXML(out.String())}
		}
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		var t time.Duration
		for _, r := range results {
			if r.Job.Script.File == doc.Suites[i].Name {
				t += r.Duration
			}
		}
		doc.Suites[i].Time = seconds(t)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// cleanXML drops characters XML 1.0 cannot hold (most control characters,
// which a terminal's output may carry), showing each as "?".
func cleanXML(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF {
			return r
		}
		return '?'
	}, s)
}
