package exec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Pattern is one thing Expect waits for. Exactly one of Text, Regexp and
// EOF should be set; the zero Pattern matches the empty string at once.
type Pattern struct {
	Text   string         // a substring
	Regexp *regexp.Regexp // a regular expression; its groups are captured
	EOF    bool           // the end of the stream

	// Prompt makes Text or Regexp match only where the output received so
	// far ends with it, and only in output that arrived after the last
	// Send, once no more output has arrived for 50ms: a program waiting
	// at its prompt for the next input. A prompt printed before the last
	// Send and left unconsumed is not seen, nor one that more output
	// follows (the echo of a line typed ahead, read as soon as the prompt
	// is printed).
	Prompt bool
}

// String describes p for messages: a quoted text, /regexp/ or EOF.
func (p Pattern) String() string {
	switch {
	case p.EOF:
		return "EOF"
	case p.Regexp != nil:
		return "/" + p.Regexp.String() + "/"
	}
	return strconv.Quote(p.Text)
}

// Match is what Expect found.
type Match struct {
	Index  int      // which of the patterns matched
	Stream Stream   // the stream it matched on: Stdout or Stderr
	Text   string   // the matched text; for EOF, what remained unconsumed
	Groups []string // a regexp's submatches, Groups[0] being the whole match
	Before string   // the output consumed before the match
}

// scanner is the matching state of one pattern on one stream during one
// Expect call. It remembers how far it has looked, so that each arrival of
// output is scanned once, with only the look-back a match across the
// boundary needs: len(Text)-1 bytes for text, RegexpWindow for regexps.
type scanner struct {
	pat     Pattern
	scanned int64          // stream offset up to which no match was found
	anchor  int8           // for a regexp: 0 not yet known, 1 anchored, -1 not
	bounds  int8           // the regexp looks before its start: boundLine, boundWord or 0
	insts   int            // the size of the regexp's program, once known
	tooLong int            // the longest match passed over for RegexpWindow
	atEnd   *regexp.Regexp // for a Prompt regexp: it, matching only at the end
}

// The values of scanner.bounds.
const (
	boundLine = 1 // the regexp holds (?m)^
	boundWord = 2 // the regexp holds \b or \B
)

// find looks for the pattern in the unconsumed output of s, which starts
// at stream offset base. It returns the match's start and end relative to
// the unconsumed output, and the submatch indexes for a regexp. A regexp
// scan stops early when done is closed: it then finds nothing and leaves
// the scanned offset alone, for the next call to look again.
func (sc *scanner) find(pending []byte, base, sent int64, eof bool, done <-chan struct{}) (start, end int, sub []int, ok bool) {
	if sc.pat.Prompt {
		start, end, ok = sc.findPrompt(pending, base, sent)
		return start, end, nil, ok
	}
	if sc.pat.EOF {
		if eof {
			return 0, len(pending), nil, true
		}
		return 0, 0, nil, false
	}
	from := 0
	if sc.scanned > base {
		from = int(sc.scanned - base)
	}
	limit := len(pending)
	switch {
	case sc.pat.Regexp != nil:
		if sc.anchor == 0 {
			sc.study()
		}
		from -= RegexpWindow
		if from <= 0 || sc.anchor > 0 {
			// An anchored regexp fails fast past position 0, and must see
			// the true start of the unconsumed output.
			from = 0
		} else {
			// Start the window at a line's start when one is near, so
			// that (?m)^ and \b see what they would in the whole output.
			lo := max(from-4096, 0)
			if i := bytes.LastIndexByte(pending[lo:from], '\n'); i >= 0 {
				from = lo + i + 1
			}
		}
		loc, complete := sc.search(pending, from, done)
		if !complete {
			return 0, 0, nil, false
		}
		if loc == nil {
			sc.scanned = base + int64(limit)
			return 0, 0, nil, false
		}
		return loc[0], loc[1], loc, true
	default:
		text := sc.pat.Text
		from -= max(len(text)-1, 0) // An empty text matches at once, where it is.
		if from < 0 {
			from = 0
		}
		i := bytes.Index(pending[from:], []byte(text))
		if i < 0 {
			sc.scanned = base + int64(limit)
			return 0, 0, nil, false
		}
		return from + i, from + i + len(text), nil, true
	}
}

