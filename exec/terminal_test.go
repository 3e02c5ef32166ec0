//go:build unix

package exec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/creack/pty"
)

func init() {
	helpers["winch"] = helperWinch
	helpers["echo-late"] = helperEchoLate
}

// helperWinch prints "ready", then "winch ROWS COLS" with its terminal's
// new size at each SIGWINCH, for 20 seconds.
func helperWinch(...string) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	fmt.Println("ready")
	timeout := time.After(20 * time.Second)
	for {
		select {
		case <-ch:
			ws, err := pty.GetsizeFull(os.Stdin)
			if err != nil {
				fail(err)
			}
			fmt.Printf("winch %d %d\n", ws.Rows, ws.Cols)
		case <-timeout:
			return
		}
	}
}

// helperEchoLate DELAY [exit] prints "starting", and only after DELAY
// turns its terminal's echo off, writes "password: " and reads a line; it
// prints "got LINE", turns echo back on, prints "echo on" and reads a last
// line. With exit, it exits once echo is off.
func helperEchoLate(args ...string) {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		fail(err)
	}
	fmt.Println("starting")
	time.Sleep(d)
	on, err := termiosOf(os.Stdin)
	if err != nil {
		fail(err)
	}
	if err := echoOff(os.Stdin); err != nil {
		fail(err)
	}
	if len(args) > 1 && args[1] == "exit" {
		return
	}
	fmt.Print("password: ")
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		fail(err)
	}
	fmt.Printf("\ngot %s\n", strings.TrimRight(line, "\r\n"))
	if err := setTermios(os.Stdin, on); err != nil {
		fail(err)
	}
	fmt.Println("echo on")
	_, _ = in.ReadString('\n') // Until the test ends it.
}

// Resize gives the process's terminal a new size, and the process gets
// SIGWINCH and sees the size; each time it is resized.
func TestResize(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	c := helperCmd(t, "winch")
	c.TTY = true
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, Pattern{Text: "ready\n"})
	for _, size := range [][2]uint16{{40, 120}, {7, 33}} {
		if err := p.Resize(size[0], size[1]); err != nil {
			t.Fatalf("Resize%v: %v", size, err)
		}
		expect(t, ctx, p, Stdout, Pattern{Text: fmt.Sprintf("winch %d %d\n", size[0], size[1])})
	}
}

// Resize and WaitEcho fail on pipes, saying there is no terminal, and
// once the process has exited, saying so.
func TestTerminalNone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "cat"))
	if err := p.Resize(40, 120); !errors.Is(err, ErrNoTTY) {
		t.Errorf("Resize on pipes = %v, want ErrNoTTY", err)
	}
	if err := p.WaitEcho(ctx, false); !errors.Is(err, ErrNoTTY) {
		t.Errorf("WaitEcho on pipes = %v, want ErrNoTTY", err)
	}
	c := helperCmd(t, "exit", "0")
	c.TTY = true
	p = mustStart(t, ctx, c)
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(40, 120); !errors.Is(err, ErrExited) {
		t.Errorf("Resize after the exit = %v, want ErrExited", err)
	}
	if err := p.WaitEcho(ctx, false); !errors.Is(err, ErrExited) {
		t.Errorf("WaitEcho after the exit = %v, want ErrExited", err)
	}
}

// WaitEcho waits for a program that turns echo off late: a password sent
// once it returns is never echoed. Then it waits for echo to come back.
func TestWaitEchoLate(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	c := helperCmd(t, "echo-late", "300ms")
	c.TTY = true
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, Pattern{Text: "starting"})
	if on, err := p.Echo(); err != nil || !on {
		t.Fatalf("Echo at the start = %t, %v; want true", on, err)
	}
	if err := p.WaitEcho(ctx, false); err != nil {
		t.Fatalf("WaitEcho(off): %v", err)
	}
	if err := p.Send(ctx, []byte("hunter2\r")); err != nil {
		t.Fatal(err)
	}
	m := expect(t, ctx, p, Stdout, Pattern{Text: "got hunter2\n"})
	if strings.Contains(m.Before, "hunter2") {
		t.Errorf("the password was echoed: %q", m.Before)
	}
	if err := p.WaitEcho(ctx, true); err != nil {
		t.Fatalf("WaitEcho(on): %v", err)
	}
	expect(t, ctx, p, Stdout, Pattern{Text: "echo on"})
}

// WaitEcho on a program that never turns echo off ends with its context;
// one whose program exits ends at once, saying so.
func TestWaitEchoNever(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	c := helperCmd(t, "cat")
	c.TTY = true
	p := mustStart(t, ctx, c)
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := p.WaitEcho(wctx, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitEcho(off) on cat = %v, want its deadline", err)
	}
	if err := p.WaitEcho(ctx, true); err != nil {
		t.Errorf("WaitEcho(on) on cat = %v, want nil at once", err)
	}
	c = helperCmd(t, "hang")
	c.TTY = true
	p = mustStart(t, ctx, c)
	time.AfterFunc(200*time.Millisecond, func() { _ = p.Signal(syscall.SIGKILL) })
	began := time.Now()
	if err := p.WaitEcho(ctx, false); !errors.Is(err, ErrExited) {
		t.Errorf("WaitEcho(off) on a process killed = %v, want ErrExited", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("WaitEcho returned %s after the process was killed, not at once", took)
	}
}

// termiosOf returns the modes of the terminal f.
func termiosOf(f *os.File) (*syscall.Termios, error) {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ioctlGetTermios, uintptr(unsafe.Pointer(&t))); e != 0 {
		return nil, e
	}
	return &t, nil
}

// setTermios sets the modes of the terminal f.
func setTermios(f *os.File, t *syscall.Termios) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ioctlSetTermios, uintptr(unsafe.Pointer(t))); e != 0 {
		return e
	}
	return nil
}

// A program that turned echo off and exited left its terminal so:
// WaitEcho(off) sees it; WaitEcho(on) fails at once, saying it exited.
func TestWaitEchoAfterExit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	c := helperCmd(t, "echo-late", "0s", "exit")
	c.TTY = true
	p := mustStart(t, ctx, c)
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitEcho(ctx, false); err != nil {
		t.Errorf("WaitEcho(off) after an exit with echo off = %v, want nil", err)
	}
	if err := p.WaitEcho(ctx, true); !errors.Is(err, ErrExited) {
		t.Errorf("WaitEcho(on) after an exit with echo off = %v, want ErrExited", err)
	}
}

// TestCanonical: Canonical tells a terminal that edits lines (cat's) from
// one a program put in raw mode, and fails with ErrNoTTY on pipes.
func TestCanonical(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	for _, tc := range []struct {
		helper string
		want   bool
	}{{"cat", true}, {"raw-hang", false}} {
		c := helperCmd(t, tc.helper)
		c.TTY = true
		p := mustStart(t, ctx, c)
		if !tc.want {
			if _, err := p.Expect(ctx, Stdout, Pattern{Text: "ready"}); err != nil {
				t.Fatal(err)
			}
		}
		if on, err := p.Canonical(); err != nil || on != tc.want {
			t.Errorf("%s: Canonical() = %v, %v; want %v", tc.helper, on, err, tc.want)
		}
		_ = p.Terminate(ctx, time.Second)
	}
	p := mustStart(t, ctx, helperCmd(t, "cat"))
	if _, err := p.Canonical(); !errors.Is(err, ErrNoTTY) {
		t.Errorf("Canonical on pipes = %v, want ErrNoTTY", err)
	}
}
