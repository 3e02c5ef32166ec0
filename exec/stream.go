package exec

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
)

// Stream names an output stream of a Process.
type Stream int

const (
	Stdout Stream = iota // standard output; under a tty, the terminal
	Stderr               // standard error, when it has a pipe of its own
	Both                 // either of the two, for Expect
)

// String returns "stdout", "stderr" or "both".
func (s Stream) String() string {
	switch s {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	case Both:
		return "both"
	}
	return "stream(?)"
}

const (
	// DefaultBufferSize is how many unconsumed bytes a stream keeps when
	// Cmd.BufferSize is zero. Past it the oldest bytes are dropped, keeping
	// what a pending match may still need.
	DefaultBufferSize = 4 << 20

	// RegexpWindow is the most bytes of (cooked) output a regular
	// expression's match may span. A longer match is never accepted,
	// however the output was split into reads: the search goes on past
	// its start, and an Expect that fails for want of a shorter one says
	// so (ExpectError.TooLong). It is also how far back from newly arrived
	// output a scan looks, which keeps matching linear in the output
	// however long it grows.
	RegexpWindow = 64 << 10

	tailSize  = 4 << 10  // recent output kept for error messages
	readChunk = 64 << 10 // the largest read
	minChunk  = 4 << 10  // the first read; a pty master never returns more
)

// stream is one output stream of a process: a reader goroutine appends
// cooked output to buf and signals notify; Expect scans and consumes it.
type stream struct {
	mu       sync.Mutex
	buf      []byte // buf[off:] is the unconsumed output
	off      int    // bytes of buf already consumed, compacted lazily
	base     int64  // offset in the whole (cooked) stream of buf[off]
	dropped  int64  // unconsumed bytes dropped to bound memory
	tail     []byte // the last output, consumed or not
	rawTail  []byte // the last bytes read, before cooking
	received int64  // bytes read in all, before cooking
	eof      bool
	err      error // a read error other than the end of the stream
	max      int
	notify   chan struct{} // capacity 1: "something changed"
	done     chan struct{} // closed when the reader has returned
	file     *os.File      // closed to stop the reader after WaitDelay
}

func newStream(max int) *stream {
	if max <= 0 {
		max = DefaultBufferSize
	}
	if max < 2*RegexpWindow {
		max = 2 * RegexpWindow
	}
	return &stream{max: max, notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// read copies f into the stream until the end, cooking it if c is not nil
// and passing raw bytes to observe if it is not nil. It runs in its own
// goroutine, the only one that writes to the stream's buffer or changes
// its length: on pipes it reads straight into the free space past
// len(s.buf), outside the lock, which no one else touches. Reads start
// small, so that a program that prints little costs little, and double up
// to readChunk while they come back full.
func (s *stream) read(f *os.File, c *cooker, observe func([]byte)) {
	defer close(s.done)
	size := minChunk
	var raw []byte // under a tty: the bytes before cooking
	for {
		var b []byte
		if c != nil {
			if len(raw) < size {
				raw = make([]byte, size)
			}
			b = raw[:size]
		} else {
			s.mu.Lock()
			s.reserve(size)
			b = s.buf[len(s.buf) : len(s.buf)+size]
			s.mu.Unlock()
		}
		n, err := f.Read(b)
		if n > 0 {
			if observe != nil {
				observe(b[:n])
			}
			s.mu.Lock()
			s.received += int64(n)
			if c != nil {
				s.rawTail = keepTail(s.rawTail, b[:n])
				s.buf = c.cook(s.buf, b[:n])
			} else {
				s.buf = s.buf[:len(s.buf)+n]
			}
			s.trim()
			s.mu.Unlock()
			s.signal()
			if n == size && size < readChunk {
				size *= 2
			}
		}
		if err != nil {
			s.mu.Lock()
			if c != nil {
				s.buf = c.flush(s.buf)
			}
			s.eof = true
			// A pty master reads EIO once every slave is closed: that is
			// its end of file. A closed file means WaitDelay ran out.
			if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EIO) && !errors.Is(err, os.ErrClosed) {
				s.err = err
			}
			s.mu.Unlock()
			s.signal()
			return
		}
	}
}

// reserve makes room for n more bytes past len(s.buf). The caller holds
// s.mu and is the reader.
func (s *stream) reserve(n int) {
	if cap(s.buf)-len(s.buf) >= n {
		return
	}
	nb := make([]byte, len(s.buf)-s.off, max(2*cap(s.buf), len(s.buf)-s.off+n))
	copy(nb, s.buf[s.off:])
	s.buf, s.off = nb, 0
}

func (s *stream) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// trim bounds memory: past max unconsumed bytes it drops the oldest ones,
// keeping what a match in progress may still need; and it compacts away
// consumed bytes. The caller holds s.mu.
func (s *stream) trim() {
	if n := len(s.buf) - s.off; n > s.max {
		cut := n - s.max/2
		s.updateTail(s.buf[s.off : s.off+cut])
		s.off += cut
		s.base += int64(cut)
		s.dropped += int64(cut)
	}
	if s.off > 0 && s.off == len(s.buf) {
		s.buf, s.off = s.buf[:0], 0
	} else if s.off > 0 && s.off >= len(s.buf)/2 {
		n := copy(s.buf, s.buf[s.off:])
		s.buf = s.buf[:n]
		s.off = 0
	}
}

// pending returns the unconsumed output; it is valid until s.mu is
// released. The caller holds s.mu.
func (s *stream) pending() []byte { return s.buf[s.off:] }

// consume removes the first n unconsumed bytes, remembering them in the
// tail. It leaves the buffer's length alone: only the reader changes it,
// compacting in trim. The caller holds s.mu.
func (s *stream) consume(n int) {
	s.updateTail(s.buf[s.off : s.off+n])
	s.off += n
	s.base += int64(n)
}

func (s *stream) updateTail(b []byte) { s.tail = keepTail(s.tail, b) }

// keepTail appends b to tail, keeping at least the last tailSize bytes
// and at most twice that, and returns it.
func keepTail(tail, b []byte) []byte {
	if len(b) >= tailSize {
		return append(tail[:0], b[len(b)-tailSize:]...)
	}
	tail = append(tail, b...)
	if len(tail) > 2*tailSize {
		n := copy(tail, tail[len(tail)-tailSize:])
		tail = tail[:n]
	}
	return tail
}

// recentRaw returns the last bytes read, before cooking (under a tty),
// at most tailSize; on pipes, where nothing is cooked, as recent does.
func (s *stream) recentRaw() []byte {
	s.mu.Lock()
	if s.rawTail == nil {
		s.mu.Unlock()
		return s.recent()
	}
	defer s.mu.Unlock()
	out := s.rawTail
	if len(out) > tailSize {
		out = out[len(out)-tailSize:]
	}
	return append([]byte(nil), out...)
}

// recent returns the last output received, consumed or not, at most
// tailSize bytes.
func (s *stream) recent() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]byte, 0, tailSize)
	out = append(out, s.tail...)
	out = append(out, s.pending()...)
	if len(out) > tailSize {
		out = out[len(out)-tailSize:]
	}
	return out
}

// unconsumed returns a copy of what no Expect consumed and how many
// unconsumed bytes were dropped to bound memory.
func (s *stream) unconsumed() ([]byte, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.pending()...), s.dropped
}
