//go:build unix

package exec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	osexec "os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/creack/pty"
)

// helperEnv names the helper that a test binary started by helperCmd
// impersonates instead of running the tests.
const helperEnv = "DROVER_TEST_HELPER"

// helpers are the programs the test binary impersonates, as in os/exec's
// own tests: helperCmd starts the binary with helperEnv set, and TestMain
// runs the named function with the remaining arguments, then exits 0.
// When the whole suite runs and passes, every helper must have been used.
var helpers = map[string]func(args ...string){
	"cat":           helperCat,
	"close-stdout":  helperCloseStdout,
	"daemon":        helperDaemon,
	"daemon-middle": helperDaemonMiddle,
	"echo":          helperEcho,
	"exit":          helperExit,
	"grandchildren": helperGrandchildren,
	"hang":          helperHang,
	"ignore-term":   helperIgnoreTerm,
	"kill-all":      helperKillAll,
	"lots":          helperLots,
	"orphan":        helperOrphan,
	"outerr":        helperOutErr,
	"size":          helperSize,
	"spawn-foreign": helperSpawnForeign,
	"tty-prompt":    helperTTYPrompt,
	"where":         helperWhere,
	"write":         helperWrite,
	"tick":          helperTick,
	"raw-hang":      helperRawHang,
}

var helperUsed sync.Map // helper name -> true

func init() {
	if os.Getenv(helperEnv) == "spawn-foreign" {
		// Its children must come from the main thread, whose children
		// the orphan reaper looks at; main runs on it only if locked in
		// an init function.
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		f := helpers[name]
		if f == nil {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
			os.Exit(2)
		}
		f(os.Args[1:]...)
		os.Exit(0)
	}
	flag.Parse()
	// As drover does: orphans of the processes the tests start come back
	// to the test binary, to be ended with their trees and reaped.
	if err := BecomeSubreaper(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprintln(os.Stderr, "BecomeSubreaper:", err)
		os.Exit(2)
	}
	code := m.Run()
	if code == 0 && ranEverything() {
		for _, name := range slices.Sorted(maps.Keys(helpers)) {
			if _, ok := helperUsed.Load(name); !ok {
				fmt.Fprintf(os.Stderr, "helper %q is registered but no test used it\n", name)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// ranEverything reports whether this run ran every test: no -run, -skip or
// -list selected some, and it is not a fuzzing worker.
func ranEverything() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	f := flag.Lookup("test.fuzzworker")
	return f == nil || f.Value.String() != "true"
}

// helperCmd returns a Cmd that runs the named helper with args.
func helperCmd(t testing.TB, name string, args ...string) *Cmd {
	t.Helper()
	if helpers[name] == nil {
		t.Fatalf("no helper named %q", name)
	}
	helperUsed.Store(name, true)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &Cmd{Args: append([]string{exe}, args...), Env: helperEnviron(name)}
}

// helperEnviron is the environment of a process that runs helper name.
// Built with -race, a helper would sleep a second before it exits
// (GORACE's atexit_sleep_ms); it need not.
func helperEnviron(name string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, helperEnv+"=") || strings.HasPrefix(kv, "GORACE=")
	})
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	return append(env, helperEnv+"="+name, "GORACE="+gorace)
}

// testContext returns a context that ends after d or with the test: the
// deadline of every call that could hang.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// mustStart starts c and kills what is left of it when the test ends.
func mustStart(t testing.TB, ctx context.Context, c *Cmd) *Process {
	t.Helper()
	p, err := Start(ctx, c)
	if err != nil {
		t.Fatalf("Start(%q): %v", c.Args, err)
	}
	t.Cleanup(func() {
		_ = p.Terminate(context.Background(), 0) // Kills the group; returns once it is reaped.
	})
	return p
}

// expect is p.Expect that fails the test when nothing matches.
func expect(t testing.TB, ctx context.Context, p *Process, s Stream, pats ...Pattern) *Match {
	t.Helper()
	m, err := p.Expect(ctx, s, pats...)
	if err != nil {
		t.Fatalf("Expect(%s, %s): %v", s, describe(pats), err)
	}
	return m
}

// send is p.Send that fails the test on an error.
func send(t testing.TB, ctx context.Context, p *Process, s string) {
	t.Helper()
	if err := p.Send(ctx, []byte(s)); err != nil {
		t.Fatalf("Send(%q): %v", s, err)
	}
}

