package exec

import (
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A pipe that a program fills faster than the reader empties it is read
// in bulk, off the runtime's poller. On the poller, each of the program's
// writes into a pipe that someone polls wakes the poller's thread (the
// kernel wakes epoll at every write once a pipe has been polled), and
// the reader then reads the few KiB that one write put there: a flood of
// 200 MB costs tens of thousands of reads and thread hand-offs, and
// reads at about two thirds of grep's speed. In bulk, the reader reads
// the pipe through a description of its own (opened again through
// /proc/self/fd), closing the one the runtime polls, which takes the
// pipe off the poller; it grows the pipe to 1 MiB, reads up to 1 MiB at
// a time, and after a read that did not fill its buffer waits a moment
// (bulkLinger) for the pipe to fill again rather than for the next
// write. When the pipe is empty it waits in poll(2), on the pipe and on
// an eventfd that cutOutput and closeOutput write to.
const (
	bulkChunk  = 1 << 20               // the pipe's size in bulk, and the largest read
	bulkLinger = time.Millisecond      // the pause after a read that did not fill its buffer
	bulkIdle   = 10 * time.Millisecond // a wait this long ends the pauses: output is no longer a flood
)

// bulkPipes counts the pipes this program reads in bulk now. Each holds
// 1 MiB of its user's pipe memory while it is open, of which a user
// without CAP_SYS_RESOURCE has 64 MiB (fs.pipe-user-pages-soft); past
// that the kernel gives every new pipe of the user, in any program, a
// page or two. At most maxBulkPipes are grown at once: the others stay on
// the poller.
var bulkPipes atomic.Int32

const maxBulkPipes = 16

// bulkPipe is a pipe read in bulk. Only the reader reads it and closes
// it; cutOutput and closeOutput wake it.
type bulkPipe struct {
	fd     int    // the pipe, through a description of its own: non-blocking
	name   string // the pipe's file's name, for errors
	wake   int    // eventfd: written to by poke
	pause  bool   // pause before the next read: the last one did not fill its buffer
	linger bool   // pause at all: reads come back large

	mu     sync.Mutex
	closed bool // closeOutput ran: the reader ends
	done   bool // the reader has closed fd and wake
}

// openBulk opens f, a pipe the reader reads, for reading in bulk, and
// grows it; nil when it cannot (no /proc, too many pipes in bulk, the
// pipe not grown): the reader goes on reading f. Else the caller closes
// f, and the reader calls release at its end.
func openBulk(f *os.File) *bulkPipe {
	if bulkPipes.Add(1) > maxBulkPipes {
		bulkPipes.Add(-1)
		return nil
	}
	p, err := reopenBulk(f)
	if err != nil {
		bulkPipes.Add(-1)
		return nil
	}
	return p
}

// reopenBulk opens f again, with an eventfd to wake its reader, and
// grows it. An error leaves nothing open.
func reopenBulk(f *os.File) (*bulkPipe, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	if cerr := rc.Control(func(ofd uintptr) {
		fd, err = unix.Open("/proc/self/fd/"+strconv.Itoa(int(ofd)), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	}); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	// Not grown (past the user's share of pipe memory, say), the pipe
	// would hold 64 KiB, which a pause of a millisecond between reads
	// would make a limit of 64 MB/s: better read on the poller.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, bulkChunk); err != nil {
		_ = unix.Close(fd) // Unused.
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(fd) // Unused.
		return nil, err
	}
	return &bulkPipe{fd: fd, name: f.Name(), wake: wake, linger: true}, nil
}

// next reads the pipe into b for the reader, as stream.next does: until
// cut, waiting for output; then only what the pipe holds, at most budget
// bytes in all, and io.EOF after; os.ErrClosed once closeOutput ran.
func (p *bulkPipe) next(b []byte, cut *atomic.Bool, budget *int) (int, error) {
	for {
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return 0, os.ErrClosed
		}
		if cut.Load() {
			if *budget <= 0 {
				return 0, io.EOF
			}
			n, errno := rawRead(uintptr(p.fd), b[:min(len(b), *budget)])
			if errno != 0 && errno != syscall.EAGAIN {
				return 0, &os.PathError{Op: "read", Path: p.name, Err: errno}
			}
			if n == 0 {
				return 0, io.EOF
			}
			*budget -= n
			return n, nil
		}
		if p.pause {
			p.pause = false
			time.Sleep(bulkLinger)
		}
		n, errno := rawRead(uintptr(p.fd), b)
		switch {
		case errno == syscall.EAGAIN:
			p.wait()
			continue
		case errno != 0:
			return 0, &os.PathError{Op: "read", Path: p.name, Err: errno}
		case n == 0:
			return 0, io.EOF
		}
		if n >= readChunk {
			p.linger = true
		}
		p.pause = p.linger && n < len(b)
		return n, nil
	}
}

// wait waits until the pipe has output, or has ended, or poke was
// called. A long wait ends the pauses between reads.
func (p *bulkPipe) wait() {
	start := time.Now()
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}, {Fd: int32(p.wake), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			break
		}
	}
	if time.Since(start) >= bulkIdle {
		p.linger = false
	}
}

// poke wakes the reader if it waits, and makes it stop when stop: for
// cutOutput, which has set cut, and closeOutput.
func (p *bulkPipe) poke(stop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stop {
		p.closed = true
	}
	if !p.done {
		one := [8]byte{1}
		_, _ = unix.Write(p.wake, one[:]) // Cannot fail but for a full counter, which wakes the reader too.
	}
}

// release closes the pipe: the reader calls it when it ends.
func (p *bulkPipe) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	bulkPipes.Add(-1)
	_ = unix.Close(p.fd) // Nothing to do about an error: read-only.
	_ = unix.Close(p.wake)
}
