package exec

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
)

// Pattern is one thing Expect waits for. Exactly one of Text, Regexp and
// EOF should be set; the zero Pattern matches the empty string at once.
type Pattern struct {
	Text   string         // a substring
	Regexp *regexp.Regexp // a regular expression; its groups are captured
	EOF    bool           // the end of the stream
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
	scanned int64 // stream offset up to which no match was found
	anchor  int8  // for a regexp: 0 not yet known, 1 anchored, -1 not
}

// find looks for the pattern in the unconsumed output of s, which starts
// at stream offset base. It returns the match's start and end relative to
// the unconsumed output, and the submatch indexes for a regexp.
func (sc *scanner) find(pending []byte, base int64, eof bool) (start, end int, sub []int, ok bool) {
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
			sc.anchor = -1
			if anchored(sc.pat.Regexp) {
				sc.anchor = 1
			}
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
		loc := sc.pat.Regexp.FindSubmatchIndex(pending[from:])
		if loc == nil {
			sc.scanned = base + int64(limit)
			return 0, 0, nil, false
		}
		for i := range loc {
			if loc[i] >= 0 {
				loc[i] += from
			}
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

// anchored reports whether re holds, anywhere, an anchor at the start of
// its input: \A, or ^ outside (?m). Where such a regexp matches depends
// on where its input starts, so it must see the whole unconsumed output.
func anchored(re *regexp.Regexp) bool {
	r, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return true // Cannot happen for a compiled regexp; scanning all is safe.
	}
	return hasBeginText(r)
}

func hasBeginText(r *syntax.Regexp) bool {
	return r.Op == syntax.OpBeginText || slices.ContainsFunc(r.Sub, hasBeginText)
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
