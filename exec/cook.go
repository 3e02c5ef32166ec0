package exec

import (
	"bytes"
	"strings"
)

// cooker turns what a terminal receives into what a matcher should see:
// "\r\n" (and "\r\r\n", as a tty's ONLCR makes of a program's own "\r\n")
// becomes "\n", a carriage return at the start of a line (nothing shown
// since the last "\n", as after an escape sequence removed) is dropped,
// and ANSI escape sequences (CSI, OSC, DCS and the two- and
// three-byte ESC forms) are removed. It is a state machine fed chunk by
// chunk, so a sequence split across reads is still removed. The zero value
// is ready to use; a cooker is owned by one goroutine.
type cooker struct {
	state  cookState
	crs    int // carriage returns held back, waiting to see if "\n" follows
	strLen int // bytes swallowed inside an OSC/DCS string
	// midLine says the last byte cooked was not "\n": carriage returns
	// held back are kept only then. False at the start of the stream.
	midLine bool
}

type cookState uint8

const (
	cookText    cookState = iota
	cookEsc               // after ESC
	cookCSI               // inside ESC [ ...
	cookString            // inside OSC, DCS, SOS, PM or APC, until BEL or ST
	cookStrEsc            // ESC inside a string: ST if "\" follows
	cookCharset           // ESC ( and friends: one more byte to drop
)

// maxEscString bounds how much an unterminated OSC or DCS string may
// swallow before the cooker gives up on it and shows text again.
const maxEscString = 4096

// cook appends the cooked form of b to dst and returns it.
func (c *cooker) cook(dst, b []byte) []byte {
	if c.state == cookText && c.crs == 0 && bytes.IndexByte(b, '\r') < 0 && bytes.IndexByte(b, 0x1b) < 0 {
		if len(b) > 0 {
			c.midLine = b[len(b)-1] != '\n'
		}
		return append(dst, b...) // The common case: plain text.
	}
	for len(b) > 0 {
		if c.state == cookText && c.crs == 0 {
			// Copy the run of plain bytes up to the next special one.
			i := indexSpecial(b)
			if i < 0 {
				c.midLine = b[len(b)-1] != '\n' // b is not empty.
				return append(dst, b...)
			}
			if i > 0 {
				c.midLine = b[i-1] != '\n'
			}
			dst = append(dst, b[:i]...)
			b = b[i:]
		}
		dst = c.step(dst, b[0])
		b = b[1:]
	}
	return dst
}

func indexSpecial(b []byte) int {
	for i, x := range b {
		if x == '\r' || x == 0x1b {
			return i
		}
	}
	return -1
}

// step feeds one byte.
func (c *cooker) step(dst []byte, x byte) []byte {
	switch c.state {
	case cookText:
		if c.crs > 0 {
			switch x {
			case '\r':
				c.crs++
				return dst
			case '\n':
				c.crs, c.midLine = 0, false
				return append(dst, '\n')
			case 0x1b:
				// Keep the carriage returns waiting through the escape
				// sequence: "\r\x1b[0m\n" is still an end of line.
				c.state = cookEsc
				return dst
			}
			dst = c.returns(dst)
		}
		switch x {
		case '\r':
			c.crs = 1
		case 0x1b:
			c.state = cookEsc
		default:
			dst = append(dst, x)
			c.midLine = x != '\n'
		}
	case cookEsc:
		switch {
		case x == '[':
			c.state = cookCSI
		case x == ']' || x == 'P' || x == 'X' || x == '^' || x == '_':
			c.state, c.strLen = cookString, 0
		case x >= 0x20 && x <= 0x2f: // ESC ( B, ESC # 8, ...
			c.state = cookCharset
		case x == 0x1b:
			// ESC ESC: the first was stray.
		default:
			c.state = cookText // A two-byte sequence such as ESC 7 or ESC =.
		}
	case cookCSI:
		switch {
		case x >= 0x40 && x <= 0x7e:
			c.state = cookText // The final byte.
		case x == 0x18 || x == 0x1a: // CAN, SUB abort the sequence.
			c.state = cookText
		case x == 0x1b:
			c.state = cookEsc
		}
	case cookString:
		switch x {
		case 0x07:
			c.state = cookText
		case 0x1b:
			c.state = cookStrEsc
		default:
			c.strLen++
			if c.strLen > maxEscString {
				c.state = cookText
			}
		}
	case cookStrEsc:
		if x == '\\' {
			c.state = cookText
			return dst
		}
		c.state = cookEsc
		return c.step(dst, x)
	case cookCharset:
		c.state = cookText
	}
	return dst
}

// flush returns what the cooker holds back at the end of the stream.
func (c *cooker) flush(dst []byte) []byte {
	dst = c.returns(dst)
	c.state = cookText
	return dst
}

// returns appends the carriage returns held back, unless nothing was shown
// on the line yet: a "\r" there moves nothing, and would keep ^ in a
// (?m)^ regexp from the text after it (bc under TERM=xterm prints
// "\x1b[?2004l\r4\r\n").
func (c *cooker) returns(dst []byte) []byte {
	for ; c.crs > 0; c.crs-- {
		if c.midLine {
			dst = append(dst, '\r')
		}
	}
	return dst
}

// cookPattern returns text as it reads in a terminal's cooked output:
// "\r\n" folded to "\n" and escape sequences removed, so that a pattern
// written as the terminal sends it ("login ok\r\n", pexpect's idiom)
// matches. A carriage return that is not part of a line's end is kept.
func cookPattern(text string) string {
	if !strings.ContainsAny(text, "\r\x1b") {
		return text
	}
	c := cooker{midLine: true}
	return string(c.flush(c.cook(nil, []byte(text))))
}
