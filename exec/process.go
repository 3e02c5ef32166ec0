package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Process is a started program. Its methods are safe for concurrent use,
// though two concurrent Expects on one stream compete for its output.
type Process struct {
	Pid int // the process ID, also its process group ID

	cmd       *osexec.Cmd
	marker    string // its token in MarkerVar
	tty       bool
	stdin     io.WriteCloser // the terminal, a pipe, or nil
	stdoutR   *os.File       // with Cmd.StdoutPipe: the read end
	out, errs *stream        // errs is nil when stderr is not apart
	grace     time.Duration
	waitDelay time.Duration
	stopAfter func() bool // stops the Start context's watch
	ended     atomic.Bool // the Start context's end ended the process

	reaped  chan struct{} // closed once the process is waited for
	status  *Status
	stdinMu sync.Mutex
	closed  bool // stdin closed by Send EOF
}

// Status is how a process ended.
type Status struct {
	Code   int            // the exit code, or -1 if killed by a signal
	Signal syscall.Signal // the signal that killed it, or 0
}

// Success reports whether the process exited with code 0.
func (s *Status) Success() bool { return s.Code == 0 && s.Signal == 0 }

// String describes the status: "exit 3" or "killed by SIGTERM".
func (s *Status) String() string {
	if s.Signal != 0 {
		return "killed by " + SignalName(s.Signal)
	}
	return fmt.Sprintf("exit %d", s.Code)
}

// reap waits for the process, once, and publishes its status.
func (p *Process) reap() {
	err := p.cmd.Wait()
	waited(p.Pid)
	sweepOrphans() // What it left that exited already: no SIGCHLD wakes the reaper.
	st := &Status{Code: -1}
	if ps := p.cmd.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			st.Signal = ws.Signal()
		} else {
			st.Code = ps.ExitCode()
		}
	} else if err != nil {
		st.Code = -1
	}
	p.status = st
	p.stopAfter()
	close(p.reaped)
}

// Status returns the process's status once it has exited and been
// reaped, else nil. Unlike Wait, it does not wait for the output's end.
func (p *Process) Status() *Status {
	select {
	case <-p.reaped:
		return p.status
	default:
		return nil
	}
}

// Exited reports whether the process has exited and been reaped.
func (p *Process) Exited() bool {
	select {
	case <-p.reaped:
		return true
	default:
		return false
	}
}

// Done returns a channel that is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.reaped }

// Stdout returns the read end of stdout for a process started with
// Cmd.StdoutPipe, to pass as another Cmd's Stdin; otherwise nil. The
// caller owns it once taken and should close it after starting the reader.
func (p *Process) Stdout() *os.File { return p.stdoutR }

// Send writes b to the process's stdin, or types it on its terminal.
func (p *Process) Send(ctx context.Context, b []byte) error {
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if p.stdin == nil {
		return &Error{Op: "send", Name: p.name(), Err: errNoStdin}
	}
	if p.Exited() { // First: Terminate closes stdin too.
		return &Error{Op: "send", Name: p.name(), Err: p.exitedErr(ctx)}
	}
	if p.closed {
		return &Error{Op: "send", Name: p.name(), Err: errStdinClosed}
	}
	if err := ctx.Err(); err != nil {
		return &Error{Op: "send", Name: p.name(), Err: err}
	}
	for _, st := range []*stream{p.out, p.errs} {
		if st != nil {
			st.markSent() // Before the echo of b can arrive.
		}
	}
	// Most sends fit in the terminal's or the pipe's buffer at once: try
	// that first, without arming anything to cut a blocked write short.
	n, done := tryWrite(p.stdin, b)
	if done {
		return nil
	}
	b = b[n:]
	// The write ends when the process exits, too: a terminal's input
	// queue, once full, is never read again.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.reaped:
			cancel()
		case <-wctx.Done():
		}
	}()
	if err := writeCtx(wctx, p.stdin, b); err != nil {
		if ctx.Err() == nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.EIO)) {
			// The process closed its input, most often by exiting: give
			// the exit as long to show as Wait gives its output.
			timer := time.NewTimer(p.waitDelay)
			select {
			case <-p.reaped:
			case <-timer.C:
			case <-ctx.Done():
			}
			timer.Stop()
		}
		if p.Exited() {
			err = p.exitedErr(ctx)
		}
		return &Error{Op: "send", Name: p.name(), Err: err}
	}
	return nil
}

