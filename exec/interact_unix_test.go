//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// userTerminal is a terminal standing for the user's: Interact gets its
// slave, the test types on and reads its master.
type userTerminal struct {
	master, slave *os.File
	mu            sync.Mutex
	shown         bytes.Buffer
	before        *unix.Termios
}

func newUserTerminal(t *testing.T) *userTerminal {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(m, &pty.Winsize{Rows: 33, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	u := &userTerminal{master: m, slave: s}
	u.before = u.termios(t)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			u.mu.Lock()
			u.shown.Write(buf[:n])
			u.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { closeAll(m, s) })
	return u
}

func (u *userTerminal) termios(t *testing.T) *unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(u.slave.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

// restored fails unless the modes are those of before Interact.
func (u *userTerminal) restored(t *testing.T) {
	t.Helper()
	if a, b := u.termios(t), u.before; a.Lflag != b.Lflag || a.Iflag != b.Iflag || a.Oflag != b.Oflag || a.Cc != b.Cc {
		t.Errorf("the terminal's modes were not restored:\nbefore %+v\nafter  %+v", b, a)
	}
}

// waitRaw waits until Interact has made the terminal raw. Keys typed
// before that are the cooked terminal's: it keeps a line of at most 4095
// and drops the rest, the escape key included, and ^C is a signal there.
func (u *userTerminal) waitRaw(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); u.termios(t).Lflag&unix.ICANON != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Interact did not make the terminal raw in 10s")
		}
	}
}

// waitShown waits until the terminal has shown text.
func (u *userTerminal) waitShown(t *testing.T, text string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		u.mu.Lock()
		got := u.shown.String()
		u.mu.Unlock()
		if strings.Contains(got, text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal did not show %q: %q", text, got)
		}
	}
}

type interactResult struct {
	end InteractEnd
	err error
}

// interact starts Interact on u in a goroutine.
func interact(ctx context.Context, p *Process, u *userTerminal, o InteractOptions) <-chan interactResult {
	res := make(chan interactResult, 1)
	go func() {
		end, _, err := p.Interact(ctx, u.slave, u.slave, o)
		res <- interactResult{end, err}
	}()
	return res
}

func awaitInteract(t *testing.T, res <-chan interactResult) interactResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Interact did not return in 10s")
	}
	return interactResult{}
}

// TestInteractStops: Interact cut short by its context (drover stopped
// mid-interact) or by the process's death restores the terminal, and
// stops reading it: a key typed afterwards is still there for others.
func TestInteractStops(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"ctx", "killed"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := helperCmd(t, "hang")
			c.TTY = true
			p, err := Start(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Terminate(context.Background(), time.Second) }()
			u := newUserTerminal(t)
			res := interact(ctx, p, u, InteractOptions{Escape: 0x1d})
			u.waitShown(t, "ready")
			if tio := u.termios(t); tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 {
				t.Errorf("during Interact the terminal is not raw: lflag %#o", tio.Lflag)
			}
			if how == "ctx" {
				cancel()
			} else if err := p.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			r := awaitInteract(t, res)
			switch {
			case how == "ctx" && !errors.Is(r.err, context.Canceled):
				t.Errorf("cancelled: %v, %v", r.end, r.err)
			case how == "killed" && (r.err != nil || r.end != EndExited):
				t.Errorf("killed: %v, %v; want exit", r.end, r.err)
			}
			u.restored(t)
			if _, err := u.master.Write([]byte("after\n")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // A reader left behind would take it meanwhile.
			got := make(chan string, 1)
			go func() {
				b := make([]byte, 64)
				n, _ := u.slave.Read(b)
				got <- string(b[:n])
			}()
			select {
			case line := <-got:
				if line != "after\n" {
					t.Errorf("the line typed after Interact reads %q", line)
				}
			case <-time.After(5 * time.Second):
				u.master.Close() // Ends the read.
				t.Errorf("the line typed after Interact was taken by it")
			}
		})
	}
}

