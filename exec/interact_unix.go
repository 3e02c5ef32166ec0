//go:build unix

package exec

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Interact hands a terminal to the process, which must be under a tty:
// the keys typed on in go to the process, and its output goes to out as
// it prints it, byte for byte (escape sequences and all: it is the
// operator's terminal), until the escape key is typed, an Until pattern
// appears, the process exits or ctx is done. It is the raw passthrough
// between a user's terminal and a program that Expect's interact is, and
// is meant for any such use (a recorder too).
//
// in is put in raw mode for the duration and restored before Interact
// returns, however it ends, so that ^C and ^Z are keys sent to the
// process, whose own terminal turns them into signals. The process's
// terminal gets in's window size at the start (unless in tells none: 0x0
// leaves the size Cmd gave), and again each time this program gets
// SIGWINCH meanwhile (the signal is watched only while Interact runs).
//
// Output: what no Expect consumed before the call is shown first (raw
// when nothing was consumed yet, as right after Start, else cooked; if
// nothing, the current line, such as a prompt, is shown again) and
// consumed. When Interact ends by the escape key or the exit, all output
// that arrived meanwhile is consumed too: the operator saw it. When it
// ends by Until, the output is consumed up to the end of the match, as
// Expect does; what follows is left for the next Expect, though the
// operator may have seen part of it already. Nothing of in is read after
// Interact returns.
//
// A recorder hears the output through Cmd.Observe, called with each raw
// chunk before it is shown, and the keys through Input (with Echo and
// Canonical to tell a hidden key); drover record does so.
//
// It returns why it ended, the match when that was Until, and an error
// when in cannot be made raw, or ctx's error when ctx ended it (the
// process is left running).
func (p *Process) Interact(ctx context.Context, in, out *os.File, o InteractOptions) (InteractEnd, *Match, error) {
	if !p.tty || p.out == nil || p.out.file == nil {
		return 0, nil, &Error{Op: "interact", Name: p.name(), Err: errInteractNoTTY}
	}
	if p.stdin == nil { // Cmd.Stdin: the keys would go nowhere.
		return 0, nil, &Error{Op: "interact", Name: p.name(), Err: errNoStdin}
	}
	master := p.out.file
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return 0, nil, &Error{Op: "interact", Name: p.name(), Err: err}
	}
	defer func() { _ = term.Restore(fd, old) }() // Best effort: the terminal may be gone.

	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	resize := func(tell func(rows, cols uint16)) {
		// A terminal that tells no size (0x0) leaves the process's own.
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err != nil || ws.Row == 0 || ws.Col == 0 {
			return
		}
		if tell != nil {
			// Before the process can see it: a recorder then puts the
			// resize before any key that may have met the new size.
			tell(ws.Row, ws.Col)
		}
		_ = p.Resize(ws.Row, ws.Col) // The process may be gone.
	}
	resize(nil)

	show := func(b []byte) { _, _ = out.Write(b) } // A closed terminal: nothing to show.
	if first := p.out.startTap(show); len(first) > 0 {
		show(first)
	}
	consume := true
	defer func() { p.out.stopTap(consume) }()
	if p.errs != nil { // stderr: pipe: lines end in "\n" alone there.
		showErr := func(b []byte) { show(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))) }
		if first := p.errs.startTap(showErr); len(first) > 0 {
			show(first)
		}
		defer p.errs.stopTap(true)
	}

	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys, sent, stopKeys, err := p.readKeys(ictx, in, master, o)
	if err != nil {
		return 0, nil, &Error{Op: "interact", Name: p.name(), Err: err}
	}
	defer func() {
		cancel() // Ends a send blocked on a process that does not read.
		stopKeys()
	}() // Before the terminal is restored: nothing reads it after.

	until := make(chan *Match, 1)
	if len(o.Until) > 0 {
		expecting := make(chan struct{})
		go func() {
			defer close(expecting)
			m, err := p.Expect(ictx, Stdout, o.Until...)
			if err == nil {
				until <- m
			}
		}()
		defer func() {
			cancel()
			<-expecting // Before stopTap: no Expect of it after Interact.
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-winch:
			resize(o.Resized)
		case <-keys:
			// The keys typed before it go first, unless the process does
			// not read them.
			timer := time.NewTimer(p.waitDelay)
			select {
			case <-sent:
			case <-timer.C:
			case <-ctx.Done():
			}
			timer.Stop()
			return EndEscape, nil, nil
		case m := <-until:
			consume = false // Expect consumed up to the match.
			return EndUntil, m, nil
		case <-p.reaped:
			// Its last words, which may still be on their way, on
			// stderr's pipe too: its reader may come after stdout's.
			timer := time.NewTimer(p.waitDelay)
		last:
			for _, s := range []*stream{p.out, p.errs} {
				if s == nil {
					continue
				}
				select {
				case <-s.done:
				case <-timer.C:
					break last
				case <-ctx.Done():
					break last
				}
			}
			timer.Stop()
			select {
			case m := <-until: // It came with the last words.
				consume = false
				return EndUntil, m, nil
			default:
			}
			return EndExited, nil, nil
		}
	}
}

