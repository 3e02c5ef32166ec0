package script

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// everyKind has one step of each kind, in builtinKinds' order, so that a
// kind added to the registry without an example here fails the test.
const everyKind = `define: {hello: {steps: [{log: hello}]}}
steps:
  - run: [true]
  - spawn: {name: p, cmd: [cat], tty: false}
  - expect: x
  - send: x
  - wait:
  - signal: {sig: TERM, on: p}
  - resize: {size: 40x120, on: p}
  - terminate: p
  - wait_port: 127.0.0.1:1
  - free_port: port
  - retry: {attempts: 2, steps: [{log: "${port}"}]}
  - call: hello
  - each: {in: [a], steps: [{log: "${item}"}]}
  - if: {var: port, equals: "1"}
    then: [{log: one}]
    else: [{log: other}]
  - assert: {var: port, re: '^\d+$'}
  - fail: unreachable
  - sleep: 0s
  - log: hi
  - interact: {optional: true}
  - confirm: Go on?
  - ask: {var: answer, prompt: "Answer: ", secret: true}
`

func TestBuiltinKinds(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(everyKind))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, step := range s.Steps {
		got = append(got, step.Kind())
	}
	if !slices.Equal(got, stepKinds) {
		t.Errorf("kinds parsed: %v\nregistered: %v", got, stepKinds)
	}
	for _, k := range builtinKinds() {
		if k.parse == nil || k.doc == "" || k.short == nil && k.long == nil {
			t.Errorf("kind %s: want a parse function, a doc and a form", k.kind)
		}
		if kindIndex[k.kind] != k {
			t.Errorf("kind %s is not indexed", k.kind)
		}
		if k.long == nil {
			continue
		}
		for _, r := range k.long.required {
			if k.long.missing[r] == "" || k.long.typeOf(r) == "" {
				t.Errorf("kind %s: required key %s: want it in the form, with what it is for the message that it is missing", k.kind, r)
			}
		}
	}
}

func TestWalkStepsNested(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(`steps:
  - spawn: [cat]
  - retry:
      attempts: 2
      steps:
        - expect:
            any:
              - text: a
                then:
                  - log: one
                  - retry: {attempts: 2, steps: [{log: two}]}
              - b
        - log: three
  - log: four
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	walkSteps(s.Steps, func(step Step) {
		got = append(got, fmt.Sprintf("%d:%s", step.Position().Line, step.Kind()))
	})
	want := []string{"2:spawn", "3:retry", "6:expect", "10:log", "11:retry", "11:log", "13:log", "14:log"}
	if !slices.Equal(got, want) {
		t.Errorf("walked %v\nwant %v", got, want)
	}
}

// group is a step kind as a later file would add one: a list of steps
// with no lint of its own.
type group struct {
	Pos   Pos
	Steps []Step
}

func (s *group) Position() Pos                            { return s.Pos }
func (*group) Kind() string                               { return "group" }
func (s *group) children() [][]Step                       { return [][]Step{s.Steps} }
func (s *group) run(ctx context.Context, st *state) error { return st.runBlock(ctx, s.Steps) }

// asGroup parses src and replaces its retry steps by groups of the same
// steps.
func asGroup(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range s.Steps {
		if r, ok := step.(*Retry); ok {
			s.Steps[i] = &group{Pos: r.Pos, Steps: r.Steps}
		}
	}
	return s
}

func warnings(s *Script) []string {
	var out []string
	for _, w := range s.Warnings() {
		out = append(out, w.Error())
	}
	return out
}

// A parent without lint is checked as lists that may or may not run: a
// step after it is not judged on what its steps did, but its own steps
// are checked.
func TestLintParentWithoutLint(t *testing.T) {
	t.Parallel()
	const after = `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - retry: {attempts: 2, steps: [{wait: {on: p}}]}
  - send: {text: hi, on: p}
`
	s, err := Parse("t.yaml", []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	if w := warnings(s); len(w) != 1 || !strings.Contains(w[0], "t.yaml:4:5: send: always fails here") {
		t.Errorf("retry, linted: got %q, want the send after it to always fail", w)
	}
	if w := warnings(asGroup(t, after)); len(w) != 0 {
		t.Errorf("group, not linted: got %q, want nothing: it may not have run", w)
	}
	inside := `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - retry: {attempts: 2, steps: [{wait: {on: p}}, {send: {text: hi, on: p}}]}
`
	if w := warnings(asGroup(t, inside)); len(w) != 1 || !strings.Contains(w[0], "t.yaml:3:52: send: always fails here") {
		t.Errorf("group, not linted: got %q, want its own send to always fail", w)
	}
}

// A nested step's failure is reported at that step, once, not at the
// step that holds it.
func TestRunBlockPlacesNestedFailure(t *testing.T) {
	t.Parallel()
	s := asGroup(t, `steps:
  - log: before
  - retry:
      attempts: 2
      steps:
        - log: inside
        - run: "exit 3"
  - log: after
`)
	res := Job{Script: s}.Run(context.Background(), &Options{Env: []string{"PATH=/usr/bin:/bin"}})
	var e *Error
	if !errors.As(res.Err, &e) {
		t.Fatalf("got %v, want an *Error", res.Err)
	}
	if e.Pos.Line != 7 || e.Step != "run" || strings.Count(res.Err.Error(), "t.yaml") != 1 {
		t.Errorf("got %q, want it placed at the run of line 7, once", res.Err)
	}
	if strings.Contains(res.Log, "after") {
		t.Errorf("the step after the failed group ran: %q", res.Log)
	}
}