// waitGone waits until the process pid is gone: kill(pid, 0) fails with
// ESRCH, or it is a zombie that only waits for init to reap it. An orphan
// is reaped by init, not by us, so polling is the only way to see it go.
func waitGone(t testing.TB, ctx context.Context, pid int) {
	t.Helper()
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("process %d still runs: kill(pid, 0) = %v", pid, err)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isZombie reports whether pid has exited but is not yet reaped. It knows
// only Linux's /proc; elsewhere it says no.
func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && bytes.HasPrefix(b[i:], []byte(") Z"))
}

// transcript records the raw output a Process passes to Cmd.Observe, so
// that a test can wait until a chunk has been read.
type transcript struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // capacity 1
}

func newTranscript() *transcript { return &transcript{changed: make(chan struct{}, 1)} }

func (tr *transcript) observe(_ Stream, b []byte) {
	tr.mu.Lock()
	tr.buf.Write(b)
	tr.mu.Unlock()
	select {
	case tr.changed <- struct{}{}:
	default:
	}
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.buf.String()
}

// waitFor waits until the raw output holds s.
func (tr *transcript) waitFor(ctx context.Context, s string) error {
	for !strings.Contains(tr.String(), s) {
		select {
		case <-tr.changed:
		case <-ctx.Done():
			return fmt.Errorf("raw output %q never held %q: %w", tr.String(), s, ctx.Err())
		}
	}
	return nil
}

// echoOff turns off the echo of the terminal f, as a password prompt does.
func echoOff(f *os.File) error {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ioctlGetTermios, uintptr(unsafe.Pointer(&t))); e != 0 {
		return e
	}
	t.Lflag &^= syscall.ECHO
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ioctlSetTermios, uintptr(unsafe.Pointer(&t))); e != 0 {
		return e
	}
	return nil
}

// The helpers. Each one runs in a process of its own and ends it.

func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "helper:", err)
	os.Exit(1)
}

// helperCat copies stdin to stdout, like cat.
func helperCat(...string) {
	if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
		fail(err)
	}
}

// helperCloseStdout prints "closing", closes stdout, says so on stderr and
// keeps running.
func helperCloseStdout(...string) {
	fmt.Println("closing")
	_ = os.Stdout.Close() // The point of the helper.
	fmt.Fprintln(os.Stderr, "stdout closed")
	sleepForever()
}

// helperEcho [-noecho] PREFIX prints each line it reads back, prefixed.
// With -noecho it first turns off the echo of its terminal, then prints
// "ready".
func helperEcho(args ...string) {
	if len(args) > 0 && args[0] == "-noecho" {
		if err := echoOff(os.Stdin); err != nil {
			fail(err)
		}
		args = args[1:]
		fmt.Println("ready")
	}
	prefix := strings.Join(args, " ")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Printf("%s%s\n", prefix, sc.Text())
	}
}

// helperExit N exits with code N.
func helperExit(args ...string) {
	n, err := strconv.Atoi(args[0])
	if err != nil {
		fail(err)
	}
	os.Exit(n)
}

// helperGrandchildren HELPER [setsid] [ignore-term] starts two children
// that run HELPER (hang or ignore-term) in its own process group, or each
// in a session of its own with "setsid", waits until both are ready,
// prints "pids A B" and hangs; with "ignore-term", ignoring SIGTERM.
func helperGrandchildren(args ...string) {
	if slices.Contains(args[1:], "ignore-term") {
		signal.Ignore(syscall.SIGTERM)
	}
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	var pids []int
	var outs []io.ReadCloser
	for range 2 {
		c := osexec.Command(exe)
		c.Env = helperEnviron(args[0])
		if slices.Contains(args[1:], "setsid") {
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		}
		out, err := c.StdoutPipe()
		if err != nil {
			fail(err)
		}
		if err := c.Start(); err != nil {
			fail(err)
		}
		// The child says "ready" once its signal handling is in place. Its
		// pipe stays open so that it never sees SIGPIPE.
		if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			fail(fmt.Errorf("child said %q: %v", line, err))
		}
		pids = append(pids, c.Process.Pid)
		outs = append(outs, out)
	}
	fmt.Printf("pids %d %d\n", pids[0], pids[1])
	keepOpen = outs // Not collected, so not closed.
	sleepForever()
}

var keepOpen any

