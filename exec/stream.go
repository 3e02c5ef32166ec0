package exec

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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
	minChunk  = 512      // the first read: most programs print little, many nothing
)

// stream is one output stream of a process: a reader goroutine appends
// cooked output to buf and signals notify; Expect scans and consumes it.
type stream struct {
	mu       sync.Mutex
	buf      []byte    // buf[off:] is the unconsumed output
	off      int       // bytes of buf already consumed, compacted lazily
	base     int64     // offset in the whole (cooked) stream of buf[off]
	dropped  int64     // unconsumed bytes dropped to bound memory
	tail     []byte    // the last output, consumed or not
	rawTail  []byte    // the last bytes read, before cooking
	received int64     // bytes read in all, before cooking
	arrived  time.Time // when the last bytes were read
	sent     int64     // offset in the whole (cooked) stream where output stood at the last Send
	eof      bool
	err      error // a read error other than the end of the stream
	max      int
	notify   chan struct{} // capacity 1: "something changed"
	done     chan struct{} // closed when the reader has returned
	file     *os.File      // cut, then closed, to stop the reader after WaitDelay
	tap      func([]byte)  // Interact's: gets each raw chunk, under mu
	cut      atomic.Bool   // WaitDelay ran out: read what is there and end (cutOutput)
	cutting  bool          // the reader saw cut; only it uses this
	in       *polledReader // reads the file for the reader; only it uses this
	fulls    int           // reads of readChunk/2 or more in a row; only the reader uses this

	bmu       sync.Mutex // guards bulk
	bulk      *bulkPipe  // the pipe, once read in bulk (bulk_linux.go); file is closed then
	triedBulk bool       // openBulk was called: it is, once; only the reader uses this

	// The Expects waiting on the stream: how many, and the scanners of
	// the one when it is alone (nil otherwise). The reader wakes an
	// Expect only when its output may hold a match, not at every read:
	// it scans what it appended for a text pattern itself, as the Expect
	// would have, so that a long output without the awaited text costs no
	// hand-off between threads (see wants).
	waiters  int
	waiting  []scanner
	waitDone <-chan struct{} // the waiting Expect's ctx.Done()

	// What is known of the dropped bytes, for Output.
	dropLines  int64    // the "\n" among them, with countLines
	countLines bool     // Cmd.CountLines
	dropLast   byte     // the last of them
	watch      []string // Cmd.Watch, once Start has set it
	seen       []bool   // whether each watched text was in them
	carry      []byte   // their end, next to pending: len(longest watched)-1 bytes
	unwatched  bool     // bytes were dropped before watch was set
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
	defer func() {
		if s.bulk != nil {
			s.bulk.release()
		}
	}()
	s.in = newPolledReader(f)
	size := minChunk
	var raw []byte // under a tty: the bytes before cooking
	budget := cutBudget
	for {
		var b []byte
		if c != nil {
			if len(raw) < size {
				raw = make([]byte, size)
			}
			b = raw[:size]
		} else {
			s.mu.Lock()
			n := s.room(size) // First: it may move s.buf.
			b = s.buf[len(s.buf) : len(s.buf)+n]
			s.mu.Unlock()
		}
		n, err := s.next(f, b, &budget)
		if n > 0 {
			if observe != nil {
				observe(b[:n])
			}
			now := time.Now()
			s.mu.Lock()
			if s.tap != nil {
				s.tap(b[:n]) // Under mu: Interact consumes exactly what it showed.
			}
			s.received += int64(n)
			s.arrived = now
			if c != nil {
				s.rawTail = keepTail(s.rawTail, b[:n])
				s.buf = c.cook(s.buf, b[:n])
			} else {
				s.buf = s.buf[:len(s.buf)+n]
			}
			s.trim()
			wake := s.wants()
			s.mu.Unlock()
			if wake {
				s.signal()
				// Let the Expect run before this goroutine reads again:
				// that read most often finds nothing (EAGAIN) and would
				// delay the Expect, and the program's answer, by a system
				// call when they share a P.
				runtime.Gosched()
			}
			if n == size && size < readChunk {
				size *= 2
			}
			if c == nil && !s.triedBulk && !s.cutting && s.flooded(n) {
				s.triedBulk = true // Once: a refusal would cost a try at every read.
				if b := openBulk(f); b != nil {
					s.bmu.Lock()
					s.bulk = b
					s.bmu.Unlock()
					_ = f.Close() // Takes the pipe off the poller; b holds it open.
					size = max(size, min(bulkChunk, s.max))
				}
			}
		}
		if err != nil {
			s.mu.Lock()
			if c != nil {
				s.buf = c.flush(s.buf)
			}
			s.eof = true
			// A pty master reads EIO once every slave is closed: that is
			// its end of file. A closed file means Terminate closed it.
			if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EIO) && !errors.Is(err, os.ErrClosed) {
				s.err = err
			}
			s.mu.Unlock()
			s.signal()
			return
		}
	}
}

