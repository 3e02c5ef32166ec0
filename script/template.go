package script

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxValue is the most bytes Expand makes of a template: past it, it
// returns an error rather than allocate without bound.
const MaxValue = 1 << 20

// Expand replaces each ${name} in tmpl by lookup(name) and each $$ by a
// single $. ${name|filter} quotes the value for where it goes (see
// [Filters]); filters apply left to right, as in ${name|json|sh}. A $ followed by anything else is kept as it is. lookup gets the
// name exactly as written, so "env.HOME" for ${env.HOME}; it reports false
// for a name that is not defined, and Expand then returns an
// *UndefinedError naming the first such variable. A syntax error (an
// unterminated "${", an empty or invalid name) is reported before any
// lookup. A value longer than MaxValue is an error naming the variable
// that made it too long. Expand is safe for concurrent use if lookup is.
func Expand(tmpl string, lookup func(name string) (string, bool)) (string, error) {
	if strings.IndexByte(tmpl, '$') < 0 {
		return tmpl, nil
	}
	if err := scanTmpl(tmpl, nil); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(tmpl))
	var failed error
	_ = scanTmpl(tmpl, func(lit, name, filters string) { // Syntax checked above.
		if failed != nil {
			return
		}
		b.WriteString(lit)
		if name == "" {
			return
		}
		v, ok := lookup(name)
		if !ok {
			failed = &UndefinedError{Name: name}
			return
		}
		if filters != "" {
			if v, ok = applyFilters(v, filters, MaxValue-b.Len()); !ok {
				failed = fmt.Errorf("${%s|%s} would make a value of more than %d bytes (1 MiB)", name, filters, MaxValue)
				return
			}
		}
		if b.Len()+len(v) > MaxValue {
			failed = fmt.Errorf("${%s} (%d bytes) would make a value of more than %d bytes (1 MiB)", name, len(v), MaxValue)
			return
		}
		b.WriteString(v)
	})
	if failed != nil {
		return "", failed
	}
	return b.String(), nil
}

// Refs returns the names tmpl references, each once, in the order of their
// first use, or nil if it references none. It returns an error for the
// syntax errors Expand reports. Refs is safe for concurrent use.
func Refs(tmpl string) ([]string, error) {
	if strings.IndexByte(tmpl, '$') < 0 {
		return nil, nil
	}
	var names []string
	seen := make(map[string]bool)
	err := scanTmpl(tmpl, func(_, name, _ string) {
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// scanTmpl splits tmpl into literal text and references, calling fn (if not
// nil) with pieces of literal text, each followed by the name of the
// reference after it or "" when none follows, and its filters as written
// ("re", "json|sh") or "". It stops at the first syntax error and returns
// it.
func scanTmpl(tmpl string, fn func(lit, name, filters string)) error {
	if fn == nil {
		fn = func(string, string, string) {}
	}
	i := 0
	for i < len(tmpl) {
		j := strings.IndexByte(tmpl[i:], '$')
		if j < 0 {
			break
		}
		j += i
		switch {
		case j+1 < len(tmpl) && tmpl[j+1] == '$':
			fn(tmpl[i:j+1], "", "") // The first $ of $$.
			i = j + 2
		case j+1 < len(tmpl) && tmpl[j+1] == '{':
			end := strings.IndexByte(tmpl[j+2:], '}')
			if end < 0 {
				return fmt.Errorf(`unterminated "${" in %s; write ${name} for a variable, $$ for a literal $`, shortQuote(tmpl[j:]))
			}
			name, filters, _ := strings.Cut(tmpl[j+2:j+2+end], "|")
			if err := checkRefName(name); err != nil {
				return err
			}
			if err := checkFilters(name, filters, strings.Contains(tmpl[j+2:j+2+end], "|")); err != nil {
				return err
			}
			fn(tmpl[i:j], name, filters)
			i = j + 2 + end + 1
		default:
			fn(tmpl[i:j+1], "", "") // A lone $ is literal.
			i = j + 1
		}
	}
	if i < len(tmpl) {
		fn(tmpl[i:], "", "")
	}
	return nil
}

// checkRefName checks the name in ${name}: identifiers joined by dots, as in
// host, env.HOME and match.index.
func checkRefName(name string) error {
	if name == "" {
		return errors.New(`empty variable name in "${}"; write $$ for a literal $`)
	}
	for part := range strings.SplitSeq(name, ".") {
		if !isVarName(part) {
			return fmt.Errorf("invalid variable name %s in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}", shortQuote(name))
		}
	}
	return nil
}

// isVarName reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Filters are the names ${name|filter} takes, each quoting a value for
// where it goes:
//
//   - re: inside a regular expression, matching the value literally
//     (regexp.QuoteMeta; invalid UTF-8 becomes U+FFFD, which is what the
//     regexp package matches such a byte as);
//   - sh: inside a shell command line (sh -c), as one word in POSIX single
//     quotes, so that no value can run a command: it's becomes 'it'\”s';
//   - json: as a JSON string, with its quotes; invalid UTF-8 becomes
//     U+FFFD, as encoding/json does.
var Filters = []string{"json", "re", "sh"}

// filterGrowth is the most bytes each filter makes of one byte, and the
// bytes it adds to any value: what the parser reckons a filtered value's
// size with.
var filterGrowth = map[string][2]int{
	"json": {6, 2}, // A control byte is \u00XX; the quotes.
	"re":   {3, 0}, // An invalid byte is U+FFFD, 3 bytes; a metacharacter 2.
	"sh":   {4, 2}, // ' is '\''; the quotes.
}

// checkFilters checks the filters of ${name|filters}; bar says a | was
// written.
func checkFilters(name, filters string, bar bool) error {
	if !bar {
		return nil
	}
	for f := range strings.SplitSeq(filters, "|") {
		if !slices.Contains(Filters, f) {
			return fmt.Errorf("unknown filter %s in ${%s|%s}; want one of: %s", shortQuote(f), name, filters, strings.Join(Filters, ", "))
		}
	}
	return nil
}

// applyFilters applies filters (checked) to v, left to right. It returns
// false, having allocated no more than room bytes per filter, when the
// result would be longer than room.
func applyFilters(v, filters string, room int) (string, bool) {
	for f := range strings.SplitSeq(filters, "|") {
		g := filterGrowth[f]
		if len(v) > room || len(v) > (room-g[1])/g[0] && filteredLen(f, v) > room {
			return "", false
		}
		switch f {
		case "re":
			v = regexp.QuoteMeta(validUTF8(v))
		case "sh":
			v = "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
		case "json":
			v = jsonQuote(v)
		}
	}
	return v, true
}

// validUTF8 returns v with each byte that is not valid UTF-8 replaced by
// U+FFFD, as the regexp package reads it.
func validUTF8(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

// filteredLen is the length of v once filter f is applied, without
// making it.
func filteredLen(f, v string) int {
	switch f {
	case "re":
		n := 0
		for i := 0; i < len(v); {
			r, size := utf8.DecodeRuneInString(v[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				n += len("\uFFFD")
			case strings.ContainsRune(`\.+*?()|[]{}^$`, r):
				n += 2
			default:
				n += size
			}
			i += size
		}
		return n
	case "sh":
		return len(v) + 2 + 3*strings.Count(v, "'")
	}
	n := 2
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
			n += 2
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// jsonQuote writes v as a JSON string: ", \ and control characters
// escaped, U+2028 and U+2029 too (JavaScript takes them for line ends),
// invalid UTF-8 as \ufffd.
func jsonQuote(v string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xF])
		case r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
