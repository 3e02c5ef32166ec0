package main

import (
	"fmt"
	"strings"
	"testing"
)

// hostileSeq prints, from sh, every sequence that would drive a terminal:
// a clipboard write (OSC 52), a title (OSC 0), cursor moves and a screen
// clear, a backspace, a bell, C1 CSI as a character (U+009B) and as a raw
// byte that is not UTF-8.
const hostileSeq = `printf 'clip \033]52;c;cHduZWQ=\007 title \033]0;pwned\033\\ move \033[2J\033[1;1H back x\by c1 \302\2331m raw \2331m end\n'`

// rawControls returns a description of the first raw control sequence in
// s that would reach a terminal, or "".
func rawControls(s string) string {
	for _, bad := range []string{"\x1b", "\x9b", "\u009b", "\a", "\b"} {
		if i := strings.Index(s, bad); i >= 0 {
			lo := max(0, i-40)
			return fmt.Sprintf("%q at %d: %q", bad, i, s[lo:min(len(s), i+40)])
		}
	}
	return ""
}

// TestHostileOutputShown runs programs that print terminal-driving
// sequences, in every place drover prints what a job gives it: nothing of
// them reaches drover's stdout or stderr raw, with or without -v, and
// what they printed is still shown, escaped.
func TestHostileOutputShown(t *testing.T) {
	t.Parallel()
	seq := strings.ReplaceAll(hostileSeq, `\`, `\\`)
	seq = strings.ReplaceAll(seq, `"`, `\"`)
	tests := []struct {
		name string
		src  string
		code int
		want string // shown, escaped
	}{
		{"failing run on pipes", `steps:
  - run: {shell: "` + seq + `; exit 3"}
`, 1, `clip \x1b]52;c;cHduZWQ=\x07 title \x1b]0;pwned\x1b\ move \x1b[2J\x1b[1;1H back x\x08y c1 \u009b1m raw \x9b1m end`},
		{"failing run on stderr", `steps:
  - run: {shell: "(` + seq + `) >&2; exit 3"}
`, 1, `\x1b]52;c;`},
		{"expect timeout on pipes", `steps:
  - spawn: {shell: "` + seq + `; sleep 5", tty: false}
  - expect: {text: never printed, timeout: 300ms}
`, 1, `\x1b]0;pwned`},
		{"expect timeout under a tty", `steps:
  - spawn: {shell: "` + seq + `; sleep 5"}
  - expect: {text: never printed, timeout: 300ms}
`, 1, `back x`},
		{"captured value logged", `steps:
  - run: {shell: "` + seq + `", capture: v}
  - log: "got ${v}"
`, 0, `got clip \x1b]52;c;`},
		{"captured value in an error", `steps:
  - run: {shell: "` + seq + `", capture: v}
  - run: {shell: "echo other", stdout: "${v}"}
`, 1, `\x1b]52;c;`},
		{"matrix value in the job name", `name: m
matrix:
  v: ["\e]52;c;cHduZWQ=\a", "\e]0;pwned\e\\", "\e[2J\b\x9b\u009b"]
steps:
  - log: "value ${v}"
  - run: {shell: "exit 1"}
`, 1, `m [v=\x1b]52;c;cHduZWQ=\x07]`},
	}
	for _, tt := range tests {
		for _, verbose := range []bool{false, true} {
			name := tt.name
			args := []string{"run"}
			if verbose {
				name += " -v"
				args = append(args, "-v")
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				path := writeScript(t, dir, "hostile.yaml", "timeout: 10s\n"+tt.src)
				code, out, errs := droverRun(t, dir, append(args, path)...)
				if code != tt.code {
					t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
				}
				if where := rawControls(out); where != "" {
					t.Errorf("stdout holds a raw control: %s\n%s", where, out)
				}
				if where := rawControls(errs); where != "" {
					t.Errorf("stderr holds a raw control: %s\n%s", where, errs)
				}
				if !strings.Contains(out, tt.want) {
					t.Errorf("stdout does not show %s\n%s", tt.want, out)
				}
			})
		}
	}
}