// findPrompt looks for a Prompt pattern at the end of the unconsumed
// output, which starts at stream offset base, in what arrived at or after
// stream offset sent.
func (sc *scanner) findPrompt(pending []byte, base, sent int64) (start, end int, ok bool) {
	from := 0
	if sent > base {
		from = int(min(sent-base, int64(len(pending))))
	}
	if sc.pat.Regexp == nil {
		text := sc.pat.Text
		start = len(pending) - len(text)
		if text == "" || start < from || !bytes.HasSuffix(pending, []byte(text)) {
			return 0, 0, false
		}
		return start, len(pending), true
	}
	if sc.atEnd == nil {
		re, err := regexp.Compile(`(?:` + sc.pat.Regexp.String() + `)\z`)
		if err != nil {
			return 0, 0, false // Cannot happen: it compiled alone.
		}
		sc.atEnd = re
	}
	from = max(from, len(pending)-RegexpWindow)
	loc := sc.atEnd.FindIndex(pending[from:])
	if loc == nil || loc[1] == loc[0] {
		return 0, 0, false // Nothing, or only the empty string.
	}
	return from + loc[0], from + loc[1], true
}

// study learns what find needs to know of a regexp, once per scanner.
func (sc *scanner) study() {
	sc.anchor, sc.insts = -1, 1<<20
	r, err := syntax.Parse(sc.pat.Regexp.String(), syntax.Perl)
	if err != nil {
		sc.anchor = 1 // Cannot happen for a compiled regexp; scanning all is safe.
		return
	}
	if hasOp(r, syntax.OpBeginText) {
		sc.anchor = 1
	}
	switch {
	case hasOp(r, syntax.OpBeginLine):
		sc.bounds = boundLine
	case hasOp(r, syntax.OpWordBoundary) || hasOp(r, syntax.OpNoWordBoundary):
		sc.bounds = boundWord
	}
	if prog, err := syntax.Compile(r.Simplify()); err == nil {
		sc.insts = len(prog.Inst)
	}
}

// search returns the submatch indexes, in pending, of the leftmost match
// of the regexp that starts at from or later and spans at most
// RegexpWindow bytes, or nil; complete is false when done was closed
// before it could tell.
//
// A longer match is passed over, wherever the output was split into
// reads, and the search goes on from the first start at which a match
// ending where it did would fit: RegexpWindow bytes before its end (so
// that a long run of \w before a ";" still gives \w+; its last 64 KiB, as
// it would in reads of any size). It goes on in slices of 2*RegexpWindow:
// no match in a slice means none of at most RegexpWindow bytes starts in
// its first half. A slice that starts inside a line or a word shows ^, \b
// and \B a false start of text there: a match at its very start is not
// trusted, and for such a regexp a later start is one where the slice
// sees what the whole output would (see restart). Every turn of the loop
// moves from forward.
func (sc *scanner) search(pending []byte, from int, done <-chan struct{}) (loc []int, complete bool) {
	cut := len(pending) // The first look is at all the rest, as it stands.
	for from <= len(pending) {
		select {
		case <-done:
			return nil, false
		default:
		}
		loc, complete := sc.exec(pending[from:cut], done)
		if !complete {
			return nil, false
		}
		if loc == nil {
			if cut == len(pending) {
				return nil, true
			}
			from = sc.restart(pending, cut-RegexpWindow)
		} else {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += from
				}
			}
			n := loc[1] - loc[0]
			trusted := loc[0] > from || sc.restart(pending, from) == from
			switch {
			case !trusted:
			case n <= RegexpWindow && (loc[1] < cut || cut == len(pending)):
				return loc, true
			case n <= RegexpWindow:
				// It ends where the slice does and the output does not:
				// $ or \b may have matched at the cut. Look again with all
				// the rest, from its start.
				whole, complete := sc.exec(pending[loc[0]:], done)
				if !complete {
					return nil, false
				}
				if whole != nil && whole[0] == 0 && whole[1] <= RegexpWindow {
					for i := range whole {
						if whole[i] >= 0 {
							whole[i] += loc[0]
						}
					}
					return whole, true
				}
			default:
				sc.tooLong = max(sc.tooLong, n)
			}
			if sc.anchor > 0 {
				return nil, true // It can match only at the start.
			}
			next := loc[0] + 1
			if n > RegexpWindow {
				next = loc[1] - RegexpWindow
			}
			from = sc.restart(pending, next)
		}
		if from < 0 {
			return nil, true
		}
		cut = min(len(pending), from+2*RegexpWindow)
	}
	return nil, true
}

