package script

import (
	"regexp"
	"strings"
	"testing"
)

// TestNameTranscripts gives every job files of its own: a name that
// another's files would begin with (x and x.y: x.y.p.cast is also x's
// recording of a process y.p) clashes too, and the same job twice is
// numbered; names that clash with nothing stay as they are.
func TestNameTranscripts(t *testing.T) {
	t.Parallel()
	a := &Script{Name: "x", File: "a.yaml"}
	b := &Script{Name: "x.y", File: "b.yaml"}
	c := &Script{Name: "solo", File: "c.yaml"}
	jobs := []Job{{Script: a}, {Script: b}, {Script: c}, {Script: a}}
	NameTranscripts(jobs)
	got := make([]string, len(jobs))
	for i, j := range jobs {
		got[i] = j.Transcript
	}
	if !strings.HasPrefix(got[0], "x-") || !strings.HasPrefix(got[1], "x.y-") || got[2] != "solo" || got[3] != got[0]+"-2" && got[0] != got[3]+"-2" {
		t.Fatalf("names %q", got)
	}
	if !regexp.MustCompile(`^x\.y-[0-9a-f]{6}$`).MatchString(got[1]) {
		t.Errorf("%q: want the name, - and 6 hex digits (README)", got[1])
	}
	for i := range got {
		for k := range got {
			if i != k && (got[i] == got[k] || strings.HasPrefix(got[k], got[i]+".")) {
				t.Errorf("%q and %q share files", got[i], got[k])
			}
		}
	}
	again := []Job{{Script: a}, {Script: b}, {Script: c}, {Script: a}}
	NameTranscripts(again)
	if again[1].Transcript != got[1] {
		t.Errorf("%q, then %q: not the same from run to run", got[1], again[1].Transcript)
	}
}
