package script

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// at is a position in the file "t.yaml" that the good tests parse.
func at(line, col int) Pos { return posAt("t.yaml", line, col) }

func ptr[T any](v T) *T { return &v }

// checkRegexps compares the compiled expressions of got and want by their
// source and then clears them, so that reflect.DeepEqual can compare the
// rest.
func checkRegexps(t *testing.T, got, want []Step) {
	t.Helper()
	if len(got) != len(want) {
		return // DeepEqual reports it.
	}
	for i := range got {
		g, ok1 := got[i].(*Expect)
		w, ok2 := want[i].(*Expect)
		if !ok1 || !ok2 || len(g.Patterns) != len(w.Patterns) {
			continue
		}
		for j := range g.Patterns {
			gp, wp := &g.Patterns[j], &w.Patterns[j]
			if fmt.Sprint(gp.Regexp) != fmt.Sprint(wp.Regexp) {
				t.Errorf("step %d pattern %d: Regexp = %v, want %v", i, j, gp.Regexp, wp.Regexp)
			}
			gp.Regexp, wp.Regexp = nil, nil
			checkRegexps(t, gp.then(), wp.then())
		}
	}
}

// dump shows steps for a failure message.
func dump(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		j, _ := json.Marshal(s)
		fmt.Fprintf(&b, "\n\t%s %s", s.Kind(), j)
	}
	return b.String()
}

// designExample is the example of DESIGN.md, comments and all.
const designExample = `name: nslookup answers A and MX queries   # default: the file name
timeout: 30s                               # whole script (default 10m)
env: {LC_ALL: C}                           # added to every process's environment
vars: {port: "5353"}                       # ${port}; --var port=53 overrides
matrix:                                    # one job per combination, fanned out
  host: [www.example.test, api.example.test]
steps:
  - spawn: {name: dns, cmd: [dnsmasq, --no-daemon, "--port=${port}", ...], tty: false}
  - wait_port: 127.0.0.1:${port}
  - spawn: {name: ns, cmd: [nslookup]}     # tty: true is the default for spawn
  - expect: "> "
  - send: server 127.0.0.1
  - expect: "> "
  - send: set port=${port}
  - expect: "> "
  - send: ${host}
  - expect: {re: 'Address: (\d+\.\d+\.\d+\.\d+)', capture: [addr]}
  - send: exit
  - wait: {exit: 0}
  - terminate: dns                         # SIGTERM, then SIGKILL after the grace
`

func TestParseDesignExample(t *testing.T) {
	t.Parallel()
	got, err := Parse("t.yaml", []byte(designExample))
	if err != nil {
		t.Fatal(err)
	}
	prompt := func(line int) *Expect {
		return &Expect{Pos: at(line, 5), Patterns: []Pattern{{Pos: at(line, 13), Text: "> "}}, Timeout: 10 * time.Second}
	}
	want := &Script{
		File:    "t.yaml",
		Name:    "nslookup answers A and MX queries",
		Timeout: 30 * time.Second,
		Env:     []KV{{Key: "LC_ALL", Value: "C", Pos: at(3, 7)}},
		Vars:    []KV{{Key: "port", Value: "5353", Pos: at(4, 8)}},
		Matrix:  []Axis{{Name: "host", Values: []string{"www.example.test", "api.example.test"}, Pos: at(6, 3)}},
		Steps: []Step{
			&Spawn{Pos: at(8, 5), Name: "dns", Cmd: Command{Argv: []string{"dnsmasq", "--no-daemon", "--port=${port}", "..."}}},
			&WaitPort{Pos: at(9, 5), Addr: "127.0.0.1:${port}", Timeout: 10 * time.Second},
			&Spawn{Pos: at(10, 5), Name: "ns", Cmd: Command{Argv: []string{"nslookup"}}, TTY: true},
			prompt(11),
			&Send{Pos: at(12, 5), Text: "server 127.0.0.1"},
			prompt(13),
			&Send{Pos: at(14, 5), Text: "set port=${port}"},
			prompt(15),
			&Send{Pos: at(16, 5), Text: "${host}"},
			&Expect{Pos: at(17, 5), Patterns: []Pattern{{
				Pos:  at(17, 18),
				Text: `Address: (\d+\.\d+\.\d+\.\d+)`, Re: true,
				Regexp: regexp.MustCompile(`Address: (\d+\.\d+\.\d+\.\d+)`),
				Extra:  &PatternExtra{Capture: []string{"addr"}},
			}}, Timeout: 10 * time.Second},
			&Send{Pos: at(18, 5), Text: "exit"},
			&Wait{Pos: at(19, 5), Exit: ExitSpec{Codes: []int{0}}, Timeout: 10 * time.Second},
			&Terminate{Pos: at(20, 5), On: "dns", Grace: 5 * time.Second},
		},
	}
	checkRegexps(t, got.Steps, want.Steps)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v%s\nwant %+v%s", *got, dump(got.Steps), *want, dump(want.Steps))
	}
}

