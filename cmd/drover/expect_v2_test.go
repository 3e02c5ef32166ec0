package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runScript writes src to a file in a fresh directory, runs it through
// the binary, and returns the exit code, the output and how long it took.
func runScript(t *testing.T, src string, args ...string) (int, string, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	code, out, errs := droverRun(t, dir, append(append([]string{"run"}, args...), "t.yaml")...)
	return code, out + errs, time.Since(began)
}

// nslookupScript starts dnsmasq on a free port and interactive nslookup
// against it with prompt: "> ", then runs steps.
const nslookupScript = `name: prompt
env: {LC_ALL: C}
steps:
  - free_port: port
  - spawn:
      name: dns
      tty: false
      cmd: [dnsmasq, --no-daemon, --conf-file=/dev/null, --no-resolv, --no-hosts,
            --addn-hosts=hosts, --local=/example.test/,
            --listen-address=127.0.0.1, --bind-interfaces, "--port=${port}"]
  - wait_port: 127.0.0.1:${port}
  - spawn: {name: ns, cmd: [nslookup], prompt: "> "}
  - expect: "> "
  - send: server 127.0.0.1
  - expect: "> "
  - send: set port=${port}
  - expect: "> "
  # The right answer passes: neither the echo of the line nor the prompt
  # printed before it trips the expect.
  - send: www.example.test
  - expect: {re: 'Address: (192\.0\.2\.\d+)\n', capture: [addr]}
  - expect: "> "
  - log: www is ${addr}
  # The expect of the prompt above is not tripped by the prompt.
  - send: api.example.test
  - expect: "Address: 192.0.2.11"
  - expect: "> "
  - send: www.example.test
  - expect: "Address: 192.0.2.99"
`

// TestPromptFailsFast drives real nslookup with prompt: "> ": a wrong
// address fails as soon as nslookup is back at its prompt, naming it,
// not after the expect's 10 s timeout.
func TestPromptFailsFast(t *testing.T) {
	need(t, "nslookup", "dnsmasq")
	t.Parallel()
	dir := t.TempDir()
	hosts := "192.0.2.10 www.example.test\n192.0.2.11 api.example.test\n"
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(nslookupScript), 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	code, out, errs := droverRun(t, dir, "run", "t.yaml")
	took := time.Since(began)
	out += errs
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "www is 192.0.2.10") {
		t.Errorf("the right answer did not pass:\n%s", out)
	}
	want := `t.yaml:29:5: expect: ns is waiting at its prompt "> " and printed no "Address: 192.0.2.99"`
	if !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
	if took > 3*time.Second {
		t.Errorf("took %v: the expect waited out its timeout instead of failing at the prompt", took)
	}
}

// TestBefore checks before: with python3 -i: the text consumed before the
// match, the echo of the line included, in a plain expect and in any:.
func TestBefore(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	code, out, _ := runScript(t, `name: before
steps:
  - spawn: {cmd: [python3, -q, -i], env: {PYTHONSTARTUP: ""}}
  - expect: ">>> "
  - send: print(6*7)
  - expect: {text: ">>> ", before: out}
  - log: "out=[${out}]"
  - send: print('a' + 'b')
  - expect: {any: [nope, {re: '(?m)^>>> $', then: [{log: "branch=${match.index} [${got}]"}]}], before: got}
`)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"out=[print(6*7)\n", "      42\n      ]", "branch=1 [print('a' + 'b')\n      ab\n      ]"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
}

// TestFailOn checks fail_on: with bash: a command that prints
// "Permission denied" fails the awaiting expect at once, naming the
// pattern and showing the line; output not matching goes by.
func TestFailOn(t *testing.T) {
	need(t, "bash")
	t.Parallel()
	code, out, took := runScript(t, `name: fail_on
steps:
  - spawn:
      cmd: [bash, --norc, --noprofile]
      env: {PS1: "$ "}
      fail_on: [Traceback, {re: 'Permission (denied|refused)'}]
  - expect: "$ "
  - send: echo all fine
  - expect: {re: '(?m)^all fine'}
  - send: "touch x.sh; chmod 644 x.sh; ./x.sh; echo done"
  - expect: {re: '(?m)^done', timeout: 20s}
`)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	want := `t.yaml:11:5: expect: bash printed /Permission (denied|refused)/, which its fail_on forbids, while waiting for /(?m)^done/: "bash: ./x.sh: Permission denied"`
	if !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
	if took > 3*time.Second {
		t.Errorf("took %v: fail_on did not fail at once", took)
	}
}

// TestFailOnWholeLine: the line fail_on shows is the whole line, its
// start consumed by an earlier expect included, under a tty and on pipes.
func TestFailOnWholeLine(t *testing.T) {
	t.Parallel()
	for _, tty := range []string{"true", "false"} {
		code, out, _ := runScript(t, `name: fail_on
steps:
  - spawn: {cmd: [sh, -c, "echo ready ERR42 now; sleep 5"], tty: `+tty+`, fail_on: [ERR42]}
  - expect: ready
  - expect: {eof: true}
`)
		want := `t.yaml:5:5: expect: sh printed "ERR42", which its fail_on forbids, while waiting for EOF: "ready ERR42 now"`
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("tty %s: exit %d, want 1 and %q in:\n%s", tty, code, want, out)
		}
	}
}

// TestTimeoutBranch checks {timeout: true} in any: with a program that
// stays silent: the branch runs with its index and the job goes on; with
// prompt:, the prompt coming back takes the timeout branch at once.
func TestTimeoutBranch(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	code, out, took := runScript(t, `name: timeout
steps:
  - spawn: [sleep, "30"]
  - expect:
      timeout: 300ms
      any:
        - never
        - {timeout: true, then: [{log: "silent at ${match.index}"}]}
  - expect:
      idle_timeout: 200ms
      any:
        - {timeout: true, then: [{log: "idle at ${match.index}"}]}
        - never
  - spawn: {cmd: [python3, -q, -i], prompt: ">>> "}
  - expect: ">>> "
  - send: print('nothing here')
  - expect:
      timeout: 20s
      before: instead
      any:
        - wanted
        - {timeout: true, then: [{log: "back at the prompt: ${instead}"}]}
  - log: after
`)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"silent at 1", "idle at 0", "back at the prompt: print('nothing here')\n      nothing here", "after"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if took > 5*time.Second {
		t.Errorf("took %v: the prompt did not end the wait", took)
	}
}

// TestPromptTypedAhead: lines sent at once, without waiting for the prompt
// between them, make bash print its prompts ("> ", and "> " again inside
// a here-document) with the next line's echo right after: none of them
// is the program waiting, and the expect passes.
func TestPromptTypedAhead(t *testing.T) {
	need(t, "bash")
	t.Parallel()
	code, out, _ := runScript(t, `name: typed ahead
steps:
  - spawn: {cmd: [bash, --norc, --noprofile], env: {PS1: "> ", PS2: "> "}, prompt: "> "}
  - expect: "> "
  - send: "cat <<EOF > /dev/null"
  - send: "x > y"
  - send: "EOF"
  - send: "echo a > /dev/null; echo fine"
  - expect: {re: '(?m)^fine'}
  - send: "echo wrong"
  - expect: {re: '(?m)^right', timeout: 20s}
`)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	want := `t.yaml:11:5: expect: bash is waiting at its prompt "> " and printed no /(?m)^right/`
	if !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
}
