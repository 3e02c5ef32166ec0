//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// userTerminal is a terminal made by a test for drover to run on, as a
// user's: the test types into master and reads what drover shows there.
type userTerminal struct {
	t             *testing.T
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	cmd           *osexec.Cmd
	done          chan struct{}
	start         unix.Termios // the modes before drover started
}

// startOnTerminal starts the built drover with args on a new terminal of
// rows x cols, in dir.
func startOnTerminal(t *testing.T, dir string, rows, cols uint16, args ...string) *userTerminal {
	t.Helper()
	return startOnTerminalEnv(t, dir, rows, cols, nil, args...)
}

// startOnTerminalEnv is startOnTerminal with env added to drover's
// environment.
func startOnTerminalEnv(t *testing.T, dir string, rows, cols uint16, env []string, args ...string) *userTerminal {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	u := &userTerminal{t: t, master: master, slave: slave, done: make(chan struct{})}
	u.cmd = osexec.Command(drover, args...)
	u.cmd.Dir = dir
	if env != nil {
		u.cmd.Env = append(os.Environ(), env...)
	}
	u.cmd.Stdin, u.cmd.Stdout, u.cmd.Stderr = slave, slave, slave
	u.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	u.start = u.modes() // Before drover runs: it may make them raw at once.
	if err := u.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(u.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			u.mu.Lock()
			u.out.Write(buf[:n])
			u.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if u.cmd.ProcessState == nil {
			_ = u.cmd.Process.Kill()
			_ = u.cmd.Wait()
		}
		_ = master.Close()
		_ = slave.Close()
		<-u.done
	})
	return u
}

// shown is everything drover showed on the terminal so far.
func (u *userTerminal) shown() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.out.String()
}