// SendEOF ends the process's input: it closes the stdin pipe, or types the
// terminal's end-of-file character (^D) at the start of a line.
func (p *Process) SendEOF(ctx context.Context) error {
	if p.tty {
		return p.Send(ctx, []byte{0x04})
	}
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if p.stdin == nil {
		return &Error{Op: "send", Name: p.name(), Err: errNoStdin}
	}
	if p.closed {
		return nil
	}
	p.closed = true
	if err := p.stdin.Close(); err != nil {
		return &Error{Op: "send", Name: p.name(), Err: err}
	}
	return nil
}

// writeCtx writes b, giving up when ctx is done if w has deadlines.
func writeCtx(ctx context.Context, w io.Writer, b []byte) error {
	type deadliner interface{ SetWriteDeadline(time.Time) error }
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := w.(deadliner); ok {
		// The deadline is set only once ctx is done, so that a write cut
		// short by it always finds ctx.Err() set.
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(fired)
			_ = d.SetWriteDeadline(time.Now()) // Not every file supports deadlines.
		})
		defer func() {
			if !stop() {
				<-fired // Else it could set the deadline after the reset below.
			}
			_ = d.SetWriteDeadline(time.Time{})
		}()
	}
	_, err := w.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Wait waits for the process to exit and for its output to end, at most
