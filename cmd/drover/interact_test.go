//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// operator is drover run under a terminal of the test's own, as a user's
// (a userTerminal of 33x101, TERM=xterm, no colour): the test types on
// it, reads what drover shows, and reads the terminal's modes.
type operator struct {
	*userTerminal
	before *unix.Termios // the modes before drover ran
}

func startOperator(t *testing.T, dir string, args ...string) *operator {
	t.Helper()
	u := startOnTerminalEnv(t, dir, 33, 101, []string{"TERM=xterm", "NO_COLOR=1"}, args...)
	return &operator{userTerminal: u, before: &u.start}
}

// output is what drover showed so far.
func (o *operator) output() string { return o.shown() }

// waitFor waits until drover has shown text.
func (o *operator) waitFor(text string) {
	o.t.Helper()
	o.userTerminal.waitFor(text, 1)
}

// handed waits until drover has handed the terminal over: it said so, and
// the terminal is raw. It says so just before making it raw, and keys
// typed in between are the cooked terminal's: ^C there is a SIGINT to
// drover.
func (o *operator) handed() {
	o.t.Helper()
	o.waitFor("gives it back")
	o.waitRaw()
}

// waitRaw waits until the terminal is raw.
func (o *operator) waitRaw() {
	o.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); o.termios().Lflag&unix.ICANON != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			o.t.Fatalf("the terminal was not made raw in 20s; drover showed:\n%q", o.output())
		}
	}
}

// waitFile waits until the file holds text.
func (o *operator) waitFile(path, text string) {
	o.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), text) {
			return
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("%s did not get %q in 20s: %q; drover showed:\n%q", path, text, b, o.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// termios reads the terminal's modes.
func (o *operator) termios() *unix.Termios {
	o.t.Helper()
	tio := o.modes()
	return &tio
}

// exit waits for drover to exit and returns its exit code.
// wentOn checks that drover exited 0 with the terminal's modes restored
// and that the script went on (its "log: went on") after the interact,
// which ended as after says.
func (o *operator) wentOn(after string) {
	o.t.Helper()
	if code := o.exit(); code != 0 {
		o.t.Fatalf("exit %d, want 0:\n%s", code, o.output())
	}
	sameModes(o.t, o.before, o.termios())
	if !o.showed("went on") { // What drover wrote last may be on its way.
		o.t.Errorf("the script did not go on after %s:\n%s", after, o.output())
	}
}

func (o *operator) exit() int {
	o.t.Helper()
	return o.wait()
}

// sameModes fails unless the terminal's modes are back to before.
func sameModes(t *testing.T, before, after *unix.Termios) {
	t.Helper()
	if before.Iflag != after.Iflag || before.Oflag != after.Oflag || before.Lflag != after.Lflag || before.Cflag != after.Cflag || before.Cc != after.Cc {
		t.Errorf("the terminal's modes were not restored:\nbefore %+v\nafter  %+v", before, after)
	}
}

const interactShell = `  - spawn: {cmd: [sh], env: {PS1: "sh$ "}}
  - expect: "sh$ "
`

// TestInteractEscape: interact hands the terminal to sh, in raw mode and
// with its window size; what the operator types reaches sh; the escape
// key gives the terminal back, its modes restored, and the script goes on.
func TestInteractEscape(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "handover.yaml", "name: handover\nsteps:\n"+interactShell+`  - interact:
  - send: "echo after-interact >> got.txt"
  - expect: "sh$ "
  - log: went on
  - send: exit
  - wait:
`)
	o := startOperator(t, dir, "run", path)
	o.handed()
	o.waitFor("sh$ ") // The prompt an expect consumed, shown again.
	if tio := o.termios(); tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 {
		t.Errorf("during interact the terminal is not raw: lflag %#o", tio.Lflag)
	}
	o.typeKeys("stty size >> got.txt; echo typed-by-hand >> got.txt\r")
	o.waitFile(filepath.Join(dir, "got.txt"), "typed-by-hand")
	o.typeKeys("\x1d")
	o.wentOn("the escape key")
	got, _ := os.ReadFile(filepath.Join(dir, "got.txt"))
	if string(got) != "33 101\ntyped-by-hand\nafter-interact\n" {
		t.Errorf("sh wrote %q, want the window size, the typed line, then the script's", got)
	}
}

// TestInteractUntil: until: gives the terminal back when its text appears
// in the output (not in the echo of the typed command); the output after
// the match is left for the next expect.
func TestInteractUntil(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "until.yaml", "name: until\nsteps:\n"+interactShell+`  - interact: {until: {text: bye-now}}
  - expect: {text: "sh$ ", timeout: 5s}
  - send: "echo after-interact >> got.txt"
  - expect: "sh$ "
  - log: went on
  - send: exit
  - wait:
`)
	o := startOperator(t, dir, "run", path)
	o.handed()
	o.typeKeys("echo typed-by-hand >> got.txt\r")
	o.waitFile(filepath.Join(dir, "got.txt"), "typed-by-hand")
	o.typeKeys("echo bye-n''ow\r")
	o.wentOn("until")
	got, _ := os.ReadFile(filepath.Join(dir, "got.txt"))
	if string(got) != "typed-by-hand\nafter-interact\n" {
		t.Errorf("sh wrote %q", got)
	}
}

