package exec

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// feed appends b to st as its reader goroutine does.
func feed(st *stream, b []byte) {
	st.mu.Lock()
	st.buf = append(st.buf, b...)
	st.trim()
	st.mu.Unlock()
	st.signal()
}

// newScanners returns the scanners of one Expect call.
func newScanners(pats ...Pattern) []scanner {
	scs := make([]scanner, len(pats))
	for i, p := range pats {
		scs[i].pat = p
	}
	return scs
}

// text is a Pattern that matches s as it is.
func text(s string) Pattern { return Pattern{Text: s} }

// The matcher carries its progress from one read to the next: a match
// split between reads is found as soon as its last byte arrives, and is
// the one a search of the whole output would find.
func TestMatchAcrossChunks(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile
	long := strings.Repeat("x\n", 40000) // Longer than RegexpWindow.
	tests := []struct {
		name   string
		chunks []string
		pat    Pattern
		at     int // the chunk after which it matches; -1: never
		before string
		text   string
	}{
		{"text in two", []string{"hel", "lo"}, text("hello"), 1, "", "hello"},
		{"text byte by byte", []string{"h", "e", "l", "l", "o", "!"}, text("hello"), 4, "", "hello"},
		{"text after noise", []string{"xxhe", "llo yy"}, text("hello"), 1, "xx", "hello"},
		{"text overlapping a false start", []string{"aaa", "ab"}, text("aab"), 1, "aa", "aab"},
		{"text of one byte", []string{"abc", "def"}, text("e"), 1, "abcd", "e"},
		{"text never", []string{"hel", "lo"}, text("help"), -1, "", ""},
		{"regexp in two", []string{"key=4", "2\n"}, Pattern{Regexp: re(`key=(\d+)\n`)}, 1, "", "key=42\n"},
		{"regexp streams", []string{"12", "34"}, Pattern{Regexp: re(`\d+`)}, 0, "", "12"},
		{"regexp line start after long output", []string{long, "foo\n"}, Pattern{Regexp: re(`(?m)^foo$`)}, 1, long, "foo"},
		{"regexp word after long output", []string{long, "a fo", "o b"}, Pattern{Regexp: re(`\bfoo\b`)}, 2, long + "a ", "foo"},
		{"regexp never", []string{long, "bar"}, Pattern{Regexp: re(`foo`)}, -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newStream(0)
			scs := newScanners(tt.pat)
			for i, c := range tt.chunks {
				feed(st, []byte(c))
				m, _ := st.match(scs)
				if m == nil {
					continue
				}
				if i != tt.at || m.Before != tt.before || m.Text != tt.text {
					t.Fatalf("after chunk %d: match %q after %d bytes; want %q after %d bytes, after chunk %d",
						i, m.Text, len(m.Before), tt.text, len(tt.before), tt.at)
				}
				return
			}
			if tt.at >= 0 {
				t.Fatalf("no match, want one after chunk %d", tt.at)
			}
		})
	}
}

// A regexp anchored at the start of the output (^ without (?m), or \A)
// matches only there, however far the window has moved.
func TestMatchAnchoredRegexp(t *testing.T) {
	t.Parallel()
	// Lines of "foo" after a first line that is not, longer than the
	// window: the window starts at some "foo" line, not at the start.
	first := "x\n" + strings.Repeat("foo\n", 2*RegexpWindow/4)
	for _, src := range []string{`^foo`, `\Afoo`, `(?i)^foo`, `(?:^foo)`, `(?s)^foo`, `bar|^foo`} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			st := newStream(0)
			scs := newScanners(Pattern{Regexp: regexp.MustCompile(src)})
			for _, c := range []string{first, "y", "z"} {
				feed(st, []byte(c))
				if m, _ := st.match(scs); m != nil {
					t.Fatalf("%s matched %q after %d bytes; the output does not start with foo", src, m.Text, len(m.Before))
				}
			}
		})
	}
}

