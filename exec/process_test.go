//go:build unix

package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// modes are the two ways to start a process, for tests that hold for both.
var modes = []struct {
	name string
	tty  bool
}{{"pipes", false}, {"tty", true}}

// enter is what the Enter key sends: "\r" on a terminal, "\n" on a pipe.
func enter(tty bool) string {
	if tty {
		return "\r"
	}
	return "\n"
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	ttyPipe := helperCmd(t, "hang")
	ttyPipe.TTY, ttyPipe.StdoutPipe = true, true
	noDir := helperCmd(t, "hang")
	noDir.Dir = filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		cmd  *Cmd
		want error // nil: any error
	}{
		{"no args", &Cmd{}, errNoArgs},
		{"not in PATH", &Cmd{Args: []string{"drover-test-no-such-program"}}, osexec.ErrNotFound},
		{"no such file", &Cmd{Args: []string{"/nonexistent/drover-test"}}, fs.ErrNotExist},
		{"no such dir", noDir, fs.ErrNotExist},
		{"stdout pipe under a tty", ttyPipe, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Start(context.Background(), tt.cmd)
			if err == nil {
				_ = p.Terminate(context.Background(), 0) // It should not have started.
				t.Fatal("Start succeeded")
			}
			var e *Error
			if !errors.As(err, &e) || e.Op != "start" {
				t.Errorf("Start: %v (%T), want an *Error with Op start", err, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Start: %v, want errors.Is %v", err, tt.want)
			}
		})
	}
}

func TestEnvAndDir(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := helperCmd(t, "where", "DROVER_TEST_VALUE")
	c.Env = append(c.Env, "DROVER_TEST_VALUE=forty two")
	c.Dir = dir
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, Pattern{EOF: true})
	if want := "dir " + dir + "\nenv forty two\n"; m.Text != want {
		t.Errorf("output %q, want %q", m.Text, want)
	}
}

// A Cmd may be started again, even while its first process runs.
func TestCmdReuse(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "echo", "again: ")
	for _, p := range []*Process{mustStart(t, ctx, c), mustStart(t, ctx, c)} {
		send(t, ctx, p, "hi\n")
		expect(t, ctx, p, Stdout, text("again: hi\n"))
		if err := p.SendEOF(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProcessGroup(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "hang")
			c.TTY = mode.tty
			p := mustStart(t, ctx, c)
			expect(t, ctx, p, Stdout, text("ready\n"))
			pgid, err := syscall.Getpgid(p.Pid)
			if err != nil || pgid != p.Pid {
				t.Errorf("Getpgid(%d) = %d, %v; want the process to lead its own group", p.Pid, pgid, err)
			}
		})
	}
}

// Under a tty, a program that opens /dev/tty itself, as getpass does, is
// prompted and answered through the terminal.
func TestTTYPrompt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	tr := newTranscript()
	c := helperCmd(t, "tty-prompt")
	c.TTY, c.Observe = true, tr.observe
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, text("password: "))
	send(t, ctx, p, "hunter2\r")
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`got (\S+)\n`)})
	if m.Groups[1] != "hunter2" {
		t.Errorf("the program got %q, want hunter2", m.Groups[1])
	}
	if strings.Contains(m.Before, "hunter2") {
		t.Errorf("the password was echoed: %q", m.Before)
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Errorf("Wait: %v; output %q", err, tr)
	}
}

func TestTTYSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rows, cols         uint16
		wantRows, wantCols int
	}{
		{0, 0, 24, 80},
		{40, 132, 40, 132},
		{50, 0, 50, 80},
		{1, 20, 1, 20},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d", tt.rows, tt.cols), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "size")
			c.TTY, c.Rows, c.Cols = true, tt.rows, tt.cols
			p := mustStart(t, ctx, c)
			m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`size (\d+) (\d+)\n`)})
			if want := fmt.Sprintf("size %d %d\n", tt.wantRows, tt.wantCols); m.Text != want {
				t.Errorf("the program saw %q, want %q", m.Text, want)
			}
		})
	}
}

