package script

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // "line:col: step: message", in order
	}{{
		name: "clean",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - send: hi
  - expect: hi
  - send: {eof: true}
  - expect: {eof: true}
  - wait:
`,
	}, {
		name: "send after eof on pipes",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - send: {eof: true}
  - send: {eof: true}
  - send: hi
  - run: {cmd: [date], capture: never}
`,
		want: []string{`5:5: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 3; the steps after it never run`},
	}, {
		name: "carriage return in a regexp under a tty",
		src: `steps:
  - spawn: {name: t, cmd: [cat]}
  - spawn: {name: p, cmd: [cat], tty: false}
  - expect: {re: 'ok\r\n', on: t}
  - expect: {re: 'ok\r\n', on: p}
  - expect: {re: 'ok[\r\n]\s+$', on: t}
  - expect: {any: [{re: '\x0d\n'}, {re: '[\r]\n'}, text: "ok\r\n"], on: t}
  - expect: {any: [{re: 'ok\r?\n'}, {re: '50%\r'}], on: t}
  - spawn: {name: e, cmd: [cat], stderr: pipe}
  - expect: {re: 'ok\r\n', stream: both}
  - expect: {re: 'ok\r\n', on: t, stream: stderr}
`,
		want: []string{
			`4:18: expect: re: "t" runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r next to \n never matches there; match \n instead`,
			`7:25: expect: re: "t" runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r next to \n never matches there; match \n instead`,
			`7:41: expect: re: "t" runs under a tty, whose output is matched with "\r\n" folded to "\n" (and escape sequences removed): a regular expression that needs \r next to \n never matches there; match \n instead`,
			`11:5: expect: always fails here: "t" runs under a tty, where stderr is the terminal; give its spawn stderr: pipe, or expect on stdout; the steps after it never run`,
		},
	}, {
		name: "send after eof under a tty",
		src: `steps:
  - spawn: [cat]
  - send: {eof: true}
  - send: hi
`,
	}, {
		name: "send after wait and terminate",
		src: `steps:
  - spawn: {name: a, cmd: [cat], tty: false}
  - spawn: {name: b, cmd: [cat]}
  - send: {eof: true, on: a}
  - wait: {on: a}
  - send: {eof: true, on: a}
  - terminate: b
  - send: {control: c, on: b}
`,
		want: []string{`8:5: send: always fails here: "b" has ended, at the terminate step of line 7; the steps after it never run`},
	}, {
		name: "signal after terminate, not after wait",
		src: `steps:
  - spawn: {name: a, cmd: [sh, -c, "sleep 1 & exit 0"], tty: false}
  - spawn: {name: b, cmd: [cat], tty: false}
  - wait: {on: a}
  - signal: {sig: TERM, on: a}
  - terminate: b
  - signal: {sig: TERM, on: b}
`,
		want: []string{`7:5: signal: always fails here: "b" has ended, at the terminate step of line 6; the steps after it never run`},
	}, {
		name: "send to a reader of stdin_from",
		src: `steps:
  - spawn: {name: w, cmd: [yes], tty: false}
  - spawn: {name: r, cmd: [head, -1], tty: false, stdin_from: w}
  - send: hi
`,
		want: []string{`4:5: send: always fails here: the stdin of "r" comes from "w" (stdin_from), not from drover; the steps after it never run`},
	}, {
		name: "expect on streams that drover never sees",
		src: `steps:
  - spawn: {name: w, cmd: [yes], tty: false}
  - spawn: {name: r, cmd: [head, -1], tty: false, stdin_from: w}
  - expect: {text: y, stream: stderr, on: w}
  - expect: {text: y, on: r}
  - expect: {text: y, on: w}
`,
		want: []string{`6:5: expect: always fails here: the stdout of "w" feeds another process's stdin (stdin_from), so drover never sees it; the steps after it never run`},
	}, {
		name: "stderr under a tty",
		src: `steps:
  - spawn: {name: a, cmd: [sh], stderr: pipe}
  - expect: {text: x, stream: stderr}
  - spawn: {name: b, cmd: [sh]}
  - expect: {text: x, stream: both}
  - expect: {text: x, stream: stderr}
`,
		want: []string{`6:5: expect: always fails here: "b" runs under a tty, where stderr is the terminal; give its spawn stderr: pipe, or expect on stdout; the steps after it never run`},
	}, {
		name: "expect after eof",
		src: `steps:
  - spawn: {name: p, cmd: [sh, -c, "echo a; echo b >&2"], tty: false}
  - expect: {eof: true}
  - expect: {eof: true}
  - expect: {re: 'x*'}
  - expect: {text: b, stream: stderr}
  - expect: {any: [a, {re: 'b+'}]}
`,
		want: []string{`7:5: expect: always fails here: the expect: {eof: true} of line 3 consumed all the stdout of "p"; the steps after it never run`},
	}, {
		name: "a spawn of the same name starts afresh",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - send: {eof: true}
  - spawn: {name: p, cmd: [cat], tty: false}
  - send: hi
`,
	}, {
		name: "what holds after every branch",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - expect:
      any:
        - text: a
          then: [{send: {eof: true}}]
        - text: b
  - send: hi
  - expect:
      any:
        - text: a
          then: [{send: {eof: true}}, {send: again}]
        - text: b
          then: [{send: {eof: true}}]
  - send: hi
  - log: never
`,
		want: []string{
			`12:40: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 12; the steps after it never run`,
			`15:5: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 14; the steps after it never run`,
		},
	}, {
		name: "a spawn in a branch leaves the current process unknown",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - send: {eof: true}
  - expect:
      any:
        - text: a
          then: [{spawn: {name: q, cmd: [cat]}}]
        - text: b
  - send: hi
  - send: {text: hi, on: p}
`,
		want: []string{`10:5: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 3; the steps after it never run`},
	}, {
		name: "finally knows nothing of steps",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - wait:
finally:
  - send: {text: bye, on: p}
  - spawn: {name: q, cmd: [cat], tty: false}
  - terminate: q
  - send: bye
`,
		want: []string{`8:5: send: always fails here: "q" has ended, at the terminate step of line 7; the steps after it never run`},
	}, {
		name: "retry",
		src: `steps:
  - spawn: {name: p, cmd: [cat], tty: false}
  - retry:
      attempts: 3
      steps:
        - send: {eof: true}
        - send: hi
        - free_port: a
  - send: never checked
  - free_port: b
`,
		want: []string{`7:11: send: always fails here: the stdin of "p" was closed by the send: {eof: true} of line 6; the steps after it never run`},
	}, {
		name: "sleeps reach the timeout",
		src: `timeout: 1s
steps:
  - sleep: 500ms
  - log: x
  - retry: {attempts: 2, steps: [{sleep: 1s}]}
  - sleep: 600ms
  - log: never
finally:
  - sleep: 2s
`,
		want: []string{`6:5: sleep: always fails here: the sleeps of steps: add up to the script's timeout of 1s; the steps after it never run`},
	}, {
		name: "unused captures",
		src: `steps:
  - run: {cmd: [date], capture: unused}
  - run: {cmd: [date], capture: used}
  - free_port: port
  - free_port: spare
  - spawn: {name: p, cmd: [cat], env: {PORT: "${port}"}}
  - expect: {re: '(a)(b)', capture: [a, b]}
  - expect:
      any:
        - re: '(c)'
          capture: c
          then: [{log: "${c} ${a}"}]
        - re: '(d)'
          capture: d
  - run: {cmd: [date], capture: late}
finally:
  - log: ${used} ${late}
`,
		want: []string{
			`2:5: run: "unused" is captured but no step after this one uses ${unused}`,
			`5:5: free_port: "spare" is captured but no step after this one uses ${spare}`,
			`7:5: expect: "b" is captured but no step after this one uses ${b}`,
			`8:5: expect: "d" is captured but no step after this one uses ${d}`,
		},
	}, {
		name: "unused captures, in order",
		src: `steps:
  - spawn: {name: p, cmd: [cat]}
  - expect: {re: '(a)(b)', capture: [x, y]}
  - expect: {re: '(c)', capture: z, before: w}
  - expect: {re: '${z}(d)', capture: v}
  - retry: {attempts: 2, steps: [{log: "${w}"}, {expect: {re: '(e)', capture: u}}]}
  - log: ${u}
`,
		want: []string{
			`3:5: expect: "x" is captured but no step after this one uses ${x}`,
			`3:5: expect: "y" is captured but no step after this one uses ${y}`,
			`5:5: expect: "v" is captured but no step after this one uses ${v}`,
		},
	}, {
		name: "interact",
		src: `steps:
  - spawn: {name: t, cmd: [sh]}
  - interact:
  - send: exit
  - wait: {exit: any}
  - spawn: {name: p, cmd: [cat], tty: false}
  - interact: {optional: true}
  - interact: {on: p}
  - log: never
`,
		// After interact the process may have exited, or not: the send
		// after it is not judged.
		want: []string{
			`7:5: interact: interact needs a process under a tty, and "p" is on pipes (tty: false); it fails wherever drover has a terminal`,
			`8:5: interact: always fails here: interact needs a process under a tty, and "p" is on pipes (tty: false); the steps after it never run`,
		},
	}}
	for _, tt := range tests {
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
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestWarningsExamples checks that the examples, which work, draw no
// warning: a false alarm there would teach users to ignore them.
func TestWarningsExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		s, err := ParseFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, w := range s.Warnings() {
			t.Errorf("warning: %v", w)
		}
	}
}

