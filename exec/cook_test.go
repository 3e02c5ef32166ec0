package exec

import (
	"bytes"
	"strings"
	"testing"
)

// cookAll cooks the chunks one after the other, then flushes, as a stream
// does from the first read to the end of the output.
func cookAll(chunks ...[]byte) []byte {
	var c cooker
	var out []byte
	for _, b := range chunks {
		out = c.cook(out, b)
	}
	return c.flush(out)
}

var cookTests = []struct {
	name, in, want string
}{
	{"plain", "hello world\n", "hello world\n"},
	{"empty", "", ""},
	{"crlf", "one\r\ntwo\r\n", "one\ntwo\n"},
	{"onlcr of a program's crlf", "one\r\r\ntwo\r\r\n", "one\ntwo\n"},
	{"many crs", "a\r\r\r\nb", "a\nb"},
	{"lone cr kept", "50%\r100%\n", "50%\r100%\n"},
	{"crs before text kept", "a\r\rb", "a\r\rb"},
	{"trailing cr kept", "prompt\r", "prompt\r"},
	{"cr at the start dropped", "\rx\r\n", "x\n"},
	{"cr at a line's start dropped", "a\n\r\rb\n", "a\nb\n"},
	{"cr after an escape at a line's start dropped", "2+2\r\n\x1b[?2004l\r4\r\n", "2+2\n4\n"},
	{"cr after text after an escape kept", "\x1b[1mab\x1b[0m\rc", "ab\rc"},
	{"trailing cr on an empty line dropped", "a\n\r", "a\n"},
	{"lf alone", "a\nb\n", "a\nb\n"},
	{"csi color", "\x1b[1;31mred\x1b[0m", "red"},
	{"csi cursor", "\x1b[2J\x1b[H\x1b[10;20Hx\x1b[K", "x"},
	{"csi private", "\x1b[?25lhidden\x1b[?25h", "hidden"},
	{"csi intermediate", "a\x1b[0 qb", "ab"},
	{"csi aborted by CAN", "\x1b[12\x18X", "X"},
	{"csi aborted by SUB", "\x1b[12\x1aX", "X"},
	{"csi restarted by esc", "\x1b[1\x1b[2mX", "X"},
	{"osc with bel", "\x1b]0;title\x07text", "text"},
	{"osc with st", "\x1b]8;;http://example.com\x1b\\link\x1b]8;;\x1b\\", "link"},
	{"dcs", "\x1bPq#0;2;0;0;0\x1b\\after", "after"},
	{"sos pm apc", "\x1bXsos\x1b\\\x1b^pm\x1b\\\x1b_apc\x07ok", "ok"},
	{"esc in a string starts a sequence", "\x1b]0;t\x1b[31mX", "X"},
	{"two-byte esc", "\x1b7saved\x1b8\x1b=\x1b>", "saved"},
	{"charset", "\x1b(Bascii\x1b)0", "ascii"},
	{"esc hash", "\x1b#8e", "e"},
	{"esc esc", "\x1b\x1b[31mX", "X"},
	{"esc at the end", "abc\x1b", "abc"},
	{"cr then csi then lf", "a\r\x1b[Kb\r\n", "a\rb\n"},
	{"color around crlf", "\x1b[32mok\x1b[0m\r\n$ ", "ok\n$ "},
	{"cr, reset, lf is one end of line", "a\r\x1b[0m\nb", "a\nb"},
	{"utf-8", "héllo \x1b[1m→\x1b[0m wörld\r\n", "héllo → wörld\n"},
	{"unterminated osc gives up", "\x1b]" + strings.Repeat("a", maxEscString+100) + "tail",
		strings.Repeat("a", 100-1) + "tail"},
}

// Cooking does not depend on how the output is split into reads.
func TestCook(t *testing.T) {
	t.Parallel()
	for _, tt := range cookTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tt.in)
			if got := string(cookAll(in)); got != tt.want {
				t.Fatalf("cook(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for i := range len(in) + 1 {
				if got := string(cookAll(in[:i], in[i:])); got != tt.want {
					t.Fatalf("cook(%q | %q) = %q, want %q", in[:i], in[i:], got, tt.want)
				}
			}
			bytewise := make([][]byte, len(in))
			for i := range in {
				bytewise[i] = in[i : i+1]
			}
			if got := string(cookAll(bytewise...)); got != tt.want {
				t.Fatalf("cook byte by byte = %q, want %q", got, tt.want)
			}
			if len(in) > 32 {
				return
			}
			for i := range len(in) + 1 {
				for j := i; j <= len(in); j++ {
					if got := string(cookAll(in[:i], in[i:j], in[j:])); got != tt.want {
						t.Fatalf("cook(%q | %q | %q) = %q, want %q", in[:i], in[i:j], in[j:], got, tt.want)
					}
				}
			}
		})
	}
}

// cook appends to dst and leaves what is already there alone.
func TestCookAppends(t *testing.T) {
	t.Parallel()
	var c cooker
	dst := c.cook([]byte("kept:"), []byte("a\r"))
	dst = c.cook(dst, []byte("\nb"))
	if got := string(c.flush(dst)); got != "kept:a\nb" {
		t.Errorf("got %q", got)
	}
}

// FuzzCook checks that cooking never panics, removes every ESC, never
// grows the output, leaves plain text alone, and does not depend on how
// the output is split into reads.
func FuzzCook(f *testing.F) {
	for _, tt := range cookTests {
		f.Add([]byte(tt.in), []byte{1, 5, 2})
	}
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		want := cookAll(in)
		if bytes.IndexByte(want, 0x1b) >= 0 {
			t.Fatalf("cook(%q) = %q holds an ESC", in, want)
		}
		if len(want) > len(in) {
			t.Fatalf("cook(%q) = %q is longer", in, want)
		}
		if !bytes.ContainsAny(in, "\r\x1b") && !bytes.Equal(want, in) {
			t.Fatalf("cook(%q) = %q changed plain text", in, want)
		}
		var chunks [][]byte
		rest := in
		for _, c := range cuts {
			n := min(int(c), len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		chunks = append(chunks, rest)
		if got := cookAll(chunks...); !bytes.Equal(got, want) {
			t.Fatalf("cook(%q) split as %q = %q, want %q", in, chunks, got, want)
		}
	})
}
