package script

import (
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// The language reference lists the signals a script may name on Linux:
// those the parser and the schema take there.
func TestDocListsTheSignals(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("doc.go lists Linux's signals")
	}
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\n//", "")
	m := regexp.MustCompile(`On Linux they are ([A-Z0-9 ]+);`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("doc.go: no \"On Linux they are ...;\" list of signals")
	}
	if got, want := strings.Fields(m[1]), exec.SignalNames(); !slices.Equal(got, want) {
		t.Errorf("doc.go lists the signals\n%v\nthis system has\n%v", got, want)
	}
}

// The schema takes exactly the signals the parser takes, in any case and
// with or without SIG, and lists them in its description.
func TestSchemaSignals(t *testing.T) {
	t.Parallel()
	var s struct {
		Defs map[string]struct {
			Description string `json:"description"`
			Pattern     string `json:"pattern"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	def := s.Defs[string(tSignal)]
	re, err := regexp.Compile(def.Pattern)
	if err != nil {
		t.Fatal(err)
	}
	names := exec.SignalNames()
	for _, name := range names {
		for _, in := range []string{name, "SIG" + name, strings.ToLower("sig" + name)} {
			if !re.MatchString(in) {
				t.Errorf("the schema rejects signal %q", in)
			}
		}
	}
	// The alternatives of the pattern, unfolded: [Hh][Uu][Pp] is HUP.
	m := regexp.MustCompile(`\)\?\((.*)\)\$$`).FindStringSubmatch(def.Pattern)
	if m == nil {
		t.Fatalf("pattern %q: no list of names", def.Pattern)
	}
	var got []string
	for _, alt := range strings.Split(m[1], "|") {
		got = append(got, regexp.MustCompile(`\[(.).\]`).ReplaceAllString(alt, "$1"))
	}
	if !slices.Equal(got, names) {
		t.Errorf("the schema's signals\n%v\nthe parser's\n%v", got, names)
	}
	if want := strings.Join(names, ", "); !strings.Contains(def.Description, want) {
		t.Errorf("description %q does not list %s", def.Description, want)
	}
}
