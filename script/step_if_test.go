package script

import (
	"slices"
	"strings"
	"testing"
)

// TestIfBranches: then runs when the condition holds, else when not, with
// each output check; what a branch defines holds after the step.
func TestIfBranches(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `vars: {addr: "192.0.2.10", out: "a\nb\n", none: ""}
steps:
  - if: {var: addr, equals: 192.0.2.10}
    then: [{log: eq-yes}]
    else: [{log: eq-no}]
  - if: {var: addr, equals: 192.0.2.11}
    then: [{log: ne-yes}]
    else: [{log: ne-no}]
  - if: {var: out, lines: 2, contains: b, not_contains: c}
    then: [{log: lines-yes}]
  - if: {var: addr, re: '^192\.0\.2\.\d+$'}
    then: [{run: {shell: "echo from-then", capture: said}}]
    else: [{run: {shell: "echo from-else", capture: said}}]
  - log: said ${said}
  - if: {var: none, empty: true}
    then:
      - if: {var: out, empty: true}
        then: [{log: nested-yes}]
        else: [{log: nested-no}]
  - if: {var: addr, contains: "${none}x"}
    then: [{log: never}]
  - each:
      in: [a, b]
      steps:
        - if: {var: each.index, equals: "0"}
          then: [{log: "first ${item}"}]
          else: [{log: "then ${item}"}]
  - if: {var: env.PATH, contains: /bin}
    then: [{log: env-yes}]
`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for _, want := range []string{"eq-yes\n", "ne-no\n", "lines-yes\n", "said from-then\n", "nested-no\n", "first a\n", "then b\n", "env-yes\n"} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("log lacks %q:\n%s", want, res.Log)
		}
	}
	for _, bad := range []string{"eq-no", "ne-yes", "never", "nested-yes", "from-else"} {
		if strings.Contains(res.Log, bad) {
			t.Errorf("log has %q:\n%s", bad, res.Log)
		}
	}
}

// TestAssertMessages: an assert that fails shows the value and what was
// wanted, a diff for values of several lines, the value masked when it
// is secret; fail fails with its message expanded.
func TestAssertMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, steps, want string }{
		{"equals", `  - assert: {var: total, equals: "42"}`, `:3:5: assert: ${total} is "41", want "42"`},
		{"diff", `  - assert: {var: out, equals: "a\nb\nc\n"}`, ":3:5: assert: ${out} is not as expected (-want +got):\n"},
		{"re", `  - assert: {var: total, re: '^4[02]$'}`, ":3:5: assert: ${total} does not match /^4[02]$/"},
		{"secret", `  - spawn: {cmd: [cat], tty: false}
  - send: {text: "${token}", secret: true}
  - assert: {var: token, equals: "other"}`, `:5:5: assert: ${token} is "******", want "other"`},
		{"fail", `  - fail: "unexpected total ${total}"`, ":3:5: fail: unexpected total 41"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runSrc(t, t.TempDir(), `vars: {total: "41", out: "a\nB\nc\n", token: "s3cr3t-t0ken"}
steps:
`+tc.steps+`
  - log: after
`)
			if res.Err == nil {
				t.Fatal("passed")
			}
			if got := res.Err.Error(); !strings.Contains(got, tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
			if strings.Contains(res.Err.Error(), "s3cr3t") {
				t.Errorf("the secret shows: %s", res.Err)
			}
			if tc.name == "diff" && (!strings.Contains(res.Err.Error(), "-b\n") || !strings.Contains(res.Err.Error(), "+B")) {
				t.Errorf("no diff: %s", res.Err)
			}
			if strings.Contains(res.Log, "after") {
				t.Errorf("the step after ran: %s", res.Log)
			}
		})
	}
}

// TestIfWarnings: a condition judged from vars: alone leaves a branch
// unreachable; one on a variable a step sets, or --var may give, in
// another step, is not judged.
func TestIfWarnings(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(`vars: {mode: fast, base: "192.0.2", addr: "${base}.10"}
matrix: {os: [linux, bsd]}
steps:
  - if: {var: mode, equals: fast}
    then: [{log: a}]
    else: [{log: b}]
  - if: {var: addr, equals: "${base}.11"}
    then: [{log: c}]
  - if: {var: os, equals: linux}
    then: [{log: d}]
    else: [{log: e}]
  - if: {var: mode, equals: slow}
    then: [{log: f}]
    else: [{run: {shell: "echo x", capture: mode}}]
  - if: {var: addr, equals: "${base}.10"}
    then: [{fail: stop}]
    else: [{log: g}]
  - log: reached ${mode}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, w.Error())
	}
	want := []string{
		`t.yaml:7:5: if: the condition never holds (${addr} is "192.0.2.10" before the script runs; only --var can change it): then: never runs`,
		`t.yaml:15:5: if: the condition always holds (${addr} is "192.0.2.10" before the script runs; only --var can change it): else: never runs`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