// Cmd.WaitDelay after the exit. It returns the status; the error is an
// *ExitError when the status is not a clean exit 0, or ctx's error when ctx
// is done first (the process is left running), or when the end of the
// context the process was started with ended the process and ctx, most
// often a child of that context, ends a moment later, in the same
// cancellation.
func (p *Process) Wait(ctx context.Context) (*Status, error) {
	select {
	case <-p.reaped:
		if p.awaitSameEnd(ctx) {
			return nil, ctx.Err()
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.drain()
	if !p.status.Success() {
		e := &ExitError{Status: p.status}
		if p.errs != nil {
			e.Stderr = string(p.errs.recent())
		}
		return p.status, e
	}
	return p.status, nil
}

// sameEndWait is how long awaitSameEnd waits.
const sameEndWait = 100 * time.Millisecond

// awaitSameEnd reports whether ctx is done, waiting for it up to
// sameEndWait when the end of the context the process was started with
// ended the process: a context and its children are cancelled in one
// sweep, but the process may die, and its output end, before the sweep
// reaches ctx. A wait, an Expect or a Send cut short by that end then
// says so, not that the process exited or that its output ended.
func (p *Process) awaitSameEnd(ctx context.Context) bool {
	if ctx.Err() == nil && p.ended.Load() {
		timer := time.NewTimer(sameEndWait)
		defer timer.Stop()
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
	}
	return ctx.Err() != nil
}

// exitedErr is why a send to the exited process fails: ErrExited, or
// ctx's error when the end of the process's own context ended it and ctx
// ends too (awaitSameEnd).
func (p *Process) exitedErr(ctx context.Context) error {
	if p.awaitSameEnd(ctx) {
		return ctx.Err()
	}
	return ErrExited
}

// drain waits for the readers to reach the end of output. When WaitDelay
// passes first (a grandchild holds the files open), each reader reads what
// is there without waiting and ends, and the files are closed.
func (p *Process) drain() {
	if p.drained() {
		return // Most often: no timer to arm.
	}
	timer := time.NewTimer(p.waitDelay)
	defer timer.Stop()
	cut := false
	for _, s := range []*stream{p.out, p.errs} {
		if s == nil {
			continue
		}
		select {
		case <-s.done:
		case <-timer.C:
			p.cutOutput() // Both: the timer fires once.
			cut = true
			<-s.done
		}
	}
	if cut {
		p.closeOutput() // A grandchild may hold them: not ours to wait for.
	}
}

// drained reports whether every reader has reached the end of output.
func (p *Process) drained() bool {
	for _, s := range []*stream{p.out, p.errs} {
		if s == nil {
			continue
		}
		select {
		case <-s.done:
		default:
			return false
		}
	}
	return true
}

// closeOutput closes the output files, which ends the readers.
func (p *Process) closeOutput() {
	for _, s := range []*stream{p.out, p.errs} {
		if s != nil && s.file != nil {
			s.wake(true)
			_ = s.file.Close() // Ends the reader; its error is expected.
		}
	}
}

// Signal sends sig to the process's whole group.
func (p *Process) Signal(sig syscall.Signal) error {
	if err := signalGroup(p.Pid, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			err = ErrExited
		}
		return &Error{Op: "signal", Name: p.name(), Err: err}
	}
	return nil
}

// Terminate ends the process's whole tree: its process group and, on
// Linux, every other process of the tree it can find, those that left the
// group by setsid or a double fork included (see the package
// documentation). A process under a tty is hung up first, as Expect's
// close and a closed terminal window do: its group gets SIGHUP (and
// SIGCONT), and a moment (hangupWait, at most grace) to exit; an
// interactive shell, which ignores SIGTERM, exits on it. Then they all get
// SIGTERM (and SIGCONT, for a stopped one; the tty process's group SIGHUP
// again, for a shell that missed the first), then SIGKILL to what is left
// once grace has passed or the head of the tree has exited, whichever is
// first: the process itself while it runs, else the rest of its tree. So
// members that ignored SIGTERM go too. It then waits for the process, and
// for the rest of the tree to die (a few seconds at most, for one stuck in
// the kernel), reaps those handed to this program (see BecomeSubreaper),
// waits for the output and releases the process's files. A ctx done early
// skips the rest of the grace.
func (p *Process) Terminate(ctx context.Context, grace time.Duration) error {
	t := p.findTree(nil)
	defer t.close()
	running := !p.Exited()
	if running && p.tty {
		_ = signalGroup(p.Pid, syscall.SIGHUP) // ESRCH: already gone.
		_ = signalGroup(p.Pid, sigCONT)
		// Its wait counts from when it took the signal: on a loaded
		// machine that can be later, and the hang-up again below would
		// merge with a first one still pending.
		gctx, cancel := context.WithTimeout(ctx, grace)
		awaitDelivered(gctx, p.reaped, p.Pid, syscall.SIGHUP)
		hctx, cancelH := context.WithTimeout(gctx, hangupWait)
		select {
		case <-p.reaped:
		case <-hctx.Done():
		}
		cancelH()
		cancel()
		running = !p.Exited()
		t = p.findTree(t) // Its children, orphans now if it exited.
	}
	if running || t.len() > 0 {
		if running {
			if p.tty {
				// Again: bash, hung up as it reads a new command line,
				// may note the signal and block in read until another
				// comes; SIGTERM, which it ignores, does not wake it.
				_ = signalGroup(p.Pid, syscall.SIGHUP)
			}
			_ = signalGroup(p.Pid, syscall.SIGTERM) // ESRCH: already gone.
			_ = signalGroup(p.Pid, sigCONT)
		}
		t.signal(syscall.SIGTERM)
		t.signal(sigCONT)
		gctx, cancel := context.WithTimeout(ctx, grace)
		if running {
			select {
			case <-p.reaped:
			case <-gctx.Done():
			}
		} else {
			t.wait(gctx)
		}
		cancel()
		t = p.findTree(t) // What it left behind, or forked meanwhile.
	}
	_ = signalGroup(p.Pid, syscall.SIGKILL) // The stragglers, if any.
	t.signal(syscall.SIGKILL)
	unregister(p.Pid)
	<-p.reaped
	if t.len() > 0 {
		kctx, cancel := context.WithTimeout(context.Background(), killWait)
		t.wait(kctx)
		cancel()
		t.reap()
	}
	p.drain()
	p.release()
	return nil
}

// hangupWait is how long Terminate waits after hanging up a process under
// a tty before it sends SIGTERM: pexpect's delay after close.
const hangupWait = 100 * time.Millisecond

// killWait bounds how long Terminate waits for killed processes to die,
// for one stuck in the kernel.
const killWait = 2 * time.Second

// release closes the files a process holds once it is gone.
func (p *Process) release() {
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if p.stdin != nil && !p.closed {
		p.closed = true
		_ = p.stdin.Close() // Best effort: the process is gone.
	}
	p.closeOutput()
	if p.stdoutR != nil {
		_ = p.stdoutR.Close() // Harmless when the reader took it.
	}
}

func (p *Process) name() string {
	if p.cmd != nil && len(p.cmd.Args) > 0 {
		return p.cmd.Args[0]
	}
	return "process"
}

// Unconsumed returns the output of stream s (Stdout or Stderr) that no
// Expect consumed, and how many bytes of it were dropped to bound memory.
func (p *Process) Unconsumed(s Stream) ([]byte, int64) {
	st := p.stream(s)
	if st == nil {
		return nil, 0
	}
	return st.unconsumed()
}

// Recent returns the last few kilobytes of output received on s, consumed
// or not, as Expect matches it.
func (p *Process) Recent(s Stream) []byte {
	st := p.stream(s)
	if st == nil {
		return nil
	}
	return st.recent()
}

// RecentRaw is Recent before a terminal's output is cooked: "\r\n" and
// ANSI escape sequences as the program wrote them. On pipes it is Recent.
func (p *Process) RecentRaw(s Stream) []byte {
	st := p.stream(s)
	if st == nil {
		return nil
	}
	return st.recentRaw()
}

func (p *Process) stream(s Stream) *stream {
	switch s {
	case Stdout:
		return p.out
	case Stderr:
		return p.errs
	}
	return nil
}
