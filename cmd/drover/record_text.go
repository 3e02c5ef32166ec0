package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The text of a recording: what an expect waits for, what a terminal showed, how a string is written.

// maxExpect is how many characters of a line an expect waits for: the
// tail of a long line is what a replay sees again (a prompt that shows a
// directory or a time changes at its start).
const maxExpect = 32

// tail is the last maxExpect characters of s.
func tail(s string) string {
	if n := utf8.RuneCountInString(s); n > maxExpect {
		for i := range s {
			if n == maxExpect {
				return s[i:]
			}
			n--
		}
	}
	return s
}

// lastRun is the last stretch of s free of control characters, escape
// sequences and invalid UTF-8 that holds more than blanks, and whether it
// ends s.
func lastRun(s string) (run string, atEnd bool) {
	var runs []string
	start := 0
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		if c >= 0x20 && c != 0x7f && c != utf8.RuneError {
			i += n
			continue
		}
		runs = append(runs, s[start:i])
		i += n
		if c == 0x1b {
			i = skipEscape(s, i)
		}
		start = i
	}
	runs = append(runs, s[start:])
	for j := len(runs) - 1; j >= 0; j-- {
		if strings.TrimSpace(runs[j]) != "" {
			return runs[j], j == len(runs)-1
		}
	}
	return "", false
}

// skipEscape returns where the escape sequence whose ESC ends at i ends:
// a CSI (ESC [ ... final), an OSC (ESC ] ... BEL or ST), or ESC and one byte.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		for i++; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return i
	case ']':
		for i++; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return i
	}
	return i + 1
}

// echoed reports whether text appears in out as a terminal would show it
// (backspaces and line erasing applied, other escape sequences left out).
func echoed(text string, out []byte) bool {
	if text == "" {
		return true
	}
	var lines []string
	var cur []rune
	x := 0
	s := string(out)
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case c == '\n':
			lines, cur, x = append(lines, string(cur)), nil, 0
		case c == '\r':
			x = 0
		case c == '\b':
			x = max(x-1, 0)
		case c == 0x1b:
			j := skipEscape(s, i)
			if strings.HasSuffix(s[i:j], "K") && x < len(cur) {
				cur = cur[:x] // Erase to the end of the line.
			}
			i = j
		case c < 0x20 || c == 0x7f:
		default:
			if x < len(cur) {
				cur[x] = c
			} else {
				cur = append(cur, c)
			}
			x++
		}
	}
	lines = append(lines, string(cur))
	for _, l := range lines {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// quote is s as a YAML double-quoted string whose drover template is s:
// $ doubled, control characters escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '$':
			b.WriteString("$$")
		case c == 0x1b:
			b.WriteString(`\e`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xfeff:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