// The zero Pattern matches the empty string at once, before anything.
func TestMatchZeroPattern(t *testing.T) {
	t.Parallel()
	for _, out := range []string{"", "abc"} {
		st := newStream(0)
		feed(st, []byte(out))
		m, _ := st.match(newScanners(Pattern{}))
		if m == nil || m.Text != "" || m.Before != "" {
			t.Errorf("zero Pattern on %q: %+v, want an empty match at the start", out, m)
		}
	}
}

func TestMatchSeveral(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile
	tests := []struct {
		name  string
		out   string
		eof   bool
		pats  []Pattern
		index int // -1: none
		text  string
	}{
		{"earliest start", "b a", false, []Pattern{text("a"), text("b")}, 1, "b"},
		{"tie: first", "abc", false, []Pattern{text("abc"), text("ab")}, 0, "abc"},
		{"tie: first, shorter", "abc", false, []Pattern{text("ab"), text("abc")}, 0, "ab"},
		{"regexp first", "x9 y", false, []Pattern{text("y"), {Regexp: re(`\d`)}}, 1, "9"},
		{"none", "abc", false, []Pattern{text("d"), {Regexp: re(`\d`)}}, -1, ""},
		{"eof not yet", "abc", false, []Pattern{{EOF: true}}, -1, ""},
		{"eof", "abc", true, []Pattern{{EOF: true}}, 0, "abc"},
		{"text before eof", "abc", true, []Pattern{{EOF: true}, text("c")}, 1, "c"},
		{"eof after no text", "abc", true, []Pattern{text("d"), {EOF: true}}, 1, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newStream(0)
			feed(st, []byte(tt.out))
			st.eof = tt.eof
			m, _ := st.match(newScanners(tt.pats...))
			switch {
			case m == nil && tt.index >= 0:
				t.Errorf("no match, want %d %q", tt.index, tt.text)
			case m != nil && (m.Index != tt.index || m.Text != tt.text):
				t.Errorf("match %d %q, want %d %q", m.Index, m.Text, tt.index, tt.text)
			}
		})
	}
}

// The stream keeps at most its bound of unconsumed output and counts what
// it drops; Recent keeps the last tailSize bytes.
func TestStreamBounded(t *testing.T) {
	t.Parallel()
	st := newStream(1)
	var all bytes.Buffer
	for i := 0; all.Len() < 5*st.max; i++ {
		chunk := bytes.Repeat([]byte{'a' + byte(i%26)}, 10000+i)
		all.Write(chunk)
		feed(st, chunk)
		b, dropped := st.unconsumed()
		if len(b) > st.max || dropped+int64(len(b)) != int64(all.Len()) || !bytes.HasSuffix(all.Bytes(), b) {
			t.Fatalf("after %d bytes: %d kept, %d dropped; want at most %d kept, the newest", all.Len(), len(b), dropped, st.max)
		}
		if r := st.recent(); !bytes.Equal(r, all.Bytes()[max(all.Len()-tailSize, 0):]) {
			t.Fatalf("after %d bytes: recent holds %d bytes, not the last ones", all.Len(), len(r))
		}
	}
	// A match consumes up to its end; recent still holds the tail.
	st.mu.Lock()
	st.consume(len(st.pending()) - 10)
	st.mu.Unlock()
	if b, _ := st.unconsumed(); !bytes.Equal(b, all.Bytes()[all.Len()-10:]) {
		t.Errorf("unconsumed after consume: %q", b)
	}
	if r := st.recent(); !bytes.Equal(r, all.Bytes()[all.Len()-tailSize:]) {
		t.Errorf("recent after consume: %d bytes, not the last ones", len(r))
	}
}