// waitFor waits until the terminal shows want n times in all.
func (u *userTerminal) waitFor(want string, n int) {
	u.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(u.shown(), want) < n {
		if time.Now().After(deadline) {
			u.t.Fatalf("the terminal never showed %q %d times:\n%q", want, n, u.shown())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// showed reports whether the terminal shows want within a few seconds:
// what drover wrote just before it exited may still be on its way.
func (u *userTerminal) showed(want string) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(u.shown(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// typeKeys types keys on the terminal.
func (u *userTerminal) typeKeys(keys string) {
	u.t.Helper()
	if _, err := u.master.Write([]byte(keys)); err != nil {
		u.t.Fatal(err)
	}
}

// wait waits for drover to exit and returns its exit code.
func (u *userTerminal) wait() int {
	u.t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- u.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = u.cmd.Process.Kill()
		<-exited
		u.t.Fatalf("drover did not exit:\n%q", u.shown())
	}
	return u.cmd.ProcessState.ExitCode()
}

// modes are the terminal's modes, as drover found them.
func (u *userTerminal) modes() unix.Termios {
	u.t.Helper()
	tio, err := unix.IoctlGetTermios(int(u.slave.Fd()), unix.TCGETS)
	if err != nil {
		u.t.Fatal(err)
	}
	return *tio
}

// replayOK checks that drover check accepts the recorded file and that
// drover run replays it, with args, and returns the replay's output.
func replayOK(t *testing.T, dir, file string, args ...string) string {
	t.Helper()
	if code, out, errs := droverRun(t, dir, "check", file); code != 0 {
		t.Fatalf("drover check of the recording: exit %d\n%s%s\n%s", code, out, errs, readFile(t, file))
	}
	code, out, errs := droverRun(t, dir, append(append([]string{"run"}, args...), file)...)
	if code != 0 {
		t.Fatalf("the replay: exit %d\n%s%s\nthe recording:\n%s", code, out, errs, readFile(t, file))
	}
	return out + errs
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRecordBC records a session with bc (readline: echo and line
// editing off while it reads a line, bc echoing the keys itself), on a
// terminal of 30x100, with a typo taken back with backspace, and replays
// it; the terminal's modes are those from before.
func TestRecordBC(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir := t.TempDir()
	u := startOnTerminal(t, dir, 30, 100, "record", "-o", "bc.yaml", "--", "bc", "-q")
	before := u.start
	u.waitFor("", 0)
	time.Sleep(300 * time.Millisecond) // bc reading its first line
	u.typeKeys("2+3\r")
	u.waitFor("5\r\n", 1)
	u.typeKeys("x=7\r")
	u.waitFor("x=7", 1)
	u.typeKeys("x*9\x7f6\r") // a typo taken back: x*6
	u.waitFor("42\r\n", 1)
	u.typeKeys("quit\r")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	if after := u.modes(); after != before {
		t.Errorf("the terminal's modes were not restored:\nbefore %+v\nafter  %+v", before, after)
	}
	if !u.showed("bc.yaml") {
		t.Errorf("drover record did not say where the session went:\n%q", u.shown())
	}
	file := filepath.Join(dir, "bc.yaml")
	src := readFile(t, file)
	for _, want := range []string{
		`spawn: {cmd: ["bc", "-q"], size: 30x100}`, `send: "2+3"`, `expect: "5\n"`,
		`send: "x*6"`, `expect: "42\n"`, `send: "quit"`, `wait: {exit: 0}`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the recording lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "secret") {
		t.Errorf("a line bc echoed was taken for a secret:\n%s", src)
	}

	replayOK(t, dir, file)
}

// TestRecordResize records a shell session in which the user's terminal
// grows: stty size says so in the session, the recording resizes where
// it happened, and its replay, which checks what stty said, passes.
func TestRecordResize(t *testing.T) {
	need(t, "stty")
	t.Parallel()
	dir := t.TempDir()
	// The prompt set by the command, which the replay runs too: a
	// shell's own is "# " for root.
	u := startOnTerminal(t, dir, 30, 100, "record", "-o", "sh.yaml", "--", "env", "ENV=", "PS1=$ ", "sh")
	u.waitFor("$ ", 1)
	u.typeKeys("stty size\r")
	u.waitFor("30 100\r\n", 1)
	u.waitFor("$ ", 2) // Its prompt again: the resize comes after it.
	if err := pty.Setsize(u.master, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err) // The kernel sends drover, in the foreground, SIGWINCH.
	}
	programSize(t, u.cmd.Process.Pid, "40x120") // drover has passed it on.
	u.typeKeys("stty size\r")
	u.waitFor("40 120\r\n", 1)
	u.typeKeys("exit\r")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	file := filepath.Join(dir, "sh.yaml")
	src := readFile(t, file)
	want := `  - spawn: {cmd: ["env", "ENV=", "PS1=$$ ", "sh"], size: 30x100}
  - expect: "$$ "
  - send: "stty size"
  - expect: "30 100\n"
  - expect: "$$ "
  - resize: 40x120
  - send: "stty size"
  - expect: "40 120\n"
`
	if !strings.Contains(src, want) {
		t.Errorf("the recording lacks\n%s\n%s", want, src)
	}
	replayOK(t, dir, file)
}

// programSize waits until the terminal of the program drover (pid) runs
// has size (ROWSxCOLS): its stdin, opened through /proc.
func programSize(t *testing.T, pid int, size string) {
	t.Helper()
	got := "none"
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, kid := range childrenOf(pid) {
			f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/0", kid), os.O_RDONLY|syscall.O_NOCTTY, 0)
			if err != nil {
				continue
			}
			ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
			_ = f.Close()
			if err == nil {
				if got = fmt.Sprintf("%dx%d", ws.Row, ws.Col); got == size {
					return
				}
			}
		}
	}
	t.Fatalf("the program's terminal is %s, want %s", got, size)
}

// passwordProgram reads a password with echo off (getpass), then a name
// with echo on, and exits 3.
const passwordProgram = `import getpass, sys
p = getpass.getpass("Password: ")
print("right" if p == "hunter2-secret" else "wrong")
n = input("name> ")
print("hello " + n)
sys.exit(3)
`

// TestRecordSecret records a session with a program that reads a
// password with echo off: the password is a secret send of a variable,
// and it appears nowhere: not in the file, not in the replay's output,
// transcript or recording, not on the terminal of a replay with -v. The
// replay passes with the password given by --var, and fails with a wrong
// one.
func TestRecordSecret(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "pw.py", passwordProgram)
	u := startOnTerminal(t, dir, 24, 80, "record", "--", "python3", "pw.py")
	before := u.start
	u.waitFor("Password: ", 1)
	u.typeKeys("hunter2-secret\r")
	u.waitFor("name> ", 1) // Typed at the prompt, as a person would: before it, the recording says so.
	u.typeKeys("bob\r")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	if after := u.modes(); after != before {
		t.Errorf("the terminal's modes were not restored:\nbefore %+v\nafter  %+v", before, after)
	}
	if !u.showed("--var secret1=... session.yaml") {
		t.Errorf("drover record did not say how to replay:\n%q", u.shown())
	}
	file := filepath.Join(dir, "session.yaml")
	src := readFile(t, file)
	for _, want := range []string{
		`spawn: ["python3", "pw.py"]`, `expect: "Password: "`,
		`send: {text: "${secret1}", secret: true}`, `secret1: ""`,
		`expect: "right\n"`, `expect: "name> "`, `send: "bob"`, `expect: "hello bob\n"`, `wait: {exit: 3}`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the recording lacks %q:\n%s", want, src)
		}
	}
	const pw = "hunter2"
	if strings.Contains(src, pw) {
		t.Fatalf("the password is in the recording:\n%s", src)
	}
	tr := filepath.Join(dir, "tr")
	out := replayOK(t, dir, file, "-v", "--transcripts", tr, "--var", "secret1=hunter2-secret")
	if strings.Contains(out, pw) {
		t.Errorf("the replay printed the password:\n%s", out)
	}
	entries, err := os.ReadDir(tr)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, e := range entries {
		if b := readFile(t, filepath.Join(tr, e.Name())); strings.Contains(b, pw) {
			t.Errorf("the transcript %s holds the password:\n%s", e.Name(), b)
		}
	}
	raw := runOnTerminal(t, dir, []string{"TERM=xterm"}, "run", "-v", "--var", "secret1=hunter2-secret", file)
	if strings.Contains(raw, pw) || !strings.Contains(raw, "1 passed") {
		t.Errorf("the replay on a terminal showed the password, or failed:\n%q", raw)
	}
	if code, _, _ := droverRun(t, dir, "run", "--var", "secret1=wrong-secret", file); code != 1 {
		t.Errorf("the replay with a wrong password: exit %d, want 1", code)
	}
}

// TestRecordPythonControl records python3 -i (readline) with a Ctrl-C
// that interrupts a line half typed, an arrow key, and Ctrl-D to end
// it; the replay passes.
func TestRecordPythonControl(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	dir := t.TempDir()
	u := startOnTerminal(t, dir, 24, 80, "record", "-o", "py.yaml", "--", "python3", "-i", "-q")
	u.waitFor(">>> ", 1)
	u.typeKeys("6*7\r")
	u.waitFor("42\r\n", 1)
	u.waitFor(">>> ", 2)
	u.typeKeys("1/0")
	u.waitFor("1/0", 1)
	time.Sleep(250 * time.Millisecond) // python's readline loses a ^C that comes too soon
	u.typeKeys("\x03")
	u.waitFor("KeyboardInterrupt", 1)
	u.waitFor(">>> ", 3)
	u.typeKeys("'a$b'\x1b[D\x1b[D\x1b[C\r")
	u.waitFor("'a$b'\r\n", 1)
	u.waitFor(">>> ", 4)
	u.typeKeys("\x04")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	file := filepath.Join(dir, "py.yaml")
	src := readFile(t, file)
	for _, want := range []string{
		`send: "6*7"`, `expect: "42\n"`, `send: {raw: "1/0"}`, `send: {control: "c"}`,
		`expect: "KeyboardInterrupt\n"`, `send: {raw: "'a$$b'"}`, `send: {raw: "\e[D"}`, `send: {raw: "\e[C"}`,
		`send: {control: "d"}`, `wait: {exit: 0}`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the recording lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "secret") {
		t.Errorf("a line python echoed was taken for a secret:\n%s", src)
	}
	replayOK(t, dir, file)
}

// TestRecordUsage: bad usage exits 2 before anything runs, saying why;
// --help explains.
func TestRecordUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record"}, "no command given"},
		{[]string{"record", "-o", "d", "--", "bc"}, "d is a directory"},
		{[]string{"record", "-o", "", "--", "bc"}, "-o wants a file name"},
		{[]string{"record", "--", "bc"}, "stdin is not a terminal"},
		{[]string{"record", "--nope", "--", "bc"}, "unknown flag: --nope"},
	} {
		code, out, errs := droverRun(t, dir, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("drover %s: exit %d, stderr %q, stdout %q; want exit 2 and %q", strings.Join(c.args, " "), code, errs, out, c.want)
		}
	}
	code, out, _ := droverRun(t, dir, "record", "--help")
	if code != 0 || !strings.Contains(out, "Usage: drover record [-o FILE] -- CMD") || !strings.Contains(out, "--var secret1=") {
		t.Errorf("drover record --help: exit %d\n%s", code, out)
	}
	// On a terminal: a program that is not installed, a missing directory.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "--", "no-such-program-x"}, `program "no-such-program-x" is not installed`},
		{[]string{"record", "-o", "missing/s.yaml", "--", "bc"}, "cannot write missing/s.yaml: no such file or directory"},
	} {
		u := startOnTerminal(t, dir, 24, 80, c.args...)
		if code := u.wait(); code != 2 || !u.showed(c.want) {
			t.Errorf("drover %s: exit %d; want exit 2 and %q:\n%q", strings.Join(c.args, " "), code, c.want, u.shown())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestRecordSymlink: -o naming a symbolic link replaces the link, and
// never writes through it.
func TestRecordSymlink(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "s.yaml")); err != nil {
		t.Fatal(err)
	}
	u := startOnTerminal(t, dir, 24, 80, "record", "-o", "s.yaml", "--", "bc", "-q")
	time.Sleep(300 * time.Millisecond)
	u.typeKeys("quit\r")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	if b := readFile(t, target); b != "precious\n" {
		t.Errorf("written through the link: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "s.yaml")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("s.yaml is not a file now: %v %v", fi, err)
	}
	if src := readFile(t, filepath.Join(dir, "s.yaml")); !strings.Contains(src, `send: "quit"`) {
		t.Errorf("the recording:\n%s", src)
	}
}

// TestRecordSignal: drover record killed with SIGTERM while the program
// runs hangs the program up, restores the terminal, writes nothing and
// exits 143.
func TestRecordSignal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := uniqueSleep()
	u := startOnTerminal(t, dir, 24, 80, "record", "--", "sh", "-c", "echo ready; exec sleep "+marker)
	before := u.start
	u.waitFor("ready", 1)
	start := time.Now()
	_ = u.cmd.Process.Signal(syscall.SIGTERM)
	if code := u.wait(); code != 143 {
		t.Errorf("exit %d, want 143:\n%q", code, u.shown())
	}
	waitNoneLeft(t, "sleep\x00"+marker, u.shown())
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s to stop: it waited for the program", d)
	}
	if after := u.modes(); after != before {
		t.Errorf("the terminal's modes were not restored:\nbefore %+v\nafter  %+v", before, after)
	}
	if _, err := os.Stat(filepath.Join(dir, "session.yaml")); err == nil {
		t.Errorf("a recording was written after a signal")
	}
	if !u.showed("stopped by a signal; session.yaml not written") {
		t.Errorf("drover record did not say so:\n%q", u.shown())
	}
}

// TestRecordKilled: a program that dies of a signal is waited for with
// that signal, after its last line; the replay passes.
func TestRecordKilled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	u := startOnTerminal(t, dir, 24, 80, "record", "--", "sh", "-c", "echo bye now; kill -TERM $$")
	if code := u.wait(); code != 0 {
		t.Fatalf("drover record: exit %d\n%s", code, u.shown())
	}
	if !u.showed("sh exited by signal TERM") {
		t.Errorf("drover record did not say how the program ended:\n%q", u.shown())
	}
	file := filepath.Join(dir, "session.yaml")
	src := readFile(t, file)
	if !strings.Contains(src, "  - expect: \"bye now\\n\"\n  - wait: {signal: TERM}\n") {
		t.Errorf("the recording:\n%s", src)
	}
	replayOK(t, dir, file)
}