// TestInteractExit: the process's exit ends interact; the step passes and
// a later wait checks the exit status.
func TestInteractExit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "exit.yaml", "name: exits\nsteps:\n"+interactShell+`  - interact:
  - wait: {exit: 3}
  - log: went on
`)
	o := startOperator(t, dir, "run", path)
	o.handed()
	o.typeKeys("exit 3\r")
	o.wentOn("the exit")
}

// TestInteractNoTerminal: where stdin is not a terminal, interact with
// optional: true is skipped with a log line; without, it fails saying
// why and what to do.
func TestInteractNoTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := writeScript(t, dir, "opt.yaml", "name: opt\nsteps:\n  - spawn: [cat]\n  - interact: {optional: true}\n  - log: went on\n")
	code, out, _ := droverRun(t, dir, "run", opt)
	if code != 0 || !strings.Contains(out, "interact skipped: no terminal") || !strings.Contains(out, "went on") {
		t.Errorf("optional interact without a terminal: exit %d\n%s", code, out)
	}
	must := writeScript(t, dir, "must.yaml", "name: must\nsteps:\n  - spawn: [cat]\n  - interact:\n  - log: went on\n")
	code, out, _ = droverRun(t, dir, "run", must)
	if code != 1 || !strings.Contains(out, "must.yaml:4:5: interact: drover has no terminal") || !strings.Contains(out, "optional: true") || strings.Contains(out, "went on") {
		t.Errorf("interact without a terminal: exit %d\n%s", code, out)
	}
}

// TestInteractSecret: what the operator types while the program's
// terminal does not echo (a password, to getpass) reaches the program but
// never the transcript nor the recording; what is typed with echo on is
// recorded as input.
func TestInteractSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "secret.yaml", `name: secret
steps:
  - spawn: {cmd: [python3, -c, "import getpass; p = getpass.getpass('Password: '); print('length', len(p)); n = input('name: '); print('hello', n)"]}
  - expect: "Password: "
  - interact:
  - wait:
`)
	trans := filepath.Join(dir, "trans")
	o := startOperator(t, dir, "run", "--transcripts", trans, path)
	o.handed()
	o.waitFor("Password: ")
	o.typeKeys("hunter2-swordfish\r")
	o.waitFor("length 17")
	o.waitFor("name: ")
	o.typeKeys("visible-name\r")
	if code := o.exit(); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, o.output())
	}
	if !o.showed("hello visible-name") { // What drover wrote last may be on its way.
		t.Errorf("the operator did not see the program's answer:\n%s", o.output())
	}
	files, _ := filepath.Glob(filepath.Join(trans, "*"))
	var log, cast string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "hunter2") {
			t.Errorf("%s holds the password:\n%s", f, b)
		}
		switch filepath.Ext(f) {
		case ".log":
			log = string(b)
		case ".cast":
			cast = string(b)
		}
	}
	if !strings.Contains(log, "> ******") || !strings.Contains(log, "> visible-name") || !strings.Contains(log, "length 17") {
		t.Errorf("the transcript lacks the masked password, the typed name or the output:\n%s", log)
	}
	if !strings.Contains(cast, `"i","******"`) || !strings.Contains(cast, `"i","v`) {
		t.Errorf("the recording lacks the typed keys as input:\n%s", cast)
	}
}

