package script

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// This file reads the one-line steps of a chunk without yaml.v3.
//
// Most items of a long generated steps: list are one line each, a step
// kind and a scalar: "- send: ping-7", "- expect: \"ping-7\\n\"",
// "- wait:". yaml.v3 spends some 2.5 µs on each (a scanner, a parser
// and a tree of nodes built token by token), over half of a long
// script's parse. lineItem makes the nodes of such a line itself: the same nodes,
// field for field, as yaml.v3 makes of it, which FuzzLineItem checks
// against yaml.v3 for any line. It takes only what it is sure of:
//
//	- key: value
//
// at the items' column, on one line whose next line starts the next item
// (or the list ends): a key of lowercase letters, digits and _, at most
// maxLineKey of them, that is not true, false or null; then nothing (a
// null value), or spaces and a value that is plain (starting with a
// letter, $, / or _, then printable ASCII but : and #, not ending in a
// space, and not a word yaml.v3 resolves to a bool or a null),
// single-quoted, or double-quoted with the escapes \\ \" \n \t \r \e \a
// \b \0 and \xHH below 0x80. Any other item, and a run of them, is
// decoded by yaml.v3 as before.

// maxLineKey is the longest key lineItem reads.
const maxLineKey = 64

// lineNodes are the nodes of the one-line items of a chunk, made three at
// a time, with their mappings' Content: a chunk's in two allocations.
type lineNodes struct {
	nodes   []yaml.Node
	content []*yaml.Node
	spans   []itemSpan // the items of a chunk
}

// newLineNodes holds the nodes of n one-line items.
func newLineNodes(n int) *lineNodes {
	return &lineNodes{nodes: make([]yaml.Node, 0, 3*n), content: make([]*yaml.Node, 0, 2*n)}
}

// lineItem returns the mapping of the item on text, one line without its
// line break, on line line of the file, its "- " at col (from 0), made
// from ln; or nil if the line is not one lineItem is sure of.
func lineItem(text []byte, line, col int, ln *lineNodes) *yaml.Node {
	if len(text) < col+3 || text[col] != '-' || text[col+1] != ' ' {
		return nil
	}
	k := col + 2
	end := k
	for end < len(text) && (text[end] >= 'a' && text[end] <= 'z' || end > k && (text[end] >= '0' && text[end] <= '9' || text[end] == '_')) {
		end++
	}
	// yaml.v3 takes a key of at most 1,024 characters before its colon
	// for one; a step's kind is much shorter.
	if end == k || end-k > maxLineKey || end == len(text) || text[end] != ':' {
		return nil
	}
	key := text[k:end]
	if string(key) == "true" || string(key) == "false" || string(key) == "null" {
		return nil
	}
	v := end + 1
	var val yaml.Node
	switch {
	case v == len(text):
		val = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: line, Column: v + 1}
	case text[v] != ' ':
		return nil
	default:
		for v < len(text) && text[v] == ' ' {
			v++
		}
		if v == len(text) {
			return nil // Spaces at the end of the line.
		}
		value, style, ok := lineScalar(text[v:])
		if !ok {
			return nil
		}
		val = yaml.Node{Kind: yaml.ScalarNode, Style: style, Tag: "!!str", Value: value, Line: line, Column: v + 1}
	}
	name := string(key)
	if kind := kindIndex[string(key)]; kind != nil {
		name = kind.kind // The kind's own string: nothing to allocate.
	}
	// Past ln's room, append moves on to a new array: the nodes made
	// before keep the old one, and point within it.
	i := len(ln.nodes)
	ln.nodes = append(ln.nodes,
		yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: k + 1},
		yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name, Line: line, Column: k + 1},
		val)
	c := len(ln.content)
	ln.content = append(ln.content, &ln.nodes[i+1], &ln.nodes[i+2])
	m := &ln.nodes[i]
	m.Content = ln.content[c : c+2 : c+2]
	return m
}

// lineScalar reads s, the rest of a line, as one scalar, and returns its
// value and style; ok is false if it is not one lineItem is sure of.
func lineScalar(s []byte) (value string, style yaml.Style, ok bool) {
	switch c := s[0]; {
	case c == '"':
		value, ok = doubleQuoted(s)
		return value, yaml.DoubleQuotedStyle, ok
	case c == '\'':
		value, ok = singleQuoted(s)
		return value, yaml.SingleQuotedStyle, ok
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$' || c == '/' || c == '_':
		if s[len(s)-1] == ' ' {
			return "", 0, false
		}
		for _, c := range s {
			if c < ' ' || c > '~' || c == ':' || c == '#' {
				return "", 0, false
			}
		}
		switch string(s) {
		case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
			return "", 0, false
		}
		return string(s), 0, true
	}
	return "", 0, false
}

// doubleQuoted reads s, a double-quoted string and nothing after it.
func doubleQuoted(s []byte) (string, bool) {
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		for _, c := range s {
			if c < ' ' || c > '~' || c == '"' {
				return "", false
			}
		}
		return string(s), true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < ' ' || c > '~' || c == '"':
			return "", false
		case c != '\\':
			out = append(out, c)
			continue
		}
		if i++; i == len(s) {
			return "", false
		}
		switch s[i] {
		case '\\', '"':
			out = append(out, s[i])
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'e':
			out = append(out, 0x1b)
		case 'a':
			out = append(out, 0x07)
		case 'b':
			out = append(out, 0x08)
		case '0':
			out = append(out, 0)
		case 'x':
			if i+2 >= len(s) {
				return "", false
			}
			h, l := unhex(s[i+1]), unhex(s[i+2])
			if h < 0 || h > 7 || l < 0 {
				return "", false
			}
			out = append(out, byte(h<<4|l))
			i += 2
		default:
			return "", false
		}
	}
	return string(out), true
}

// unhex is the value of the hexadecimal digit c, or -1.
func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// singleQuoted reads s, a single-quoted string and nothing after it.
func singleQuoted(s []byte) (string, bool) {
	if len(s) < 2 || s[len(s)-1] != '\'' {
		return "", false
	}
	s = s[1 : len(s)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < ' ' || c > '~':
			return "", false
		case c == '\'':
			if i+1 == len(s) || s[i+1] != '\'' {
				return "", false
			}
			i++
		}
		out = append(out, c)
	}
	return string(out), true
}