// restart returns the first position at or after from where a slice of
// pending may start and show the regexp what the whole output would, or
// -1 if there is none: any position for a regexp without ^, \b or \B;
// one after a "\n" for a regexp with (?m)^; one after a byte that is not
// a word character for one with \b or \B. A match starting in between is
// missed; one so placed, after a match longer than RegexpWindow, is rare.
func (sc *scanner) restart(pending []byte, from int) int {
	switch {
	case from > len(pending):
		return -1
	case from <= 0 || sc.bounds == 0:
		return from
	case sc.bounds == boundLine:
		if pending[from-1] == '\n' {
			return from
		}
		if i := bytes.IndexByte(pending[from:], '\n'); i >= 0 {
			return from + i + 1
		}
	default:
		for i := from; i <= len(pending); i++ {
			if !isWordByte(pending[i-1]) {
				return i
			}
		}
	}
	return -1
}

// isWordByte reports whether b is an ASCII word character, as \b sees it.
func isWordByte(b byte) bool {
	return b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// A regexp is heavy when its program has more than heavyInsts
// instructions (\w{1,1000} alone has some 2000), or when its size times
// the bytes to scan passes heavyWork: the work of a scan that does not
// look at done, at worst a few nanoseconds an instruction a byte. A heavy
// scan reads through a doneReader, a little slower, which stops once done
// is closed. Ordinary patterns have a few dozen instructions.
const (
	heavyInsts = 200
	heavyWork  = 1 << 26
)

// exec runs the regexp on b. complete is false when done was closed first.
func (sc *scanner) exec(b []byte, done <-chan struct{}) (loc []int, complete bool) {
	if done == nil || sc.insts <= heavyInsts && sc.insts*len(b) <= heavyWork {
		return sc.pat.Regexp.FindSubmatchIndex(b), true
	}
	r := &doneReader{b: b, done: done}
	loc = sc.pat.Regexp.FindReaderSubmatchIndex(r)
	if r.stopped {
		return nil, false // Cut short: what it found means nothing.
	}
	return loc, true
}

// doneReader reads b rune by rune, as FindSubmatchIndex does, and ends
// early, as if b ended, once done is closed: it looks every few dozen
// runes.
type doneReader struct {
	b       []byte
	i, n    int
	done    <-chan struct{}
	stopped bool
}

func (r *doneReader) ReadRune() (rune, int, error) {
	if r.n++; r.n >= 32 {
		r.n = 0
		select {
		case <-r.done:
			r.stopped = true
		default:
		}
	}
	if r.stopped || r.i >= len(r.b) {
		return 0, 0, io.EOF
	}
	if c := r.b[r.i]; c < utf8.RuneSelf {
		r.i++
		return rune(c), 1, nil
	}
	c, size := utf8.DecodeRune(r.b[r.i:])
	r.i += size
	return c, size, nil
}

// FindContext returns the leftmost match of re in b, as re.FindIndex
// does. A heavy regexp (a large program on much text) is scanned in a way
// that stops once ctx is done; FindContext then returns ctx's error.
func FindContext(ctx context.Context, re *regexp.Regexp, b []byte) ([]int, error) {
	sc := scanner{pat: Pattern{Regexp: re}}
	sc.study()
	loc, complete := sc.exec(b, ctx.Done())
	if !complete {
		return nil, ctx.Err()
	}
	if loc != nil {
		loc = loc[:2]
	}
	return loc, nil
}

// hasOp reports whether r holds, anywhere, an operator op. Where a regexp
// with \A, or ^ outside (?m) (OpBeginText), matches depends on where its
// input starts, so it must see the whole unconsumed output.
func hasOp(r *syntax.Regexp, op syntax.Op) bool {
	return r.Op == op || slices.ContainsFunc(r.Sub, func(s *syntax.Regexp) bool { return hasOp(s, op) })
}

// describe lists patterns for a message: "foo", /a+b/ or EOF.
func describe(pats []Pattern) string {
	if len(pats) == 1 {
		return pats[0].String()
	}
	var b bytes.Buffer
	b.WriteString("any of ")
	for i, p := range pats {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s", p)
	}
	return b.String()
}