// Under a tty, Expect sees "\r\n" folded and escape sequences removed, even
// when a sequence is split between two reads; Observe sees the raw bytes.
func TestTTYCooksOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tty    bool
		writes []string // the helper's writes; "<sig>" waits until the reader saw the ones before
		want   string
	}{
		{"crlf", true, []string{"one\r\ntwo\n"}, "one\ntwo\n"},
		{"ansi", true, []string{"\x1b[1;31mred\x1b[0m plain\r\n\x1b]0;title\x07after\x1b[K\n"}, "red plain\nafter\n"},
		{"split csi", true, []string{"\x1b[1;3", "<sig>", "1mred\x1b[0m\n"}, "red\n"},
		{"split after esc", true, []string{"x\x1b", "<sig>", "[2Jy\n"}, "xy\n"},
		{"split osc", true, []string{"\x1b]0;ti", "<sig>", "tle\x1b", "<sig>", "\\done\n"}, "done\n"},
		{"split cr lf", true, []string{"a\r", "<sig>", "\nb\n"}, "a\nb\n"},
		{"pipes keep raw bytes", false, []string{"\x1b[1mX\x1b[0m\r\n"}, "\x1b[1mX\x1b[0m\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			tr := newTranscript()
			c := helperCmd(t, "write", tt.writes...)
			c.TTY, c.Observe = tt.tty, tr.observe
			p := mustStart(t, ctx, c)
			// onlcr is what the terminal makes of the program's output.
			onlcr := func(s string) string {
				if tt.tty {
					return strings.ReplaceAll(s, "\n", "\r\n")
				}
				return s
			}
			var written strings.Builder
			for _, w := range tt.writes {
				if w != "<sig>" {
					written.WriteString(w)
					continue
				}
				if err := tr.waitFor(ctx, onlcr(written.String())); err != nil {
					t.Fatal(err)
				}
				if err := p.Signal(syscall.SIGUSR1); err != nil {
					t.Fatal(err)
				}
			}
			m := expect(t, ctx, p, Stdout, Pattern{EOF: true})
			if m.Text != tt.want {
				t.Errorf("Expect saw %q, want %q", m.Text, tt.want)
			}
			if raw := onlcr(written.String()); tr.String() != raw {
				t.Errorf("Observe saw %q, want the raw %q", tr, raw)
			}
			if tt.tty && strings.ContainsAny(string(p.Recent(Stdout)), "\x1b\r") {
				t.Errorf("Recent holds raw bytes: %q", p.Recent(Stdout))
			}
		})
	}
}

// ^C typed on the terminal interrupts the program in the foreground.
func TestTTYControlC(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "hang")
	c.TTY = true
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, text("ready\n"))
	send(t, ctx, p, "\x03")
	st, err := p.Wait(ctx)
	var e *ExitError
	if !errors.As(err, &e) || st.Signal != syscall.SIGINT || e.Status.Signal != syscall.SIGINT {
		t.Fatalf("Wait = %v, %v; want killed by SIGINT", st, err)
	}
}

// SendEOF under a tty types ^D, which ends cat's input.
func TestTTYSendEOF(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "cat")
	c.TTY = true
	p := mustStart(t, ctx, c)
	send(t, ctx, p, "hello\r")
	expect(t, ctx, p, Stdout, text("hello\nhello\n")) // The terminal's echo, then cat.
	if err := p.SendEOF(ctx); err != nil {
		t.Fatalf("SendEOF: %v", err)
	}
	if st, err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, %v; want exit 0", st, err)
	}
}

func TestTTYSeparateStderr(t *testing.T) {
	t.Parallel()
	t.Run("apart", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		c := helperCmd(t, "outerr")
		c.TTY, c.SeparateStderr = true, true
		p := mustStart(t, ctx, c)
		if m := expect(t, ctx, p, Stderr, text("to stderr\n")); m.Stream != Stderr || m.Before != "" {
			t.Errorf("Expect(stderr) = %+v, want a match on stderr with nothing before", m)
		}
		if m := expect(t, ctx, p, Stdout, Pattern{EOF: true}); m.Text != "to stdout\n" {
			t.Errorf("stdout was %q, want only %q", m.Text, "to stdout\n")
		}
	})
	t.Run("together", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		c := helperCmd(t, "outerr")
		c.TTY = true
		p := mustStart(t, ctx, c)
		_, err := p.Expect(ctx, Stderr, text("to stderr"))
		var e *Error
		if !errors.As(err, &e) || e.Op != "expect" {
			t.Errorf("Expect(stderr) under a tty: %v, want an *Error", err)
		}
		if m := expect(t, ctx, p, Both, text("to stderr\n")); m.Stream != Stdout {
			t.Errorf("Expect(both) matched on %s, want stdout: the terminal", m.Stream)
		}
		if b, n := p.Unconsumed(Stderr); b != nil || n != 0 || p.Recent(Stderr) != nil {
			t.Errorf("stderr has output %q, %d, %q; want none", b, n, p.Recent(Stderr))
		}
	})
}

func TestPipeStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s      Stream
		text   string
		want   Stream
		before string
	}{
		{Stdout, "to stdout", Stdout, ""},
		{Stderr, "to stderr", Stderr, ""},
		{Both, "to stdout", Stdout, ""},
		{Both, "to stderr", Stderr, ""},
		{Stderr, "stderr\n", Stderr, "to "},
	}
	for _, tt := range tests {
		t.Run(tt.s.String()+"/"+tt.text, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			p := mustStart(t, ctx, helperCmd(t, "outerr"))
			m := expect(t, ctx, p, tt.s, text(tt.text))
			if m.Stream != tt.want || m.Text != tt.text || m.Before != tt.before {
				t.Errorf("Expect(%s, %q) = %+v, want on %s after %q", tt.s, tt.text, m, tt.want, tt.before)
			}
		})
	}
	t.Run("not on the other stream", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		p := mustStart(t, ctx, helperCmd(t, "outerr"))
		if _, err := p.Expect(ctx, Stdout, text("to stderr")); !errors.Is(err, ErrEOF) {
			t.Errorf("Expect(stdout, stderr's text): %v, want ErrEOF", err)
		}
	})
}

// A writer's stdout feeds a reader's stdin through Cmd.StdoutPipe.
func TestStdinFromStdoutPipe(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	wc := helperCmd(t, "write", "alpha\n", "<sig>", "beta\n")
	wc.StdoutPipe = true
	w := mustStart(t, ctx, wc)
	if w.Stdout() == nil {
		t.Fatal("Stdout() = nil with StdoutPipe")
	}
	var e *Error
	if _, err := w.Expect(ctx, Stdout, text("alpha")); !errors.As(err, &e) {
		t.Errorf("Expect on a piped stdout: %v, want an *Error", err)
	}
	rc := helperCmd(t, "cat")
	rc.Stdin = w.Stdout()
	r := mustStart(t, ctx, rc)
	_ = w.Stdout().Close() // The reader holds its own copy.
	expect(t, ctx, r, Stdout, text("alpha\n"))
	if err := w.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if m := expect(t, ctx, r, Stdout, Pattern{EOF: true}); m.Text != "beta\n" {
		t.Errorf("the reader's rest: %q, want %q", m.Text, "beta\n")
	}
	for _, p := range []*Process{w, r} {
		if st, err := p.Wait(ctx); err != nil {
			t.Errorf("Wait = %v, %v; want exit 0", st, err)
		}
	}
	if err := r.Send(ctx, []byte("x")); !errors.Is(err, errNoStdin) {
		t.Errorf("Send to a process fed by another: %v, want errNoStdin", err)
	}
}

func TestStdinFromReader(t *testing.T) {
	t.Parallel()
	t.Run("copied", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		c := helperCmd(t, "cat")
		c.Stdin = strings.NewReader("from a reader\n")
		p := mustStart(t, ctx, c)
		if m := expect(t, ctx, p, Stdout, Pattern{EOF: true}); m.Text != "from a reader\n" {
			t.Errorf("cat wrote %q", m.Text)
		}
		if st, err := p.Wait(ctx); err != nil {
			t.Errorf("Wait = %v, %v; want exit 0", st, err)
		}
	})
	// A reader that never ends must not keep Wait from returning once the
	// process has exited: os/exec's copy into stdin is bounded by WaitDelay.
	t.Run("never ends", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t, 10*time.Second)
		pr, pw := io.Pipe()
		defer pw.Close()
		c := helperCmd(t, "exit", "0")
		c.Stdin, c.WaitDelay = pr, 100*time.Millisecond
		p := mustStart(t, ctx, c)
		if st, err := p.Wait(ctx); err != nil {
			t.Errorf("Wait = %v, %v; want exit 0", st, err)
		}
	})
}