// flooded reports, after a read of n bytes, whether the program fills
// its pipe faster than the reader empties it: two reads in a row found
// half of readChunk or more there (a pipe holds 64 KiB unless grown).
// Only the reader calls it.
func (s *stream) flooded(n int) bool {
	if n < readChunk/2 {
		s.fulls = 0
		return false
	}
	s.fulls++
	return s.fulls >= 2
}

// wake wakes the reader for cutOutput (stop false: cut is set) or
// closeOutput (stop true).
func (s *stream) wake(stop bool) {
	s.bmu.Lock()
	b := s.bulk
	s.bmu.Unlock()
	if b != nil {
		b.poke(stop)
	}
}

// room makes room for a read of up to n bytes past len(s.buf), and
// returns how many: n, or less once the buffer has grown to its bound
// and still has readChunk free (trim will make more after the read).
// The caller holds s.mu and is the reader.
func (s *stream) room(n int) int {
	if free := cap(s.buf) - len(s.buf); free < n && free >= readChunk && cap(s.buf) >= s.max {
		return free
	}
	s.reserve(n)
	return n
}

// reserve makes room for n more bytes past len(s.buf). The caller holds
// s.mu and is the reader.
func (s *stream) reserve(n int) {
	if cap(s.buf)-len(s.buf) >= n {
		return
	}
	kept := len(s.buf) - s.off
	if cap(s.buf)-kept >= n {
		// Room enough once the consumed bytes are gone.
		s.buf, s.off = s.buf[:copy(s.buf, s.buf[s.off:])], 0
		return
	}
	// Doubling, but not past what trim keeps plus a read: a flood that
	// no one consumes would grow the buffer to twice that.
	c := max(2*cap(s.buf), kept+n)
	if lim := s.max + n; c > lim {
		c = max(lim, kept+n)
	}
	nb := make([]byte, kept, c)
	copy(nb, s.buf[s.off:])
	if s.bulk != nil {
		// Touch the new pages here, not in the read: a page fault in
		// read(2) happens under the pipe's lock, and the program's
		// writes wait (spinning) for as long.
		clear(nb[kept:c])
	}
	s.buf, s.off = nb, 0
}

// await records that an Expect waits on the stream with scanners scs,
// until unawait; done is its ctx.Done().
func (s *stream) await(scs []scanner, done <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiters++
	s.waiting, s.waitDone = nil, nil
	if s.waiters == 1 {
		s.waiting, s.waitDone = scs, done
	}
}

// unawait undoes await. An Expect left waiting with another's scanners
// forgotten is woken at every read, as all were once.
func (s *stream) unawait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiters--
	s.waiting, s.waitDone = nil, nil
}

// wants reports whether the reader, having appended output, should wake
// the Expect waiting on the stream: none waits, no; its patterns are
// known and none of them matches now, no (the text ones are looked for
// here, in the new output only, with the scanners' own state, which
// leaves the Expect nothing to scan again); else yes. A regexp is left to
// the Expect, which scans each arrival once with its look-back: scanned
// here at every read, its look-back would be scanned at every read too.
// The caller holds s.mu.
func (s *stream) wants() bool {
	if s.waiters == 0 {
		return false
	}
	if s.waiting == nil {
		return true
	}
	pending := s.pending()
	for i := range s.waiting {
		sc := &s.waiting[i]
		if sc.pat.Regexp != nil {
			return true
		}
		if _, _, _, ok := sc.find(pending, s.base, s.sent, s.eof, s.waitDone); ok {
			return true
		}
	}
	return false
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
		s.account(s.buf[s.off : s.off+cut])
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
	if n > 0 {
		s.carry = s.carry[:0] // The dropped bytes no longer touch pending.
	}
	s.updateTail(s.buf[s.off : s.off+n])
	s.off += n
	s.base += int64(n)
}

