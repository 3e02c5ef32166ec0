package script

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Visible returns s with every control character but tab shown as a Go
// escape: C0 controls and DEL as \x1b, C1 controls (U+0080 to U+009F,
// such as U+009B, a CSI to many terminals) as \u009b, and each byte that
// is not UTF-8 as \x9b. Printing the result cannot drive a terminal: no
// clipboard write (OSC 52), no title (OSC 0), no cursor move, no
// backspace. Text without such characters is returned as it is. A
// newline is escaped too; see VisibleLines. Visible is safe for
// concurrent use.
func Visible(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isC1(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// VisibleLines is Visible for text of several lines: its newlines are
// kept, everything else is escaped as Visible does.
func VisibleLines(s string) string {
	if !needsEscape(s) {
		return s
	}
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = Visible(l)
	}
	return strings.Join(ls, "\n")
}

func visible(s string) string      { return Visible(s) }
func visibleLines(s string) string { return VisibleLines(s) }

// needsEscape reports whether Visible would change s (a newline counts).
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return true
		} else if c >= 0x80 {
			return !utf8.ValidString(s) || strings.ContainsFunc(s[i:], func(r rune) bool { return isControl(r) || isC1(r) })
		}
	}
	return false
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }

func isC1(r rune) bool { return 0x80 <= r && r <= 0x9f }
