package script

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlItem is what yaml.v3 makes of text, one line of a block list, or
// nil if it is not one item.
func yamlItem(t *testing.T, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text+"\n"), &doc); err != nil || len(doc.Content) != 1 {
		return nil
	}
	seq := doc.Content[0]
	if seq.Kind != yaml.SequenceNode || len(seq.Content) != 1 {
		return nil
	}
	return seq.Content[0]
}

// TestLineItem checks the lines lineItem reads, against yaml.v3's nodes,
// and some it must leave to yaml.v3.
func TestLineItem(t *testing.T) {
	read := []string{
		"- send: ping-1",
		`  - expect: "ping-1\n"`,
		"    - wait:",
		"- send: ${host} a  b, [c] {d} \"e\" 'f' -g *h &i !j |k >l %m @n `o",
		`- send: "\x03\e[A\t\r\\\"\0\a\b"`,
		`- log: 'it''s'`,
		`- log: ''`,
		`- log: ""`,
		"- send: yes",
		"- send: on",
		"- send: /bin/sh",
		"- send: _x",
		"- send: $",
		"- x_1: y",
		"- send:    far",
		"- " + strings.Repeat("k", maxLineKey) + ": v",
	}
	// One lineNodes for them all, room for one item: the nodes of the
	// first lines must stay whole as it grows.
	ln := newLineNodes(1)
	got := make([]*yaml.Node, len(read))
	for i, line := range read {
		col := len(line) - len(strings.TrimLeft(line, " "))
		if got[i] = lineItem([]byte(line), 1, col, ln); got[i] == nil {
			t.Errorf("%q: not read", line)
		}
	}
	for i, line := range read {
		if want := yamlItem(t, line); got[i] != nil && !reflect.DeepEqual(got[i], want) {
			t.Errorf("%q:\n got %s\nwant %s", line, nodeString(got[i]), nodeString(want))
		}
	}
	left := []string{
		"- send: true", "- send: NULL", "- send: False", "- true: x", "- null: x",
		"- send: 12", "- send: 1.5", "- send: .inf", "- send: ~", "- send: -x",
		"- send: a # comment", "- send: a: b", "- send: a:b", "- send: a ", "- send:\tx",
		"- send: [a]", "- send: {eof: true}", "- send: &a x", "- send: *a", "- send: !!str x",
		"- send: |", "- send: >", `- send: "a`, `- send: "a" # c`, `- send: "\u00e9"`, `- send: "\x80"`,
		`- send: "é"`, "- send: é", "- Send: x", "- 1: x", "-  send: x", "- send:x", "- send",
		"-", "- - x", `- send: 'a`, `- send: 'a'b'`, "- ? x", "- send: a\r",
		"- " + strings.Repeat("k", maxLineKey+1) + ": v", // yaml.v3 takes no key over 1,024 characters
	}
	for _, line := range left {
		if got := lineItem([]byte(line), 1, 0, newLineNodes(1)); got != nil {
			t.Errorf("%q: read as %s, want it left to yaml.v3", line, nodeString(got))
		}
	}
}

// nodeString shows a node tree for a failure.
func nodeString(n *yaml.Node) string {
	if n == nil {
		return "nil"
	}
	kids := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		kids = append(kids, nodeString(c))
	}
	return fmt.Sprintf("{kind %d style %d tag %q value %q at %d:%d anchor %q comments %q %q %q [%s]}", n.Kind, n.Style, n.Tag, n.Value,
		n.Line, n.Column, n.Anchor, n.HeadComment, n.LineComment, n.FootComment, strings.Join(kids, " "))
}

// FuzzLineItem checks that every line lineItem reads gives the nodes
// yaml.v3 gives it, field for field.
func FuzzLineItem(f *testing.F) {
	for _, s := range []string{"- send: ping-1", `- expect: "ping-1\n"`, "- wait:", "- log: 'a''b'", "- send: yes", `- x: "\x41\e"`} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, rest string, indent uint8) {
		if strings.ContainsAny(rest, "\n\r") {
			return
		}
		col := int(indent % 5)
		line := strings.Repeat(" ", col) + rest
		got := lineItem([]byte(line), 7, col, newLineNodes(1))
		if got == nil {
			return
		}
		want := yamlItem(t, line)
		if want != nil {
			want.Line += 6
			for _, c := range want.Content {
				c.Line += 6
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", line, nodeString(got), nodeString(want))
		}
	})
}

// TestChunkItemsRuns checks which items of a chunk lineItem reads: a run
// of one-line items, but not the few between two items for yaml.v3,
// which join their run.
func TestChunkItemsRuns(t *testing.T) {
	var text strings.Builder
	var want []bool // read by lineItem
	var lines []int // each item's line, the chunk's first being 5
	item := func(s string, byLine bool) {
		lines = append(lines, 5+strings.Count(text.String(), "\n"))
		text.WriteString(s)
		want = append(want, byLine)
	}
	for range 9 {
		item("  - send: a\n", true)
	}
	item("  - expect: {text: x}\n", false)
	for range 7 { // fewer than minLineRun
		item("  - log: b\n", false)
	}
	item("  - expect:\n      text: d\n", false)
	for range 8 { // minLineRun
		item("  - send: e\n", true)
	}
	item("  - send: [f]\n", false)
	item("  - wait:\n", true)
	ln := newLineNodes(len(want))
	p := &parser{file: "t.yaml"}
	items := p.chunkItems([]byte(text.String()), 5, 2, len(want), ln)
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, n := range items {
		byLine := false
		for k := range ln.nodes {
			byLine = byLine || n == &ln.nodes[k]
		}
		if byLine != want[i] {
			t.Errorf("item %d (line %d): read by lineItem %v, want %v", i, n.Line, byLine, want[i])
		}
		if n.Line != lines[i] || n.Column != 5 {
			t.Errorf("item %d at %d:%d, want %d:5", i, n.Line, n.Column, lines[i])
		}
	}
}