// TestNeedsCR: under a tty, drover matches output with "\r\n" folded to
// "\n" and no \r at a line's start, so only an expression that cannot
// match without a \r next to a \n never matches; one where the \r may be
// left out, as scripts ported from pexpect write it, does.
func TestNeedsCR(t *testing.T) {
	t.Parallel()
	tests := []struct {
		re   string
		want bool
	}{
		{`line\r\n`, true},
		{`line[\r]\n`, true},
		{`\x0d\x0a`, true},
		{`(\r)(\n)`, true},
		{`\r+\n`, true},
		{`\r{1,3}\n`, true},
		{`(?:\r\n)+`, true},
		{`a\r\n|b\r\n`, true},
		{`(?m)^\r\n$`, true},
		{`(?i)LINE\r\n`, true},
		{`\n\r`, true},
		{`${prompt}\r\n`, true},
		{`line\r?\n`, false},
		{`line[\r]?\n`, false},
		{`line(\r|)\n`, false},
		{`line\r*\n`, false},
		{`line\r{0,2}\n`, false},
		{`line[\r\n]+`, false},
		{`ok[\r\n]\s+$`, false},
		{`\r\n|\n`, false},
		{`line\r\x20\n`, false},
		{`50%\r`, false}, // A progress bar's \r, which the cooked output keeps.
		{`a\rb`, false},
		{`line\r${x}\n`, false}, // ${x} may be anything.
		{`${x}\r?\n`, false},
		{`\s+`, false},
	}
	for _, tt := range tests {
		t.Run(tt.re, func(t *testing.T) {
			t.Parallel()
			p := Pattern{Text: tt.re, Re: true}
			if !strings.Contains(tt.re, "${") {
				p.Regexp = regexp.MustCompile(tt.re)
			}
			if got := needsCR(p); got != tt.want {
				t.Errorf("needsCR(%q) = %v, want %v", tt.re, got, tt.want)
			}
		})
	}
	if needsCR(Pattern{Text: "ok\r\n"}) {
		t.Error(`needsCR of text "ok\r\n" (not a re) = true, want false`)
	}
}
