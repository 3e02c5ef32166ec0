package exec

import (
	"context"
	"errors"
	"time"
)

// Expect waits until the output on stream s (Stdout, Stderr or Both)
// matches one of pats, and consumes the output up to the end of the match:
// the next Expect on that stream starts after it. When several patterns
// match, the one whose match starts first wins, and among those the first
// in pats. Output is scanned as it arrives, each byte once (plus the short
// look-back a match across two reads needs), never the whole buffer again:
// a regexp's match may span at most RegexpWindow bytes, however the output
// was split into reads. A regexp costly to run (a large program on much
// output) is scanned so that ctx ending stops it at once.
//
// Under a tty, stdout is matched as cooked: "\r\n" folded to "\n" and
// escape sequences removed, in the output and in a Text pattern alike.
//
// It returns an *ExpectError when ctx is done first, or when the stream
// ends and no pattern can match any more; that error carries the last
// output received.
func (p *Process) Expect(ctx context.Context, s Stream, pats ...Pattern) (*Match, error) {
	return p.ExpectIdle(ctx, 0, s, pats...)
}

// ExpectIdle is Expect that also gives up, with an *ExpectError whose Err
// is ErrIdle, when no output at all arrives on the stream for idle: a
// program that has stopped talking, told apart from one still busy
// printing what does not match. An idle of 0 means no such limit.
func (p *Process) ExpectIdle(ctx context.Context, idle time.Duration, s Stream, pats ...Pattern) (*Match, error) {
	var streams []*stream
	var names []Stream
	switch s {
	case Stdout, Stderr:
		if st := p.stream(s); st != nil {
			streams, names = []*stream{st}, []Stream{s}
		}
	case Both:
		for _, n := range []Stream{Stdout, Stderr} {
			if st := p.stream(n); st != nil {
				streams, names = append(streams, st), append(names, n)
			}
		}
	}
	if len(streams) == 0 {
		return nil, &Error{Op: "expect", Name: p.name(), Err: &streamError{s}}
	}
	var outer [2][]scanner // Stdout, Stderr: no allocation but the scanners.
	scanners, all := outer[:len(streams)], make([]scanner, len(streams)*len(pats))
	for i := range streams {
		scanners[i] = all[i*len(pats) : (i+1)*len(pats) : (i+1)*len(pats)]
		for j, pat := range pats {
			if p.tty && names[i] == Stdout {
				pat.Text = cookPattern(pat.Text) // Matched against cooked output.
			}
			scanners[i][j].pat = pat
		}
	}
	for i, st := range streams {
		st.await(scanners[i], ctx.Done())
	}
	defer func() { // One defer, not one a stream: a defer in a loop is allocated.
		for _, st := range streams {
			st.unawait()
		}
	}()
	began := time.Now()
	var idleC <-chan time.Time
	var idleT *time.Timer
	var received int64
	if idle > 0 {
		received = total(streams)
		idleT = time.NewTimer(idle)
		defer idleT.Stop()
		idleC = idleT.C
	}
	var settleT *time.Timer
	defer func() {
		if settleT != nil {
			settleT.Stop()
		}
	}()
	for {
		allEOF := true
		var settle time.Duration // the shortest wait for a prompt to settle
		for i, st := range streams {
			m, eof, wait := st.matchSettled(scanners[i], ctx.Done(), true)
			if m != nil {
				m.Stream = names[i]
				return m, nil
			}
			if wait > 0 && (settle == 0 || wait < settle) {
				settle = wait
			}
			allEOF = allEOF && eof
		}
		var settleC <-chan time.Time
		if settle > 0 {
			if settleT == nil {
				settleT = time.NewTimer(settle)
			} else {
				settleT.Reset(settle)
			}
			settleC = settleT.C
		}
		if allEOF {
			if p.awaitSameEnd(ctx) {
				break // A scan cut short by ctx proves nothing: say why it stopped.
			}
			e := p.expectError(ctx, s, pats, began, ErrEOF)
			e.TooLong = tooLong(streams, scanners)
			return nil, e
		}
		if idleT != nil {
			if n := total(streams); n != received {
				// Output arrived: the program is not idle. The reader
				// does not wake this Expect for output that cannot
				// match, so the wait counts from the arrival, not from
				// now.
				received = n
				idleT.Reset(idleLeft(streams, idle))
			}
		}
		var n1, n2 <-chan struct{}
		n1 = streams[0].notify
		if len(streams) > 1 {
			n2 = streams[1].notify
		}
		select {
		case <-n1:
		case <-n2:
		case <-settleC:
		case <-idleC:
			n := total(streams)
			if n == received {
				e := p.expectError(ctx, s, pats, began, ErrIdle)
				e.Idle = idle
				e.TooLong = tooLong(streams, scanners)
				return nil, e
			}
			received = n
			idleT.Reset(idleLeft(streams, idle)) // Idle from the last arrival.
		case <-ctx.Done():
			// One last look: output may have arrived with the deadline.
			for i, st := range streams {
				if m, _ := st.matchUntil(scanners[i], ctx.Done()); m != nil {
					m.Stream = names[i]
					return m, nil
				}
			}
			e := p.expectError(ctx, s, pats, began, ctx.Err())
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				e.TooLong = tooLong(streams, scanners)
			}
			return nil, e
		}
	}
	// Only a scan cut short by ctx leaves the loop.
	e := p.expectError(ctx, s, pats, began, ctx.Err())
	return nil, e
}