func TestParseSteps(t *testing.T) {
	t.Parallel()
	const spawn = "steps:\n  - spawn: [cat]\n" // Line 2; tests' steps start on line 3.
	cat := &Spawn{Pos: at(2, 5), Name: "cat", Cmd: Command{Argv: []string{"cat"}}, TTY: true}
	tests := []struct {
		name string
		src  string
		want []Step
	}{{
		name: "run",
		src: `steps:
  - run: [ls, -l, "${env.HOME}"]
  - run: ls -l | wc -l
  - run:
      cmd: [make, test]
      stdin: ""
      env: {GOFLAGS: -race, N: 3}
      dir: /tmp
      tty: true
      timeout: 2m
      exit: nonzero
      stdout: PASS
      capture: out
  - run: {shell: "echo $$HOME ${out}", exit: [0, 2], stderr: {empty: true}}
`,
		want: []Step{
			&Run{Pos: at(2, 5), Cmd: Command{Argv: []string{"ls", "-l", "${env.HOME}"}}},
			&Run{Pos: at(3, 5), Cmd: Command{Shell: "ls -l | wc -l"}},
			&Run{
				Pos:     at(4, 5),
				Cmd:     Command{Argv: []string{"make", "test"}},
				Stdin:   ptr(""),
				Env:     []KV{{Key: "GOFLAGS", Value: "-race", Pos: at(7, 13)}, {Key: "N", Value: "3", Pos: at(7, 29)}},
				Dir:     "/tmp",
				TTY:     true,
				Timeout: 2 * time.Minute,
				Exit:    ExitSpec{Nonzero: true},
				Stdout:  &OutputMatcher{Pos: at(12, 15), Contains: []string{"PASS"}},
				Capture: "out",
			},
			&Run{
				Pos:    at(14, 5),
				Cmd:    Command{Shell: "echo $$HOME ${out}"},
				Exit:   ExitSpec{Codes: []int{0, 2}},
				Stderr: &OutputMatcher{Pos: at(14, 62), Empty: ptr(true)},
			},
		},
	}, {
		name: "spawn",
		src: `steps:
  - spawn: [./bin/server, --port, "80"]
  - spawn: python3 -i
  - spawn:
      name: db
      cmd: [sqlite3]
      env: {TERM: dumb}
      dir: ${env.TMPDIR}
      stderr: pipe
      size: 50x132
  - spawn: {name: src, cmd: ["yes"], tty: false}
  - spawn: {name: filter, cmd: [grep, x], tty: false, stdin_from: src}
  - spawn: {shell: "exec cat", name: server}
`,
		want: []Step{
			&Spawn{Pos: at(2, 5), Name: "server", Cmd: Command{Argv: []string{"./bin/server", "--port", "80"}}, TTY: true},
			&Spawn{Pos: at(3, 5), Name: "sh", Cmd: Command{Shell: "python3 -i"}, TTY: true},
			&Spawn{
				Pos:        at(4, 5),
				Name:       "db",
				Cmd:        Command{Argv: []string{"sqlite3"}},
				Env:        []KV{{Key: "TERM", Value: "dumb", Pos: at(7, 13)}},
				Dir:        "${env.TMPDIR}",
				TTY:        true,
				StderrPipe: true,
				Rows:       50,
				Cols:       132,
			},
			&Spawn{Pos: at(11, 5), Name: "src", Cmd: Command{Argv: []string{"yes"}}},
			&Spawn{Pos: at(12, 5), Name: "filter", Cmd: Command{Argv: []string{"grep", "x"}}, StdinFrom: "src", StdinFromPos: at(12, 67)},
			&Spawn{Pos: at(13, 5), Name: "server", Cmd: Command{Shell: "exec cat"}, TTY: true},
		},
	}, {
		name: "expect",
		src: spawn + `  - expect: "login: "
  - expect: {text: ok, stream: both, timeout: 1m, on: cat}
  - expect: {re: 'v(\d+)\.(\d+)', capture: [major, minor], stream: stderr}
  - expect: {re: '${major}\.(\d+)', capture: patch}
  - expect: {eof: true, timeout: 500ms}
  - expect:
      any:
        - "$ "
        - re: 'error: (.*)'
          capture: [why]
          then:
            - log: "failed: ${why} (${match.index})"
        - eof: true
          then: []
      timeout: 5s
  - log: ${why} ${match.index} ${patch}
  - expect: {text: a, stream: stdout}
  - expect: {text: b, idle_timeout: 2s, before: pre}
`,
		want: []Step{
			cat,
			&Expect{Pos: at(3, 5), Patterns: []Pattern{{Pos: at(3, 13), Text: "login: "}}, Timeout: 10 * time.Second},
			&Expect{Pos: at(4, 5), Patterns: []Pattern{{Pos: at(4, 20), Text: "ok"}}, Timeout: time.Minute, Extra: &ExpectExtra{Stream: "both", On: "cat"}},
			&Expect{Pos: at(5, 5), Patterns: []Pattern{{
				Pos: at(5, 18), Text: `v(\d+)\.(\d+)`, Re: true, Regexp: regexp.MustCompile(`v(\d+)\.(\d+)`), Extra: &PatternExtra{Capture: []string{"major", "minor"}},
			}}, Timeout: 10 * time.Second, Extra: &ExpectExtra{Stream: "stderr"}},
			&Expect{Pos: at(6, 5), Patterns: []Pattern{{
				Pos: at(6, 18), Text: `${major}\.(\d+)`, Re: true, Extra: &PatternExtra{Capture: []string{"patch"}},
			}}, Timeout: 10 * time.Second},
			&Expect{Pos: at(7, 5), Patterns: []Pattern{{Pos: at(7, 19), EOF: true}}, Timeout: 500 * time.Millisecond},
			&Expect{Pos: at(8, 5), Extra: &ExpectExtra{Any: true}, Patterns: []Pattern{
				{Pos: at(10, 11), Text: "$ "},
				{Pos: at(11, 15), Text: "error: (.*)", Re: true, Regexp: regexp.MustCompile("error: (.*)"), Extra: &PatternExtra{Capture: []string{"why"}, Then: []Step{
					&Log{Pos: at(14, 15), Text: "failed: ${why} (${match.index})"},
				}}},
				{Pos: at(15, 16), EOF: true, Extra: &PatternExtra{Then: []Step{}}},
			}, Timeout: 5 * time.Second},
			&Log{Pos: at(18, 5), Text: "${why} ${match.index} ${patch}"},
			&Expect{Pos: at(19, 5), Patterns: []Pattern{{Pos: at(19, 20), Text: "a"}}, Timeout: 10 * time.Second},
			&Expect{Pos: at(20, 5), Patterns: []Pattern{{Pos: at(20, 20), Text: "b"}}, Timeout: 10 * time.Second,
				Extra: &ExpectExtra{Idle: 2 * time.Second, Before: "pre"}},
		},
	}, {
		name: "send",
		src: spawn + `  - send: ""
  - send: {text: "${env.USER}", secret: true}
  - send: {raw: "q", on: cat}
  - send: {control: c}
  - send: {control: "^D"}
  - send: {control: "@"}
  - send: {control: "["}
  - send: {eof: true}
  - send: 42
  - send: {control: "?"}
  - send: {control: "^?"}
  - send: {control: "\\"}
  - send: {hex: "80 ff 1b 24"}
  - send: {text: "slow ${env.USER}", pace: 50ms}
`,
		want: []Step{
			cat,
			&Send{Pos: at(3, 5), Text: ""},
			&Send{Pos: at(4, 5), Text: "${env.USER}", Secret: true},
			&Send{Pos: at(5, 5), Text: "q", Raw: true, Extra: &SendExtra{On: "cat"}},
			&Send{Pos: at(6, 5), Control: 0x03, Text: "\x03", Raw: true},
			&Send{Pos: at(7, 5), Control: 0x04, Text: "\x04", Raw: true},
			&Send{Pos: at(8, 5), Control: 0x00, Text: "\x00", Raw: true},
			&Send{Pos: at(9, 5), Control: 0x1b, Text: "\x1b", Raw: true},
			&Send{Pos: at(10, 5), EOF: true},
			&Send{Pos: at(11, 5), Text: "42"},
			&Send{Pos: at(12, 5), Control: 0x7f, Text: "\x7f", Raw: true},
			&Send{Pos: at(13, 5), Control: 0x7f, Text: "\x7f", Raw: true},
			&Send{Pos: at(14, 5), Control: 0x1c, Text: "\x1c", Raw: true},
			&Send{Pos: at(15, 5), Raw: true, Extra: &SendExtra{Hex: []byte{0x80, 0xff, 0x1b, '$'}}},
			&Send{Pos: at(16, 5), Text: "slow ${env.USER}", Extra: &SendExtra{Pace: 50 * time.Millisecond}},
		},
	}, {
		name: "wait signal terminate",
		src: spawn + `  - wait:
  - wait: {exit: any, timeout: 1m, stdout: {contains: [a, b], not_contains: c, equals: "x\n", re: '^x$', lines: 0}}
  - wait: {signal: sigterm, on: cat}
  - wait: {exit: 3}
  - signal: int
  - signal: {sig: SIGWINCH, on: cat}
  - terminate:
  - terminate: cat
  - terminate: {on: cat, grace: 100ms}
`,
		want: []Step{
			cat,
			&Wait{Pos: at(3, 5), Timeout: 10 * time.Second},
			&Wait{Pos: at(4, 5), Exit: ExitSpec{Any: true}, Timeout: time.Minute, Stdout: &OutputMatcher{
				Pos: at(4, 44), Contains: []string{"a", "b"}, NotContains: []string{"c"}, Equals: ptr("x\n"), Re: "^x$", Lines: ptr(0),
			}},
			&Wait{Pos: at(5, 5), Signal: "TERM", On: "cat", Timeout: 10 * time.Second},
			&Wait{Pos: at(6, 5), Exit: ExitSpec{Codes: []int{3}}, Timeout: 10 * time.Second},
			&Signal{Pos: at(7, 5), Sig: "INT"},
			&Signal{Pos: at(8, 5), Sig: "WINCH", On: "cat"},
			&Terminate{Pos: at(9, 5), Grace: 5 * time.Second},
			&Terminate{Pos: at(10, 5), On: "cat", Grace: 5 * time.Second},
			&Terminate{Pos: at(11, 5), On: "cat", Grace: 100 * time.Millisecond},
		},
	}, {
		name: "wait_port sleep log",
		src: `steps:
  - wait_port: localhost:8080
  - wait_port: {addr: "[::1]:${env.PORT}", timeout: 1m}
  - sleep: 250ms
  - sleep: 0s
  - log: "cost: $5, $$ and ${env.X}"
`,
		want: []Step{
			&WaitPort{Pos: at(2, 5), Addr: "localhost:8080", Timeout: 10 * time.Second},
			&WaitPort{Pos: at(3, 5), Addr: "[::1]:${env.PORT}", Timeout: time.Minute},
			&Sleep{Pos: at(4, 5), D: 250 * time.Millisecond},
			&Sleep{Pos: at(5, 5)},
			&Log{Pos: at(6, 5), Text: "cost: $5, $$ and ${env.X}"},
		},
	}, {
		name: "anchors aliases and merge keys",
		src: `steps:
  - spawn: &srv {name: a, cmd: [cat], tty: false, env: &env {X: "1"}}
  - spawn: {<<: *srv, name: b}
  - spawn: {<<: [{name: c}, *srv], env: *env}
  - run: {cmd: [env], env: {<<: *env, Y: "2"}}
`,
		want: []Step{
			&Spawn{Pos: at(2, 5), Name: "a", Cmd: Command{Argv: []string{"cat"}}, Env: []KV{{Key: "X", Value: "1", Pos: at(2, 62)}}},
			&Spawn{Pos: at(3, 5), Name: "b", Cmd: Command{Argv: []string{"cat"}}, Env: []KV{{Key: "X", Value: "1", Pos: at(2, 62)}}},
			&Spawn{Pos: at(4, 5), Name: "c", Cmd: Command{Argv: []string{"cat"}}, Env: []KV{{Key: "X", Value: "1", Pos: at(2, 62)}}},
			&Run{Pos: at(5, 5), Cmd: Command{Argv: []string{"env"}}, Env: []KV{{Key: "Y", Value: "2", Pos: at(5, 39)}, {Key: "X", Value: "1", Pos: at(2, 62)}}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse("t.yaml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkRegexps(t, s.Steps, tt.want)
			if !reflect.DeepEqual(s.Steps, tt.want) {
				t.Errorf("got:%s\nwant:%s", dump(s.Steps), dump(tt.want))
			}
		})
	}
}

func TestParseTopLevel(t *testing.T) {
	t.Parallel()
	src := `# name defaults to the file name
env:
  PATH: "${env.PATH}:${bin}"
  DEBUG: true
vars:
  bin: /opt/bin
  port: 8080
  url: "http://${host}:${port}/"
matrix:
  host: [a, b]
  n: [1, 02]
finally:
  - log: "${out} ${match.index}"
  - terminate: late
steps:
  - run: {cmd: [date], capture: out}
  - expect:
      any: [x]
      on: late
  - spawn: {name: late, cmd: [cat]}
`
	s, err := Parse("dir/smoke.test.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded; want an error for on: late before its spawn")
	}
	want := "dir/smoke.test.yaml:19:11: expect: on: unknown process \"late\" (no spawn comes before this step)"
	if err.Error() != want {
		t.Fatalf("Parse error:\n%v\nwant:\n%s", err, want)
	}
	src = strings.Replace(src, "      on: late\n", "", 1)
	src = strings.Replace(src, "  - expect:", "  - spawn: [cat]\n  - expect:", 1)
	s, err = Parse("dir/smoke.test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p := func(line, col int) Pos { return posAt("dir/smoke.test.yaml", line, col) }
	if s.Name != "smoke.test" || s.Timeout != 10*time.Minute || s.File != "dir/smoke.test.yaml" {
		t.Errorf("Name, Timeout, File = %q, %v, %q; want smoke.test, 10m0s, dir/smoke.test.yaml", s.Name, s.Timeout, s.File)
	}
	wantEnv := []KV{{Key: "PATH", Value: "${env.PATH}:${bin}", Pos: p(3, 3)}, {Key: "DEBUG", Value: "true", Pos: p(4, 3)}}
	wantVars := []KV{
		{Key: "bin", Value: "/opt/bin", Pos: p(6, 3)},
		{Key: "port", Value: "8080", Pos: p(7, 3)},
		{Key: "url", Value: "http://${host}:${port}/", Pos: p(8, 3)},
	}
	wantMatrix := []Axis{{Name: "host", Values: []string{"a", "b"}, Pos: p(10, 3)}, {Name: "n", Values: []string{"1", "02"}, Pos: p(11, 3)}}
	if !reflect.DeepEqual(s.Env, wantEnv) || !reflect.DeepEqual(s.Vars, wantVars) || !reflect.DeepEqual(s.Matrix, wantMatrix) {
		t.Errorf("Env, Vars, Matrix =\n%+v\n%+v\n%+v\nwant\n%+v\n%+v\n%+v", s.Env, s.Vars, s.Matrix, wantEnv, wantVars, wantMatrix)
	}
	if len(s.Steps) != 4 || len(s.Finally) != 2 {
		t.Errorf("got %d steps and %d finally steps, want 4 and 2", len(s.Steps), len(s.Finally))
	}
}

func TestParseErrorTypes(t *testing.T) {
	t.Parallel()
	_, err := Parse("t.yaml", []byte("vars: {host: h}\nsteps:\n  - log: ${hots}\n"))
	u, ok := errors.AsType[*UndefinedError](err)
	if !ok {
		t.Fatalf("error %v holds no *UndefinedError", err)
	}
	if u.Name != "hots" || !reflect.DeepEqual(u.Defined, []string{"host"}) {
		t.Errorf("UndefinedError = %+v, want hots and [host]", u)
	}
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Pos != at(3, 10) || e.Step != "log" {
		t.Errorf("*Error = %+v, want one at t.yaml:3:10 in a log step", e)
	}

	_, err = ParseFile("testdata/bad/no such file.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ParseFile of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// bigScript returns a script of n steps, all valid.
func bigScript(n int) []byte {
	var b strings.Builder
	b.WriteString("vars: {greeting: hello}\nsteps:\n  - spawn: [cat]\n")
	for i := 1; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "  - send: ${greeting} %d\n", i)
		case 1:
			fmt.Fprintf(&b, "  - expect: {re: 'hello (%d)', capture: [n%d], timeout: 1s}\n", i-1, i)
		case 2:
			fmt.Fprintf(&b, "  - log: got ${n%d}\n", i-1)
		case 3:
			b.WriteString("  - run: {cmd: [true], stdout: {empty: true}}\n")
		}
	}
	return []byte(b.String())
}

func TestParseLarge(t *testing.T) {
	t.Parallel()
	const n = 10_000
	s, err := Parse("big.yaml", bigScript(n))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Steps) != n {
		t.Fatalf("got %d steps, want %d", len(s.Steps), n)
	}
	if p := s.Steps[n-1].Position(); p.Line != n+2 || p.Col != 5 {
		t.Errorf("last step at %v, want big.yaml:%d:5", p, n+2)
	}
}

