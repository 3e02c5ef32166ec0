package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A captured value that would inject a command into a shell line runs
// nothing through ${x|sh} and is echoed back exactly; the same line
// without the filter does run it (so the test can tell).
func TestFilterShInjection(t *testing.T) {
	t.Parallel()
	for _, filtered := range []bool{true, false} {
		dir := t.TempDir()
		ref := "${x|sh}"
		if !filtered {
			ref = "'${x}'"
		}
		path := writeScript(t, dir, "inject.yaml", `name: inject
steps:
  - run: {cmd: [printf, '%s', "'; touch pwned; '"], capture: x}
  - run: {shell: "echo `+ref+`", stdout: {equals: "${x}\n"}}
`)
		code, out, errs := droverRun(t, dir, "run", path)
		_, statErr := os.Stat(filepath.Join(dir, "pwned"))
		if filtered {
			if code != 0 || statErr == nil {
				t.Errorf("with |sh: exit %d, pwned made: %v\n%s%s", code, statErr == nil, out, errs)
			}
		} else if statErr != nil {
			t.Errorf("without |sh the value ran no command; the test cannot tell\n%s%s", out, errs)
		}
	}
}

// ${x|re} with a.b matches a.b only, not axb; plain ${x} matches both.
func TestFilterReLiteral(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		ref, input string
		code       int
	}{
		{"${d|re}", "a.b", 0},
		{"${d|re}", "axb", 1},
		{"${d}", "axb", 0},
	} {
		path := writeScript(t, dir, "re.yaml", `name: re
vars: {d: a.b}
steps:
  - spawn: {cmd: [printf, '`+tt.input+`\n'], tty: false}
  - expect: {re: '^`+tt.ref+`\n', timeout: 2s}
`)
		code, out, errs := droverRun(t, dir, "run", path)
		if code != tt.code {
			t.Errorf("expect re %s on %s: exit %d, want %d\n%s%s", tt.ref, tt.input, code, tt.code, out, errs)
		}
		if tt.code == 1 && !strings.Contains(out+errs, `a\.b`) {
			t.Errorf("the failure does not show the quoted pattern a\\.b:\n%s%s", out, errs)
		}
	}
}