// TestInteractKeys: keys reach the process, the escape key is not sent
// and ends Interact, and Input learns whether the terminal echoed them.
func TestInteractKeys(t *testing.T) {
	t.Parallel()
	for _, noecho := range []bool{false, true} {
		name := map[bool]string{false: "echo", true: "noecho"}[noecho]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"got: "}
			if noecho {
				args = []string{"-noecho", "got: "}
			}
			c := helperCmd(t, "echo", args...)
			c.TTY = true
			p, err := Start(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Terminate(context.Background(), time.Second) }()
			if noecho {
				if _, err := p.Expect(context.Background(), Stdout, Pattern{Text: "ready"}); err != nil {
					t.Fatal(err)
				}
			}
			u := newUserTerminal(t)
			var mu sync.Mutex
			var typed []string
			res := interact(context.Background(), p, u, InteractOptions{Escape: 0x1d, Input: func(b []byte, echo bool) {
				mu.Lock()
				defer mu.Unlock()
				typed = append(typed, string(b)+map[bool]string{true: " (echo)", false: " (no echo)"}[echo])
			}})
			u.waitRaw(t)
			if _, err := u.master.Write([]byte("hello\r")); err != nil {
				t.Fatal(err)
			}
			u.waitShown(t, "got: hello")
			if _, err := u.master.Write([]byte("bye\x1dlost")); err != nil {
				t.Fatal(err)
			}
			if r := awaitInteract(t, res); r.err != nil || r.end != EndEscape {
				t.Fatalf("Interact: %v, %v; want escape", r.end, r.err)
			}
			u.restored(t)
			// The process got "bye" and not the escape key: ^] then Enter
			// would print it.
			if err := p.Send(context.Background(), []byte("\r")); err != nil {
				t.Fatal(err)
			}
			m, err := p.Expect(context.Background(), Stdout, Pattern{Regexp: regexp.MustCompile(`got: .*\n`)})
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != "got: bye\n" {
				t.Errorf("after the escape key the process got %q, want %q", m.Text, "got: bye\n")
			}
			mu.Lock()
			defer mu.Unlock()
			want := map[bool]string{false: " (echo)", true: " (no echo)"}[noecho]
			if len(typed) == 0 || !strings.HasSuffix(typed[0], want) || strings.Contains(strings.Join(typed, ""), "\x1d") {
				t.Errorf("Input got %q, want each%s and no escape key", typed, want)
			}
		})
	}
}

// TestInteractWindow: the process's terminal gets the user's window size
// at the start, and again on SIGWINCH, which Resized hears (not the start).
func TestInteractWindow(t *testing.T) {
	c := helperCmd(t, "hang")
	c.TTY = true
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }()
	u := newUserTerminal(t)
	ctx, cancel := context.WithCancel(context.Background())
	resized := make(chan string, 10)
	res := interact(ctx, p, u, InteractOptions{Resized: func(rows, cols uint16) { resized <- fmt.Sprintf("%dx%d", rows, cols) }})
	u.waitShown(t, "ready")
	size := func() string {
		var ws *unix.Winsize
		rc, _ := p.out.file.SyscallConn()
		_ = rc.Control(func(fd uintptr) { ws, _ = unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ) })
		if ws == nil {
			return "?"
		}
		return fmt.Sprintf("%dx%d", ws.Row, ws.Col)
	}
	waitSize := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); size() != want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the process's terminal is %s, want %s", size(), want)
			}
		}
	}
	waitSize("33x101")
	if err := pty.Setsize(u.master, &pty.Winsize{Rows: 50, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	// The user's terminal is not this program's controlling one: the
	// SIGWINCH its resize would send is sent by hand.
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	waitSize("50x132")
	cancel()
	awaitInteract(t, res)
	u.restored(t)
	close(resized)
	var heard []string
	for s := range resized {
		heard = append(heard, s)
	}
	if len(heard) != 1 || heard[0] != "50x132" {
		t.Errorf("Resized heard %q, want only 50x132", heard)
	}
}

// TestInteractEscapeUnread: the escape key ends Interact even when the
// process reads nothing and its terminal's input queue is full, so that a
// send of the keys before it is blocked.
func TestInteractEscapeUnread(t *testing.T) {
	t.Parallel()
	c := helperCmd(t, "raw-hang")
	c.TTY = true
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }()
	if _, err := p.Expect(context.Background(), Stdout, Pattern{Text: "ready"}); err != nil {
		t.Fatal(err)
	}
	u := newUserTerminal(t)
	res := interact(context.Background(), p, u, InteractOptions{Escape: 0x1d})
	u.waitRaw(t)
	go func() {
		keys := bytes.Repeat([]byte("x"), 1000)
		for range 256 { // 256 KB: far more than a terminal's input queue and buffers.
			if _, err := u.master.Write(keys); err != nil {
				return
			}
		}
		_, _ = u.master.Write([]byte{0x1d})
	}()
	if r := awaitInteract(t, res); r.err != nil || r.end != EndEscape {
		t.Fatalf("Interact: %v, %v; want escape", r.end, r.err)
	}
	u.restored(t)
}

