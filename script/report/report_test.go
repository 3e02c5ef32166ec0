package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drover-dev/drover/script"
)

func results() []*script.Result {
	s := &script.Script{File: "dir/a.yaml", Name: "a", Matrix: []script.Axis{{Name: "n", Values: []string{"1", "2"}}}}
	jobs := s.Jobs(nil)
	other := &script.Script{File: "dir/b.yaml", Name: "b"}
	return []*script.Result{
		{Job: jobs[0], Status: script.Passed, Duration: time.Second, Vars: map[string]string{"x": "1"}, Log: "hello\n"},
		{Job: jobs[1], Status: script.Failed, Duration: 2 * time.Second,
			Err:      &script.Error{Pos: script.Pos{File: "dir/a.yaml", Line: 7, Col: 5}, Step: "expect", Err: errors.New("timed out\nsecond line")},
			Received: "got \x1b[1mthis\x07\n"},
		{Job: other.Jobs(nil)[0], Status: script.Skipped, Reason: "stopped by --fail-fast after a failure"},
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := JSON(&b, results(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Summary != (Summary{Passed: 1, Failed: 1, Skipped: 1, Seconds: 3}) || len(r.Jobs) != 3 {
		t.Fatalf("summary %+v, %d jobs", r.Summary, len(r.Jobs))
	}
	j := r.Jobs[1]
	if j.Name != "a [n=2]" || j.Matrix["n"] != "2" || j.Status != script.Failed || j.File != "dir/a.yaml" {
		t.Errorf("job %+v", j)
	}
	if e := j.Error; e == nil || e.Line != 7 || e.Col != 5 || e.Step != "expect" || !strings.HasPrefix(e.Message, "dir/a.yaml:7:5: expect: timed out") {
		t.Errorf("error %+v", j.Error)
	}
	if r.Jobs[2].Error == nil || r.Jobs[2].Error.Message != "stopped by --fail-fast after a failure" {
		t.Errorf("skipped job: %+v", r.Jobs[2])
	}
}

func TestJUnit(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := JUnit(&b, results(), 3*time.Second, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Line    int    `xml:"line,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Out string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if d.Tests != 3 || len(d.Suites) != 2 || d.Suites[0].Tests != 2 || d.Suites[1].Name != "dir/b.yaml" {
		t.Fatalf("suites %+v", d.Suites)
	}
	c := d.Suites[0].Cases[1]
	if c.Failure == nil || c.Line != 7 || c.Failure.Message != "dir/a.yaml:7:5: expect: timed out" || !strings.Contains(c.Failure.Text, "second line") {
		t.Errorf("failed case %+v", c)
	}
	if !strings.Contains(c.Out, "got ?[1mthis?") {
		t.Errorf("system-out %q: control characters must be replaced, the rest kept", c.Out)
	}
	if s := d.Suites[1].Cases[0].Skipped; s == nil || !strings.Contains(s.Message, "fail-fast") {
		t.Errorf("skipped case %+v", d.Suites[1].Cases[0])
	}
	if d.Suites[0].Cases[0].Out != "hello\n" {
		t.Errorf("passed case's log %q", d.Suites[0].Cases[0].Out)
	}
}