// tooLongCheck bounds the look at the unconsumed output that tooLong
// takes when an Expect fails: at most this many bytes, for at most
// tooLongTime.
const (
	tooLongCheck = 8 << 20
	tooLongTime  = 100 * time.Millisecond
)

// tooLong returns the length of a regexp's match, longer than
// RegexpWindow, in the output left unconsumed by a failed Expect, or 0:
// one the scanners passed over, or else one a search of the whole
// unconsumed output finds now (the scanners, which look back only
// RegexpWindow, may never have seen its start).
func tooLong(streams []*stream, scanners [][]scanner) int {
	longest := 0
	for i, st := range streams {
		for j := range scanners[i] {
			sc := &scanners[i][j]
			if sc.pat.Regexp == nil {
				continue
			}
			if sc.tooLong > 0 {
				longest = max(longest, sc.tooLong)
				continue
			}
			longest = max(longest, st.longMatch(sc))
		}
	}
	return longest
}

// longMatch returns the length of the leftmost match of sc's regexp in the
// unconsumed output if it is longer than RegexpWindow, else 0.
func (st *stream) longMatch(sc *scanner) int {
	ctx, cancel := context.WithTimeout(context.Background(), tooLongTime)
	defer cancel()
	st.mu.Lock()
	defer st.mu.Unlock()
	pending := st.pending()
	if len(pending) > tooLongCheck {
		return 0
	}
	if sc.anchor == 0 {
		sc.study()
	}
	loc, complete := sc.exec(pending, ctx.Done())
	if !complete || loc == nil || loc[1]-loc[0] <= RegexpWindow {
		return 0
	}
	return loc[1] - loc[0]
}

// idleLeft is how long is left of idle since output last arrived on any
// of the streams: 0 if it has passed.
func idleLeft(streams []*stream, idle time.Duration) time.Duration {
	var last time.Time
	for _, st := range streams {
		st.mu.Lock()
		if st.arrived.After(last) {
			last = st.arrived
		}
		st.mu.Unlock()
	}
	return max(idle-time.Since(last), 0)
}

// total is how many bytes the streams have received in all.
func total(streams []*stream) int64 {
	var n int64
	for _, st := range streams {
		st.mu.Lock()
		n += st.received
		st.mu.Unlock()
	}
	return n
}

// match scans the new output of st with each scanner and consumes the
// earliest match. It also reports whether the stream has ended.
func (st *stream) match(scs []scanner) (*Match, bool) { return st.matchUntil(scs, nil) }

// matchUntil is match that cuts a heavy regexp's scan short once done is
// closed: it then finds nothing in that scan.
func (st *stream) matchUntil(scs []scanner, done <-chan struct{}) (*Match, bool) {
	m, eof, _ := st.matchSettled(scs, done, false)
	return m, eof
}

// promptSettle is how long a Prompt pattern's match must stay the last
// output before it counts: a program that reads a line typed ahead
// prints its prompt and then, at once, the line's echo or its answer.
const promptSettle = 50 * time.Millisecond

// matchSettled is matchUntil that, with settle, finds a Prompt pattern
// only once no output has arrived for promptSettle: until then it finds
// nothing and returns how long is left to wait.
func (st *stream) matchSettled(scs []scanner, done <-chan struct{}, settle bool) (*Match, bool, time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	pending := st.pending()
	best, bestRank, bestStart, bestEnd := -1, 0, 0, 0
	var bestSub []int
	for j := range scs {
		start, end, sub, ok := scs[j].find(pending, st.base, st.sent, st.eof, done)
		rank := start
		if scs[j].pat.EOF {
			rank = len(pending) + 1 // The end comes after any text still unconsumed.
		}
		if ok && (best < 0 || rank < bestRank) {
			best, bestRank, bestStart, bestEnd, bestSub = j, rank, start, end, sub
		}
	}
	if best < 0 {
		if st.eof {
			// The reader has stopped: nothing more will arrive. Scanners
			// above saw everything, so no match is possible.
			return nil, true, 0
		}
		return nil, false, 0
	}
	if settle && scs[best].pat.Prompt && !st.eof {
		if wait := promptSettle - time.Since(st.arrived); wait > 0 {
			return nil, false, wait
		}
	}
	m := &Match{Index: best}
	if bestSub != nil {
		m.Groups = make([]string, len(bestSub)/2)
		for g := range m.Groups {
			if a, b := bestSub[2*g], bestSub[2*g+1]; a >= 0 {
				m.Groups[g] = string(pending[a:b])
			}
		}
	}
	m.Before = string(pending[:bestStart])
	m.Text = string(pending[bestStart:bestEnd])
	st.consume(bestEnd)
	return m, false, 0
}

func (p *Process) expectError(ctx context.Context, s Stream, pats []Pattern, began time.Time, err error) *ExpectError {
	e := &ExpectError{Patterns: pats, Stream: s, Waited: time.Since(began), Err: err}
	switch s {
	case Both:
		e.RecentRaw = string(p.RecentRaw(Stdout)) + string(p.RecentRaw(Stderr))
	default:
		e.RecentRaw = string(p.RecentRaw(s))
	}
	if dl, ok := ctx.Deadline(); ok && errors.Is(err, context.DeadlineExceeded) {
		// Report the wait asked for, not the scheduler's few extra
		// microseconds.
		e.Waited = dl.Sub(began)
	}
	switch s {
	case Both:
		e.Recent = string(p.Recent(Stdout)) + string(p.Recent(Stderr))
	default:
		e.Recent = string(p.Recent(s))
	}
	return e
}
