package main

import (
	"strings"
	"testing"
	"time"
)

var (
	cooked   = ptyModes{Echo: true, Canon: true}  // a shell's read, cat
	hidden   = ptyModes{Echo: false, Canon: true} // getpass, sudo, ssh
	readline = ptyModes{}                         // the program reads keys and echoes them itself
)

// recordOf feeds a recorder events: a string is output, a keys value
// typed keys; it returns the script's steps (the lines after "steps:").
func recordOf(t *testing.T, events ...any) (head, steps string) {
	t.Helper()
	r := newRecorder(24, 80)
	for _, e := range events {
		switch e := e.(type) {
		case string:
			r.output([]byte(e))
		case keys:
			r.keys([]byte(e.k), e.m)
		case size:
			r.resize(e.rows, e.cols)
		default:
			t.Fatalf("event %T", e)
		}
	}
	src := string(r.script("s.yaml", []string{"prog"}, 24, 80, "0", false))
	head, steps, ok := strings.Cut(src, "steps:\n  - spawn: [\"prog\"]\n")
	if !ok {
		t.Fatalf("no spawn:\n%s", src)
	}
	return head, strings.TrimSuffix(steps, "  - wait: {exit: 0}\n")
}

type keys struct {
	k string
	m ptyModes
}

// size is a change of the terminal's size.
type size struct{ rows, cols int }

func TestRecorderSteps(t *testing.T) {
	for _, c := range []struct {
		name   string
		events []any
		want   string
	}{
		{"a prompt, a line edited with backspace and ^H, the answer", []any{
			"> ", keys{"selx\x7fect 1;\r", cooked}, "select 1;\r\n1\r\n> ", keys{"ab\bc", cooked}, keys{"\r", cooked}, "abc\r\nbye\r\n",
		}, `  - expect: "> "
  - send: "select 1;"
  - expect: "1\n"
  - expect: "> "
  - send: "ac"
  - expect: "bye\n"
`},
		{"control keys, and the text before one sent raw", []any{
			"$ ", keys{"sleep 9", cooked}, "sleep 9", keys{"\x03", cooked}, "^C\r\n$ ", keys{"\x1c\x00\x1f\x04", cooked},
		}, `  - expect: "$$ "
  - send: {raw: "sleep 9"}
  - expect: "sleep 9"   # its echo
  - sleep: 250ms
  - send: {control: "c"}
  - expect: "^C\n"
  - expect: "$$ "
  - send: {control: "\\"}
  - send: {control: "@"}
  - send: {control: "_"}
  - send: {control: "d"}
`},
		{"escape sequences, one split across reads, and a redraw that is no prompt", []any{
			">>> ", keys{"ab\x1b", readline}, keys{"[D", readline}, "ab\b", keys{"\x1bOH\x1bx", readline}, keys{"\r", readline}, "\r\n",
		}, `  - expect: ">>> "
  - send: {raw: "ab"}
  - send: {raw: "\e[D"}
  - send: {raw: "\eOH"}
  - send: {raw: "\ex"}
  - send: ""
`},
		{"a prompt in colour, a long line's tail", []any{
			"\x1b[1;32muser@host:/a/very/long/directory/name/here\x1b[0m$ ", keys{"ls\r", cooked},
			"ls\r\n0123456789012345678901234567890123456789\r\n", keys{"exit\r", cooked},
		}, `  - expect: "$$ "
  - send: "ls"
  - expect: "89012345678901234567890123456789\n"
  - send: "exit"
`},
		{"resizes: a drag is one, a SIGWINCH without a change none, one mid-line before its send", []any{
			"$ ", size{24, 80}, size{30, 90}, size{40, 120}, keys{"stty size\r", cooked}, "stty size\r\n40 120\r\n$ ",
			keys{"ec", cooked}, size{50, 132}, keys{"ho\r", cooked}, "echo\r\n\r\n$ ",
		}, `  - expect: "$$ "
  - resize: 40x120
  - send: "stty size"
  - expect: "40 120\n"
  - expect: "$$ "
  - resize: 50x132
  - send: "echo"
  - expect: "$$ "
`},
		{"quotes, backslashes and tabs in a line", []any{
			keys{"say \"a\\b\"\tc\r", cooked},
		}, `  - send: "say \"a\\b\"\tc"
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, got := recordOf(t, c.events...)
			if got != c.want {
				t.Errorf("steps:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestRecorderSecrets: keys typed with echo off are secret sends of
// variables declared empty, never written; with echo and line editing
// off they are secret only when the program did not echo them.
func TestRecorderSecrets(t *testing.T) {
	head, steps := recordOf(t,
		"Password: ", keys{"hunter2-xyz\r", hidden}, "\r\nWelcome hunter2-xyz\r\n$ ",
		keys{"pin", readline}, "***", keys{"4711\r", readline}, "\r\nok\r\n> ",
		keys{"echoed\r", readline}, "echoed\r\n> ", keys{"\x04", cooked},
	)
	src := head + steps
	if strings.Contains(src, "hunter2") || strings.Contains(src, "4711") {
		t.Fatalf("a secret was written:\n%s", src)
	}
	for _, want := range []string{
		`send: {text: "${secret1}", secret: true}`, `send: {text: "${secret2}", secret: true}`,
		"  secret1: \"\"", "  secret2: \"\"", "--var secret1=... --var secret2=... s.yaml",
		"# (an expect was left out here", `send: "echoed"`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the script lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "secret3") {
		t.Errorf("a line the program echoed is a secret:\n%s", src)
	}
}

// TestRecorderSlowAnswer: an answer that took longer than half the
// default timeout is waited for twice as long.
func TestRecorderSlowAnswer(t *testing.T) {
	r := newRecorder(24, 80)
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	r.sinceAt = now
	r.keys([]byte("build\r"), cooked)
	now = now.Add(7500 * time.Millisecond)
	r.output([]byte("build\r\ndone\r\n$ "))
	r.keys([]byte("exit\r"), cooked)
	src := string(r.script("s.yaml", []string{"sh"}, 24, 80, "0", false))
	if !strings.Contains(src, `expect: {text: "done\n", timeout: 15s}`) {
		t.Errorf("the slow answer has no longer timeout:\n%s", src)
	}
}

func TestRecorderEnd(t *testing.T) {
	r := newRecorder(24, 80)
	src := string(r.script("s.yaml", []string{"a b", "${x}"}, 40, 120, "TERM", true))
	for _, want := range []string{`spawn: {cmd: ["a b", "$${x}"], size: 40x120}`, "wait: {signal: TERM}"} {
		if !strings.Contains(src, want) {
			t.Errorf("the script lacks %q:\n%s", want, src)
		}
	}
}