func BenchmarkParse10kSteps(b *testing.B) {
	src := bigScript(10_000)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("big.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParse checks that no input makes Parse panic or hang, and that its
// results keep their promises.
func FuzzParse(f *testing.F) {
	f.Add([]byte(designExample))
	f.Add(bigScript(20))
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("matrix: {h: [a, b], csv: testdata/matrix/hosts.csv, exclude: [{h: a, name: www}], include: [{h: b, x: y}, {h: c}]}\nsteps: [{log: '${h|sh} ${name|re} ${address|json}'}]\n"))
	f.Add([]byte(v2Seed))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.yaml", src)
		if err == nil {
			if s == nil || len(s.Steps) == 0 {
				t.Fatalf("Parse succeeded with %+v", s)
			}
			if n := len(s.Jobs(nil)); n < 1 || n > maxJobs {
				t.Fatalf("Parse succeeded with a matrix of %d jobs", n)
			}
			return
		}
		if s != nil {
			t.Fatalf("Parse returned a Script and the error %v", err)
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 || len(list) > maxErrors {
			t.Fatalf("Parse error is %T of %d errors", err, len(list))
		}
		for _, e := range list {
			if e.Step == "matrix.csv" && e.Pos.File != "fuzz.yaml" {
				continue // A row of the CSV file, at its own place.
			}
			if e.Pos.File != "fuzz.yaml" || !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Fatalf("error without its file: %v", e)
			}
		}
	})
}