// helperDaemon MODE HELPER ARGS... detaches a daemon the classic way: a
// child of its own starts a session of its own (setsid), starts HELPER
// ARGS in it, waits for its "ready" line and exits, so that the daemon
// is an orphan outside the group and the session it came from. Then it
// prints "daemon PID" and, by MODE, exits ("exit") or hangs ("stay"). The
// daemon keeps none of its output open. With MODE "exit-clean" the daemon
// gets an environment without MarkerVar, as after env -i.
func helperDaemon(args ...string) {
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	c := osexec.Command(exe, args...)
	c.Env = helperEnviron("daemon-middle")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := c.Output()
	if err != nil {
		fail(fmt.Errorf("daemon-middle: %v", err))
	}
	fmt.Printf("daemon %s", out)
	if args[0] == "stay" {
		sleepForever()
	}
}

// helperDaemonMiddle MODE HELPER ARGS... is helperDaemon's middle child:
// it starts HELPER ARGS, waits for its "ready" line, prints its pid and
// exits.
func helperDaemonMiddle(args ...string) {
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	c := osexec.Command(exe, args[2:]...)
	c.Env = helperEnviron(args[1])
	if args[0] == "exit-clean" {
		c.Env = slices.DeleteFunc(c.Env, func(kv string) bool { return strings.HasPrefix(kv, MarkerVar+"=") })
	}
	out, err := c.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := c.Start(); err != nil {
		fail(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		fail(fmt.Errorf("daemon said %q: %v", line, err))
	}
	fmt.Printf("%d\n", c.Process.Pid)
}

// helperHang prints "ready" and sleeps forever.
func helperHang(...string) {
	fmt.Println("ready")
	sleepForever()
}

// helperIgnoreTerm ignores SIGTERM, prints "ready" and sleeps forever.
func helperIgnoreTerm(...string) {
	signal.Ignore(syscall.SIGTERM)
	fmt.Println("ready")
	sleepForever()
}

// lotsLine is the filler helperLots prints; it holds no "start" and no
// upper-case letter, so markers never occur in it.
const lotsLine = "the quick brown fox jumps over the lazy dog 0123456789\n"

// helperLots N MARKER prints "start", then N bytes of filler lines, then
// MARKER and a newline.
func helperLots(args ...string) {
	n, err := strconv.Atoi(args[0])
	if err != nil {
		fail(err)
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	w.WriteString("start\n")
	for n > 0 {
		k := min(n, len(lotsLine))
		w.WriteString(lotsLine[:k])
		n -= k
	}
	w.WriteString(args[1] + "\n")
	if err := w.Flush(); err != nil {
		fail(err)
	}
}

// helperOrphan starts a child that hangs holding its stdout and stderr,
// prints "orphan PID" and exits 0 without waiting for it.
func helperOrphan(...string) {
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	c := osexec.Command(exe)
	c.Env = helperEnviron("hang")
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		fail(err)
	}
	fmt.Printf("orphan %d\n", c.Process.Pid)
}

// helperOutErr [CODE] prints "to stdout" on stdout and "to stderr" on
// stderr, then exits with CODE (default 0).
func helperOutErr(args ...string) {
	fmt.Fprintln(os.Stdout, "to stdout")
	fmt.Fprintln(os.Stderr, "to stderr")
	if len(args) > 0 {
		helperExit(args...)
	}
}

// helperSize prints the size of the terminal on stdin: "size ROWS COLS".
func helperSize(...string) {
	ws, err := pty.GetsizeFull(os.Stdin)
	if err != nil {
		fail(err)
	}
	fmt.Printf("size %d %d\n", ws.Rows, ws.Cols)
}

// helperTTYPrompt asks for a password the way getpass does: it opens
// /dev/tty, turns its echo off, writes "password: " to it and reads a
// line from it; then it prints "got LINE" on stdout.
func helperTTYPrompt(...string) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		fail(err)
	}
	if err := echoOff(tty); err != nil {
		fail(err)
	}
	fmt.Fprint(tty, "password: ")
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil {
		fail(err)
	}
	fmt.Fprint(tty, "\n")
	fmt.Printf("got %s\n", strings.TrimRight(line, "\r\n"))
}

// helperWhere NAME prints its working directory and $NAME.
func helperWhere(args ...string) {
	wd, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	fmt.Printf("dir %s\nenv %s\n", wd, os.Getenv(args[0]))
}