// readKeys starts reading the keys typed on in, and sending them to the
// process from another goroutine, so that the escape key is seen even
// while a send is blocked on a process that does not read: up to
// keyQueue reads wait their turn, and keys typed past that are dropped.
// escaped is closed when the escape key is typed, sent once the keys
// typed before it are sent (or the sending gave up). stop ends both
// goroutines (after ctx is done, for a blocked send) and waits for them.
func (p *Process) readKeys(ctx context.Context, in, master *os.File, o InteractOptions) (escaped, sent <-chan struct{}, stop func(), err error) {
	wake, err := newWaker()
	if err != nil {
		return nil, nil, nil, err
	}
	esc := make(chan struct{})
	done := make(chan struct{})
	queue := make(chan []byte, keyQueue)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for b := range queue {
			_ = p.Send(ctx, b) // An exited process: the caller sees the exit.
		}
	}()
	go func() {
		defer close(done)
		defer close(queue)
		buf := make([]byte, 1024)
		fd := int(in.Fd())
		for {
			n, err := wake.read(fd, buf)
			if n > 0 {
				b := buf[:n]
				hit := o.Escape != 0 && bytes.IndexByte(b, o.Escape) >= 0
				if hit {
					b = b[:bytes.IndexByte(b, o.Escape)]
				}
				if len(b) > 0 {
					if o.Input != nil {
						on, err := p.Echo() // Unknown (an error): taken as echo off, never recorded.
						o.Input(b, on && err == nil)
					}
					select {
					case queue <- append([]byte(nil), b...):
					default: // The process has not read the last keyQueue reads.
					}
				}
				if hit {
					close(esc)
					return
				}
			}
			if err != nil {
				return // Woken, or the terminal is gone.
			}
		}
	}()
	return esc, wrote, func() {
		wake.wake()
		<-done
		<-wrote
		wake.close()
	}, nil
}

// keyQueue is how many reads of keys may wait to be sent.
const keyQueue = 64

// waker is a pipe that interrupts a wait for a file to be readable.
type waker struct{ r, w *os.File }

func newWaker() (*waker, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &waker{r: r, w: w}, nil
}

// errWoken is read's error once wake was called.
var errWoken = errors.New("woken")

// read waits until fd is readable or wake is called, and reads fd into
// b then. It does not change fd's blocking mode, which it shares with
// every process that has the terminal open.
func (k *waker) read(fd int, b []byte) (int, error) {
	for {
		fds := []unix.PollFd{
			{Fd: int32(fd), Events: unix.POLLIN},
			{Fd: int32(k.r.Fd()), Events: unix.POLLIN},
		}
		_, err := unix.Poll(fds, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if fds[1].Revents != 0 {
			return 0, errWoken
		}
		if fds[0].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0 {
			n, err := unix.Read(fd, b)
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			if err != nil || n == 0 {
				return 0, errors.Join(err, errors.New("the terminal is closed"))
			}
			return n, nil
		}
		if fds[0].Revents&unix.POLLNVAL != 0 {
			return 0, errors.New("the terminal is closed")
		}
	}
}

func (k *waker) wake() { _, _ = k.w.Write([]byte{0}) } // Full: woken already.

func (k *waker) close() { closeAll(k.r, k.w) }
