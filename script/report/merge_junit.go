package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/drover-dev/drover/script"
)

// JUnitReport writes a JSON report (a merged one) as JUnit XML, as JUnit
// writes a run's results: one testsuite per script file, one testcase per
// job. What the JSON report does not keep (the run's start, the output of
// the other stream) is left out.
func JUnitReport(w io.Writer, rep *Report) error {
	doc := junitSuites{Name: "drover", Time: fmt.Sprintf("%.3f", rep.Summary.Seconds)}
	index := map[string]int{}
	suiteTime := map[string]float64{}
	for _, j := range rep.Jobs {
		i, ok := index[j.File]
		if !ok {
			i = len(doc.Suites)
			index[j.File] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: j.File})
		}
		s := &doc.Suites[i]
		suiteTime[j.File] += j.Seconds
		c := junitCase{Name: cleanXML(j.Name), Classname: cleanXML(j.Script), File: j.File, Time: fmt.Sprintf("%.3f", j.Seconds)}
		s.Tests++
		doc.Tests++
		switch j.Status {
		case script.Skipped:
			c.Skipped = &junitSkipped{Message: cleanXML(j.Reason)}
			s.Skipped++
			doc.Skipped++
		case script.Failed, script.Interrupted, script.Stopped:
			msg := string(j.Status)
			if j.Error != nil {
				msg = j.Error.Message
				c.Line = j.Error.Line
			} else if j.Finally != nil {
				msg = j.Finally.Message
				c.Line = j.Finally.Line
			}
			if j.Error != nil && j.Finally != nil && *j.Error != *j.Finally {
				// Else the job's only error was its finally's.
				msg += "\nfinally: " + j.Finally.Message
			}
			jf := &junitFailure{Message: cleanXML(firstLine(msg)), Type: string(j.Status), Text: cleanXML(msg)}
			if j.Status == script.Stopped {
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
		out.WriteString(j.Log)
		if j.Received != "" {
			fmt.Fprintf(&out, "last output received:\n%s\n", j.Received)
		}
		if out.Len() > 0 {
			c.SystemOut = &junitText{cleanXML(out.String())}
		}
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		doc.Suites[i].Time = fmt.Sprintf("%.3f", suiteTime[doc.Suites[i].Name])
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