// TestInteractHostile: in raw mode ^C is a key for the process (drover
// goes on); a SIGTERM to drover, or the script's timeout, ends interact
// mid-way, and the terminal's modes are restored all the same.
func TestInteractHostile(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"ctrl-c", "sigterm", "timeout"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			timeout := "60s"
			if how == "timeout" {
				timeout = "3s"
			}
			path := writeScript(t, dir, "hostile.yaml", "name: hostile\ntimeout: "+timeout+"\nsteps:\n"+interactShell+`  - interact:
  - log: went on
`)
			o := startOperator(t, dir, "run", path)
			o.handed()
			want, says := 0, "went on"
			switch how {
			case "ctrl-c":
				// sleep would hold the shell for 30s: ^C ends it at once,
				// and drover is still there to pass the next line on. The
				// ^C waits for the command to run, with SIGINT's default
				// action: before that sh could take it for itself.
				o.typeKeys("sh -c 'echo > started.txt; exec sleep 30'\r")
				o.waitFile(filepath.Join(dir, "started.txt"), "\n")
				o.typeKeys("\x03")
				o.typeKeys("echo still-here >> got.txt\r")
				o.waitFile(filepath.Join(dir, "got.txt"), "still-here")
				o.typeKeys("\x1d")
			case "sigterm":
				if err := o.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				want, says = 143, "interrupted (SIGTERM)"
			case "timeout":
				want, says = 1, "interact: script timeout 3s reached"
			}
			if code := o.exit(); code != want {
				t.Fatalf("exit %d, want %d:\n%s", code, want, o.output())
			}
			sameModes(t, o.before, o.termios())
			if !o.showed(says) || strings.Contains(o.output(), "context") {
				t.Errorf("the output lacks %q (or names a Go context):\n%s", says, o.output())
			}
		})
	}
}

// TestInteractJobsTakeTurns: two jobs that interact at once take the
// terminal one at a time: each gets all the keys typed while it has it.
func TestInteractJobsTakeTurns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "turns.yaml", `name: turns
matrix: {n: [1, 2]}
steps:
  - spawn: {cmd: [sh], env: {PS1: "sh$ ", JOB: "${n}"}}
  - expect: "sh$ "
  - interact:
`)
	o := startOperator(t, dir, "run", "-j", "2", path)
	got := filepath.Join(dir, "got.txt")
	for turn := 1; turn <= 2; turn++ {
		for deadline := time.Now().Add(20 * time.Second); strings.Count(o.output(), "gives it back") < turn; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("turn %d never came:\n%s", turn, o.output())
			}
		}
		if turn == 1 {
			// The other job, as ready, waits: it does not take the terminal too.
			time.Sleep(500 * time.Millisecond)
			if n := strings.Count(o.output(), "gives it back"); n != 1 {
				t.Fatalf("%d jobs hold the terminal at once:\n%s", n, o.output())
			}
		}
		o.waitRaw()
		o.typeKeys("echo job-$JOB >> got.txt\r")
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			b, _ := os.ReadFile(got)
			if strings.Count(string(b), "job-") == turn {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("turn %d: got.txt is %q", turn, b)
			}
		}
		o.typeKeys("\x1d")
	}
	if code := o.exit(); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, o.output())
	}
	sameModes(t, o.before, o.termios())
	b, _ := os.ReadFile(got)
	if s := string(b); s != "job-1\njob-2\n" && s != "job-2\njob-1\n" {
		t.Errorf("got.txt is %q, want one line of each job", s)
	}
}