// v2Seed holds every step and key of the language's v2 additions, valid,
// for FuzzParse to start from.
const v2Seed = `vars: {n: "3"}
define:
  greet:
    params: [who]
    steps: [{send: "hi ${who}"}, {expect: {text: "hi", before: pre}}]
setup:
  - free_port: port
  - spawn: {name: srv, tty: false, cmd: [cat]}
steps:
  - spawn: {name: sh, cmd: [sh], prompt: "$ ", fail_on: [Traceback, {re: 'denied$'}]}
  - call: {name: greet, with: {who: "${n}"}}
  - each:
      in: [{h: a, a: "1"}, {h: b, a: "2"}]
      steps:
        - send: ${h|sh}
        - expect:
            any:
              - {re: '(\d+)', capture: [got]}
              - {timeout: true, then: [{fail: "no answer for ${h|json}"}]}
            timeout: 1s
        - if: {var: got, equals: "${a}"}
          then: [{log: ok}]
          else: [{assert: {var: got, re: '^\d+$'}}]
  - retry:
      attempts: 2
      when: {exit: 1, stderr: {contains: refused}}
      steps: [{run: [sh, -c, "exit 0"]}]
`

// TestV2SeedParses keeps v2Seed valid, so that FuzzParse starts from a
// script that reaches every v2 parser path, not only their errors.
func TestV2SeedParses(t *testing.T) {
	t.Parallel()
	if _, err := Parse("seed.yaml", []byte(v2Seed)); err != nil {
		t.Fatal(err)
	}
}