// TestInteractStderr: under a tty with stderr on a pipe of its own, the
// operator sees stderr too, its lines ended for a raw terminal, and the
// exit ends Interact. A process that exits with its stderr still coming
// (a reader behind, on a loaded machine, or a child writing it late) has
// it shown before Interact returns, within WaitDelay, as its stdout;
// Interact used to wait for stdout's end alone and drop the rest.
func TestInteractStderr(t *testing.T) {
	for _, tc := range []struct {
		name, helper, stderr string
		waitDelay            time.Duration
	}{
		{"pipe", "outerr", "to stderr\r\n", 0},
		{"last", "late-stderr", "late to stderr\r\n", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := helperCmd(t, tc.helper)
			c.TTY, c.SeparateStderr = true, true
			if tc.waitDelay > 0 {
				c.WaitDelay = tc.waitDelay
			}
			p, err := Start(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Terminate(context.Background(), time.Second) }()
			u := newUserTerminal(t)
			if r := awaitInteract(t, interact(context.Background(), p, u, InteractOptions{Escape: 0x1d})); r.err != nil || r.end != EndExited {
				t.Fatalf("Interact: %v, %v; want exit", r.end, r.err)
			}
			u.waitShown(t, "to stdout\r\n")
			u.waitShown(t, tc.stderr)
			u.restored(t)
		})
	}
}

func init() { helpers["late-stderr"] = helperLateStderr }

// helperLateStderr prints "to stdout" and exits, leaving a child in a
// session of its own that holds only its stderr and writes "late to
// stderr" to it 300ms later: stderr's last words come after stdout's end.
func helperLateStderr(args ...string) {
	if len(args) > 0 {
		time.Sleep(300 * time.Millisecond)
		fmt.Fprintln(os.Stderr, "late to stderr")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	c := osexec.Command(exe, "child")
	c.Env = helperEnviron("late-stderr")
	c.Stderr = os.Stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		fail(err)
	}
	fmt.Println("to stdout")
}

// TestInteractNoStdin: a process whose stdin comes from elsewhere cannot
// be handed the keys: Interact says so and leaves the terminal alone.
func TestInteractNoStdin(t *testing.T) {
	t.Parallel()
	c := helperCmd(t, "hang")
	c.TTY, c.Stdin = true, strings.NewReader("")
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }()
	u := newUserTerminal(t)
	r := awaitInteract(t, interact(context.Background(), p, u, InteractOptions{Escape: 0x1d}))
	if r.err == nil || !strings.Contains(r.err.Error(), "stdin") {
		t.Errorf("Interact on a process without stdin: %v, %v", r.end, r.err)
	}
	u.restored(t)
}

// TestInteractFirstRaw: output that arrived before Interact, when nothing
// consumed any of it (a recorder starting Interact right after Start), is
// shown as the process wrote it, escape sequences included; once an
// Expect consumed some, what is left is shown cooked.
func TestInteractFirstRaw(t *testing.T) {
	t.Parallel()
	c := helperCmd(t, "echo", "got: ")
	c.TTY = true
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }()
	const bold = "\x1b[1mbold\x1b[0m"
	if err := p.Send(context.Background(), []byte(bold+"\r")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !bytes.Contains(p.RecentRaw(Stdout), []byte("got: "+bold)); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the process did not answer: %q", p.RecentRaw(Stdout))
		}
	}
	u := newUserTerminal(t)
	res := interact(context.Background(), p, u, InteractOptions{Escape: 0x1d})
	u.waitShown(t, "got: "+bold+"\r\n")
	if _, err := u.master.Write([]byte("\x1d")); err != nil {
		t.Fatal(err)
	}
	if r := awaitInteract(t, res); r.err != nil || r.end != EndEscape {
		t.Fatalf("Interact: %v, %v; want escape", r.end, r.err)
	}
	u.restored(t)
	if rest, _ := p.Unconsumed(Stdout); len(rest) > 0 {
		t.Errorf("the output shown was left unconsumed: %q", rest)
	}
}

// TestInteractNoSize: a user's terminal that tells no size (0x0, a pty
// nobody sized) leaves the process's terminal the size Cmd gave it, not
// 0x0, which full-screen programs cannot draw in.
func TestInteractNoSize(t *testing.T) {
	t.Parallel()
	c := helperCmd(t, "hang")
	c.TTY, c.Rows, c.Cols = true, 30, 90
	p, err := Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Terminate(context.Background(), time.Second) }()
	u := newUserTerminal(t)
	if err := pty.Setsize(u.master, &pty.Winsize{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := interact(ctx, p, u, InteractOptions{})
	u.waitShown(t, "ready") // shown once Interact has set the size
	var ws *unix.Winsize
	rc, _ := p.out.file.SyscallConn()
	_ = rc.Control(func(fd uintptr) { ws, _ = unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ) })
	if ws == nil || ws.Row != 30 || ws.Col != 90 {
		t.Errorf("the process's terminal is %+v, want 30x90", ws)
	}
	cancel()
	awaitInteract(t, res)
	u.restored(t)
}