// markSent records that input is about to be sent: a Prompt pattern
// looks only at output that arrives from here on.
func (s *stream) markSent() {
	s.mu.Lock()
	s.sent = s.base + int64(len(s.buf)-s.off)
	s.mu.Unlock()
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

// setWatch sets the texts to look for in dropped bytes (Cmd.Watch). The
// caller holds no lock.
func (s *stream) setWatch(texts []string, countLines bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unwatched = s.dropped > 0 // Too late for those: Output cannot tell.
	s.watch, s.countLines = texts, countLines
	s.seen = make([]bool, len(texts))
}

// account records what Output needs to know of b, unconsumed bytes about
// to be dropped: its lines, and the watched texts in it or across its
// start, with the carry of the bytes dropped before. The caller holds
// s.mu.
func (s *stream) account(b []byte) {
	if len(b) == 0 {
		return
	}
	if s.countLines {
		s.dropLines += int64(bytes.Count(b, []byte{'\n'}))
	}
	s.dropLast = b[len(b)-1]
	longest := 0
	for i, w := range s.watch {
		longest = max(longest, len(w))
		if !s.seen[i] {
			s.seen[i] = straddles(s.carry, b, w) || bytes.Contains(b, []byte(w))
		}
	}
	if longest > 1 {
		s.carry = keepLast(append(s.carry, b[max(len(b)-(longest-1), 0):]...), longest-1)
	}
}

// straddles reports whether text occurs across the joint of a and b,
// starting in a and ending in b.
func straddles(a, b []byte, text string) bool {
	if len(a) == 0 || len(text) < 2 {
		return false
	}
	a = a[max(len(a)-(len(text)-1), 0):]
	b = b[:min(len(b), len(text)-1)]
	j := append(append(make([]byte, 0, len(a)+len(b)), a...), b...)
	i := bytes.Index(j, []byte(text))
	return i >= 0 && i < len(a) && i+len(text) > len(a)
}

// keepLast returns the last n bytes of b, moved to its start.
func keepLast(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[:copy(b, b[len(b)-n:])]
}

// Output is the output of a stream that no Expect consumed, with what is
// known of the part dropped to bound memory (Cmd.BufferSize).
type Output struct {
	Kept    []byte // the unconsumed output kept: all of it, or its end
	Dropped int64  // bytes dropped before Kept

	dropLines int64
	dropLast  byte
	watched   map[string]bool // each watched text: whether it was dropped
	unwatched bool            // bytes were dropped before Start set Watch
	lines     bool            // dropLines counts the dropped lines
}

// Output returns the output of stream s (Stdout or Stderr) that no Expect
// consumed, as Unconsumed does, and what is known of the part dropped.
func (p *Process) Output(s Stream) *Output {
	st := p.stream(s)
	if st == nil {
		return &Output{}
	}
	return st.output()
}

func (s *stream) output() *Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &Output{
		Kept:      append([]byte(nil), s.pending()...),
		Dropped:   s.dropped,
		dropLines: s.dropLines,
		dropLast:  s.dropLast,
		unwatched: s.unwatched,
		lines:     s.countLines && !s.unwatched,
		watched:   make(map[string]bool, len(s.watch)),
	}
	for i, w := range s.watch {
		o.watched[w] = o.watched[w] || s.seen[i] || straddles(s.carry, o.Kept, w)
	}
	return o
}

// Contains reports whether text occurs in the output, the dropped part
// included. known is false when bytes were dropped and text is not one of
// Cmd.Watch, looked for in them as they were dropped: then no one can
// tell, and found is false.
func (o *Output) Contains(text string) (found, known bool) {
	if bytes.Contains(o.Kept, []byte(text)) {
		return true, true
	}
	if o.Dropped == 0 {
		return false, true
	}
	dropped, watched := o.watched[text]
	if !watched || o.unwatched {
		return false, false
	}
	return dropped, true
}

// Lines returns the number of lines of the output, the dropped part
// included: its "\n", and one more for a last line without one. known is
// false when bytes were dropped without Cmd.CountLines: then no one can
// tell.
func (o *Output) Lines() (n int64, known bool) {
	if o.Dropped > 0 && !o.lines {
		return 0, false
	}
	n = o.dropLines + int64(bytes.Count(o.Kept, []byte{'\n'}))
	last := o.dropLast
	if len(o.Kept) > 0 {
		last = o.Kept[len(o.Kept)-1]
	}
	if (len(o.Kept) > 0 || o.Dropped > 0) && last != '\n' {
		n++
	}
	return n, true
}
