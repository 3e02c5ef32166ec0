package script

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The steps that steer a terminal parse to what they say.
func TestParseTerminalSteps(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(`steps:
  - spawn: {name: sh, cmd: [bash]}
  - resize: 40x120
  - resize: {size: 7x33, on: sh}
  - expect: {echo: off}
  - expect: {echo: on, timeout: 2s, on: sh}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		&Resize{Pos: Pos{File: "t.yaml", Line: 3, Col: 5}, Rows: 40, Cols: 120},
		&Resize{Pos: Pos{File: "t.yaml", Line: 4, Col: 5}, Rows: 7, Cols: 33, On: "sh"},
		&Expect{Pos: Pos{File: "t.yaml", Line: 5, Col: 5}, Timeout: defaultStepTimeout, Extra: &ExpectExtra{Echo: "off"}},
		&Expect{Pos: Pos{File: "t.yaml", Line: 6, Col: 5}, Timeout: 2 * time.Second, Extra: &ExpectExtra{Echo: "on", On: "sh"}},
	}
	for i, w := range want {
		if got := s.Steps[i+1]; !stepEqual(got, w) {
			t.Errorf("step %d = %+v, want %+v", i+2, got, w)
		}
	}
}

// stepEqual compares the steps of this file, which hold no functions.
func stepEqual(a, b Step) bool {
	switch a := a.(type) {
	case *Resize:
		b, ok := b.(*Resize)
		return ok && *a == *b
	case *Expect:
		b, ok := b.(*Expect)
		return ok && a.Pos == b.Pos && a.Timeout == b.Timeout &&
			(a.Extra == nil) == (b.Extra == nil) && (a.Extra == nil || *a.Extra == *b.Extra) &&
			len(a.Patterns) == 0 && len(b.Patterns) == 0
	}
	return false
}

// drover check warns of a resize or an expect of echo on a process that
// has no terminal, or has ended; an expect: {echo: ...} is not an expect
// of output, which an eof before would have consumed.
func TestWarningsTerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		src  string
		want []string
	}{
		{"on a tty", `steps:
  - spawn: {name: t, cmd: [cat]}
  - resize: {size: 40x120, on: t}
  - expect: {echo: off, on: t}
  - expect: {eof: true, on: t}
  - expect: {echo: on, on: t}
`, nil},
		{"on pipes", `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - resize: 40x120
  - run: [date]
`, []string{`3:5: resize: always fails here: "p" runs on pipes (tty: false), so it has no terminal to resize; the steps after it never run`}},
		{"echo on pipes", `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - expect: {echo: off}
`, []string{`3:5: expect: always fails here: "p" runs on pipes (tty: false), so it has no terminal whose echo to wait for; the steps after it never run`}},
		{"ended", `steps:
  - spawn: {name: t, cmd: [cat]}
  - terminate: t
  - resize: 40x120
  - expect: {echo: on}
`, []string{
			`4:5: resize: always fails here: "t" has ended, at the terminate step of line 3; the steps after it never run`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse("t.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range s.Warnings() {
				got = append(got, strings.TrimPrefix(w.Error(), "t.yaml:"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
