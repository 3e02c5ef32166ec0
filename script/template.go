package script

import (
	"errors"
	"fmt"
	"strings"
)

// MaxValue is the most bytes Expand makes of a template: past it, it
// returns an error rather than allocate without bound.
const MaxValue = 1 << 20

// Expand replaces each ${name} in tmpl by lookup(name) and each $$ by a
// single $. A $ followed by anything else is kept as it is. lookup gets the
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
	_ = scanTmpl(tmpl, func(lit, name string) { // Syntax checked above.
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
	err := scanTmpl(tmpl, func(_, name string) {
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
// reference after it or "" when none follows. It stops at the first syntax
// error and returns it.
func scanTmpl(tmpl string, fn func(lit, name string)) error {
	if fn == nil {
		fn = func(string, string) {}
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
			fn(tmpl[i:j+1], "") // The first $ of $$.
			i = j + 2
		case j+1 < len(tmpl) && tmpl[j+1] == '{':
			end := strings.IndexByte(tmpl[j+2:], '}')
			if end < 0 {
				return fmt.Errorf(`unterminated "${" in %s; write ${name} for a variable, $$ for a literal $`, shortQuote(tmpl[j:]))
			}
			name := tmpl[j+2 : j+2+end]
			if err := checkRefName(name); err != nil {
				return err
			}
			fn(tmpl[i:j], name)
			i = j + 2 + end + 1
		default:
			fn(tmpl[i:j+1], "") // A lone $ is literal.
			i = j + 1
		}
	}
	if i < len(tmpl) {
		fn(tmpl[i:], "")
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