func TestPatternString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pats []Pattern
		want string
	}{
		{[]Pattern{text(`say "hi"`)}, `"say \"hi\""`},
		{[]Pattern{{Regexp: regexp.MustCompile(`a+b`)}}, `/a+b/`},
		{[]Pattern{{EOF: true}}, `EOF`},
		{[]Pattern{{}}, `""`},
		{[]Pattern{text("x"), {Regexp: regexp.MustCompile(`y`)}, {EOF: true}}, `any of "x", /y/, EOF`},
	}
	for _, tt := range tests {
		if got := describe(tt.pats); got != tt.want {
			t.Errorf("describe(%v) = %s, want %s", tt.pats, got, tt.want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	pats := []Pattern{text("x")}
	tests := []struct {
		err  error
		is   error
		want string
	}{
		{&Error{Op: "start", Err: errNoArgs}, errNoArgs, "start: no program given"},
		{&Error{Op: "send", Name: "cat", Err: ErrExited}, ErrExited, "send cat: process has exited"},
		{&ExpectError{Patterns: pats, Stream: Stdout, Waited: 1500 * time.Millisecond, Err: ErrEOF}, ErrEOF,
			`stdout ended after 1.5s without "x"`},
		{&ExpectError{Patterns: pats, Stream: Stdout, Waited: 41642 * time.Nanosecond, Err: ErrEOF}, ErrEOF,
			`stdout ended after 42µs without "x"`},
		{&ExpectError{Patterns: pats, Stream: Stderr, Waited: 10*time.Second + time.Millisecond, Err: context.DeadlineExceeded},
			context.DeadlineExceeded, `timed out after 10s waiting for "x" on stderr`},
		{&ExpectError{Patterns: pats, Stream: Both, Waited: 1234567 * time.Nanosecond, Err: context.Canceled},
			context.Canceled, `gave up after 1ms waiting for "x" on both: context canceled`},
		{&ExitError{Status: &Status{Code: 2}}, nil, "exit 2"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if tt.is != nil && !errors.Is(tt.err, tt.is) {
			t.Errorf("%v is not %v", tt.err, tt.is)
		}
	}
	for _, s := range []Stream{Stdout, Stderr, Both, Stream(9)} {
		if s.String() == "" || (&streamError{s}).Error() == "" {
			t.Errorf("stream %d has no name or message", s)
		}
	}
}

// FuzzMatch feeds output to the matcher in random chunks. A text pattern
// must find, one Expect after another, the same matches as bytes.Index on
// the whole output; a regexp of the same text too; and nothing panics.
func FuzzMatch(f *testing.F) {
	f.Add([]byte("hello world"), "world", []byte{3, 1, 4})
	f.Add([]byte("aaaaab aab"), "aab", []byte{1, 1, 1})
	f.Add([]byte("no match"), "xyz", []byte{})
	f.Add([]byte(""), "", []byte{0})
	f.Fuzz(func(t *testing.T, out []byte, txt string, cuts []byte) {
		// Split out at the cuts, each one a chunk length.
		var chunks [][]byte
		rest := out
		for _, c := range cuts {
			if len(rest) == 0 {
				break
			}
			n := min(int(c), len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		chunks = append(chunks, rest)

		pats := []Pattern{{Text: txt}}
		// A regexp of the text finds the same, if the text is UTF-8 that
		// cannot match an invalid byte.
		if utf8.ValidString(txt) && !strings.ContainsRune(txt, utf8.RuneError) {
			pats = append(pats, Pattern{Regexp: regexp.MustCompile(regexp.QuoteMeta(txt))})
		}
		for _, pat := range pats {
			want := allIndexes(out, []byte(txt))
			var got []int
			st := newStream(0)
			scs := newScanners(pat)
		Chunks:
			for _, c := range chunks {
				feed(st, c)
				for {
					m, _ := st.match(scs)
					if m == nil {
						break
					}
					if m.Text != txt {
						t.Fatalf("%s matched %q", pat, m.Text)
					}
					got = append(got, int(st.base)-len(txt))
					if txt == "" {
						break Chunks // It would match again and again.
					}
					scs = newScanners(pat) // The next Expect.
				}
			}
			if txt == "" {
				want = want[:1]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s in %q split as %q: matches at %v, want %v", pat, out, chunks, got, want)
			}
		}
	})
}

// allIndexes returns where sep occurs in b, without overlaps, as Expect
// after Expect would find it.
func allIndexes(b, sep []byte) []int {
	var at []int
	off := 0
	for {
		i := bytes.Index(b[off:], sep)
		if i < 0 {
			return at
		}
		at = append(at, off+i)
		if len(sep) == 0 {
			return at
		}
		off += i + len(sep)
	}
}