// helperSpawnForeign CODE is a program that is a subreaper itself and
// starts a child of its own with os/exec, not with this package, exiting
// with CODE: it waits a while so that an orphan reaper would have a
// chance to take its status, then prints "foreign exit N" with what its
// Wait got. It also reaps an orphan meanwhile, to show the reaper ran.
func helperSpawnForeign(args ...string) {
	if err := BecomeSubreaper(); err != nil {
		fail(err)
	}
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	foreign := osexec.Command(exe, args...)
	foreign.Env = helperEnviron("exit")
	if err := foreign.Start(); err != nil {
		fail(err)
	}
	// An orphan that dies meanwhile makes the reaper look at every child.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &Cmd{Args: []string{exe, "exit", "hang"}, Env: helperEnviron("daemon")}
	p, err := Start(ctx, c)
	if err != nil {
		fail(err)
	}
	line, err := p.Expect(ctx, Stdout, Pattern{Regexp: regexp.MustCompile(`daemon (\d+)\n`)})
	if err != nil {
		fail(err)
	}
	orphan, _ := strconv.Atoi(line.Groups[1])
	if err := syscall.Kill(orphan, syscall.SIGKILL); err != nil {
		fail(err)
	}
	for !errors.Is(syscall.Kill(orphan, 0), syscall.ESRCH) {
		select {
		case <-ctx.Done():
			fail(fmt.Errorf("the orphan %d was never reaped", orphan))
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := foreign.Wait(); err != nil && foreign.ProcessState == nil {
		fmt.Printf("foreign lost: %v\n", err)
		return
	}
	fmt.Printf("foreign exit %d\n", foreign.ProcessState.ExitCode())
}

// helperKillAll [plain] is a program that is a subreaper, starts a daemon
// that escapes with a clean environment (which Terminate cannot tell from
// a stranger's), terminates the daemon's starter, then calls KillAll as a
// program about to exit does. It prints "survived Terminate: BOOL" and,
// once the daemon is gone, "gone". With "plain", it is no subreaper and
// the daemon keeps its marker: the orphan is handed to another process,
// and only its marker tells KillAll it is this program's.
func helperKillAll(args ...string) {
	mode := "exit-clean"
	if slices.Contains(args, "plain") {
		mode = "exit"
	} else if err := BecomeSubreaper(); err != nil {
		fail(err)
	}
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Start(ctx, &Cmd{Args: []string{exe, mode, "hang"}, Env: helperEnviron("daemon")})
	if err != nil {
		fail(err)
	}
	m, err := p.Expect(ctx, Stdout, Pattern{Regexp: regexp.MustCompile(`daemon (\d+)\n`)})
	if err != nil {
		fail(err)
	}
	pid, _ := strconv.Atoi(m.Groups[1])
	_ = p.Terminate(ctx, time.Second) // Only fails on misuse.
	fmt.Printf("survived Terminate: %v\n", syscall.Kill(pid, 0) == nil)
	KillAll()
	for !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) { // The reaper takes it.
		select {
		case <-ctx.Done():
			fail(fmt.Errorf("the daemon %d outlived KillAll", pid))
		case <-time.After(5 * time.Millisecond):
		}
	}
	fmt.Println("gone")
}

// helperWrite writes each argument to stdout as it is, one write each,
// and exits. An argument "<sig>" instead waits for SIGUSR1, so that a test
// can make sure the reader has seen what came before.
func helperWrite(args ...string) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	for _, a := range args {
		if a == "<sig>" {
			<-usr1
			continue
		}
		if _, err := os.Stdout.Write([]byte(a)); err != nil {
			fail(err)
		}
	}
}

// helperTick prints "tick" every 10ms, forever: busy, never idle.
func helperTick(...string) {
	for {
		if _, err := os.Stdout.Write([]byte("tick\n")); err != nil {
			fail(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// helperRawHang puts its terminal in non-canonical mode without echo,
// prints "ready" and sleeps forever, reading nothing: once its terminal's
// input queue is full, typing on it blocks.
func helperRawHang(...string) {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, os.Stdin.Fd(), ioctlGetTermios, uintptr(unsafe.Pointer(&t))); e != 0 {
		fail(e)
	}
	t.Lflag &^= syscall.ICANON | syscall.ECHO
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, os.Stdin.Fd(), ioctlSetTermios, uintptr(unsafe.Pointer(&t))); e != 0 {
		fail(e)
	}
	fmt.Println("ready")
	sleepForever()
}
