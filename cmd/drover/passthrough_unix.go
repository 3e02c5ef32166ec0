//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// The passthrough between drover's own terminal and a program under a
// pty of its own: drover record uses it, and so can interact. It is kept
// in this one file, with its few dependencies (creack/pty, x/term,
// x/sys/unix), so that both can share it.

import (
	"context"
	"errors"
	"os"
	osexec "os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// passthrough connects a terminal (In, the keys; Out, where the program's
// output goes; usually one terminal, drover's own) to a program run under
// a new pty: In is put in raw mode for the duration and restored whatever
// happens (the program exiting or failing to start, ctx done, a panic),
// the pty gets In's window size and every change of it (SIGWINCH), each
// key read goes to the program and each byte of output to Out.
type passthrough struct {
	In, Out *os.File
	// OnKeys, if not nil, is called with each chunk of keys read, and the
	// pty's modes at that moment, before they are written to the program.
	OnKeys func(b []byte, m ptyModes)
	// OnOutput, if not nil, is called with each chunk of output before it
	// is written to Out. OnKeys and OnOutput are never called at once.
	OnOutput func(b []byte)
}

// drainAfterExit is how long output is still read after the program
// exited: a process it left behind may hold the pty open for good.
const drainAfterExit = time.Second

// run runs cmd through the passthrough until it exits, and returns its
// state, and its window size at the start (rows and columns). When ctx is done first, the
// program's session is hung up (then killed after a grace), and ctx's
// error is returned with its state.
func (pt *passthrough) run(ctx context.Context, cmd *osexec.Cmd) (st *os.ProcessState, rows, cols int, err error) {
	inFd := int(pt.In.Fd())
	size, err := pty.GetsizeFull(pt.In)
	if err != nil || size.Rows == 0 || size.Cols == 0 {
		size = &pty.Winsize{Rows: 24, Cols: 80}
	}
	rows, cols = int(size.Rows), int(size.Cols)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	master, err := pty.StartWithAttrs(cmd, size, cmd.SysProcAttr)
	if err != nil {
		return nil, rows, cols, err
	}
	defer master.Close()
	saved, err := term.MakeRaw(inFd)
	if err != nil {
		_ = cmd.Process.Kill() // Best effort: it has not been shown anything.
		_ = cmd.Wait()
		return nil, rows, cols, err
	}
	defer term.Restore(inFd, saved) //nolint:errcheck // Best effort: nothing else to do.

	var mu sync.Mutex // one callback at a time
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)

	// Output: master to Out, until the pty is closed by the last process
	// holding it (EIO on Linux, EOF elsewhere).
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		buf := make([]byte, 32<<10)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				if pt.OnOutput != nil {
					mu.Lock()
					pt.OnOutput(buf[:n])
					mu.Unlock()
				}
				_, _ = pt.Out.Write(buf[:n]) // A closed terminal: the keys end too.
			}
			if err != nil {
				return
			}
		}
	}()

	// Keys: In to master, until stop is closed. The read waits in select
	// with a pipe to wake it, so that no read of the terminal is left
	// behind to swallow a key typed after the program ended.
	wakeR, wakeW, err := os.Pipe()
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, rows, cols, err
	}
	defer wakeR.Close()
	keysDone := make(chan struct{})
	go func() {
		defer close(keysDone)
		buf := make([]byte, 4096)
		for {
			var rd unix.FdSet
			rd.Set(inFd)
			rd.Set(int(wakeR.Fd()))
			if _, err := unix.Select(max(inFd, int(wakeR.Fd()))+1, &rd, nil, nil, nil); err != nil {
				if errors.Is(err, unix.EINTR) {
					continue
				}
				return
			}
			if rd.IsSet(int(wakeR.Fd())) {
				return
			}
			n, err := unix.Read(inFd, buf)
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			if n <= 0 {
				return // The terminal is gone.
			}
			if pt.OnKeys != nil {
				m := modesOf(master)
				mu.Lock()
				pt.OnKeys(buf[:n], m)
				mu.Unlock()
			}
			if _, err := master.Write(buf[:n]); err != nil {
				return
			}
		}
	}()

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var ctxErr error
	hungUp := false
	var kill <-chan time.Time
	for done := false; !done; {
		select {
		case <-winch:
			if s, err := pty.GetsizeFull(pt.In); err == nil {
				_ = pty.Setsize(master, s) // The child gets SIGWINCH.
			}
		case <-ctx.Done():
			if !hungUp {
				hungUp, ctxErr = true, ctx.Err()
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP)
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
				kill = time.After(2 * time.Second)
			}
		case <-kill:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-exited:
			done = true
		}
	}
	select {
	case <-outDone:
	case <-time.After(drainAfterExit):
	}
	_ = wakeW.Close() // Wakes the key reader.
	<-keysDone
	_ = master.Close()
	<-outDone
	return cmd.ProcessState, rows, cols, ctxErr
}

// modesOf reads the modes of the terminal whose master is f: on these
// systems the master's termios is the slave's, which the program sets.
func modesOf(f *os.File) ptyModes {
	t, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	if err != nil {
		return ptyModes{Echo: true, Canon: true}
	}
	return ptyModes{Echo: t.Lflag&unix.ECHO != 0, Canon: t.Lflag&unix.ICANON != 0}
}
