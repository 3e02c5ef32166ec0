package script

import (
	"bytes"
	"hash/crc32"
	"io"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// This file reads a long steps: list a chunk of steps at a time.
//
// yaml.v3 decodes a document into a tree of nodes of some 550 bytes a
// step, four times what the steps take once read: a 100,000-step
// script's tree alone is 55 MB. So a source of chunkFrom bytes or more
// whose steps: list is written plainly, as generated scripts write it (a
// "steps:" line at the top level, then the list in block style, one "- "
// at the same column for each step), is read as two things: its
// skeleton, the document with the list's lines left empty (each line
// kept, so that every other node keeps its place), and the list, read
// chunkSteps steps at a time. Each chunk is its lines as they are, the
// same columns, decoded on their own; its nodes move to the file's lines
// and are dropped once their steps are read. ParseFile does not hold the
// source either while the steps are made: it reads each chunk again from
// the file, and checks it against the CRC-32C of its first reading.
//
// Lines decoded apart give the same nodes as in the whole document when
// no construct crosses a chunk's edges and no node refers to another:
// whenever that is not certain, the whole document is read instead, as
// it is for a short source. That is when the source has a line break
// other than \n, a byte order mark, a line starting with --- or ... or %
// (document markers, directives), a second "steps:" line, a tab
// indenting a line of the list, a line of the list at its items' column
// that does not start one, a line after it less indented but not at the
// margin (the whole document calls it an error, the skeleton could take
// it for the value of steps:), an anchor or an alias anywhere, when the
// skeleton has no such steps: key with an empty value, or when a chunk
// does not decode, alone, to a block list of as many items as it has
// lines starting one (a quoted string or a flow collection left open at
// its end fails so, and one that spans two items counts one too few).
// And it is when the script has any error: every message and position is
// the whole document's.
//
// A block scalar or a plain multi-line string cannot cross a chunk's
// edge: its lines are indented further than the "- " of its step, the
// column every chunk starts at.
//
// Within a chunk, an item on one line, "- send: ping-7", is read without
// yaml.v3 when lineItem (parse_lines.go) is sure of it; the other items
// are decoded a run at a time, as a chunk is, by the same argument.

const (
	chunkFrom  = 64 << 10 // sources this long or longer are read in chunks
	chunkSteps = 256      // the steps of a chunk
)

// stepsBlock is the steps: list of a source, found by its lines.
type stepsBlock struct {
	key        int // the line of "steps:"
	start, end int // the list's bytes: from its first item's line to the line after it
	col        int // the column of its items' "- ", from 0
	items      int
	chunks     []chunk
	// value is the empty value of steps: in the skeleton, which stands
	// for the list.
	value *yaml.Node
	// src is the source; or, when it is nil, the chunks are read again
	// from the file at, each into buf, and must have the CRC-32C in sums
	// they had when the source was first read.
	src    []byte
	at     io.ReaderAt
	sums   []uint32
	buf    []byte
	failed bool // a chunk did not decode as the list's, or read back different
}

// chunk is the lines of some steps: from off, the start of line line, to
// the next chunk's off or the end of the list.
type chunk struct {
	off, line, items int
}

// castagnoli is the CRC-32C table, which hash/crc32 computes with the CPU's
// instruction where it has one. Made when first needed, by a script big
// enough to be read in chunks: computing it took 0.1 ms of every start.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// parseChunked parses src reading its steps: list in chunks of per steps;
// it returns nil when it cannot, or when the script has errors.
func parseChunked(file string, src []byte, per int) *Script {
	return parseChunkedAt(file, src, nil, per)
}

// parseChunkedAt is parseChunked; when at is not nil, src is what at held
// when read, and is dropped once the list is found: its chunks are read
// from at again, one at a time, so that the source is not held while the
// steps are made. A chunk that reads back different fails the parse.
func parseChunkedAt(file string, src []byte, at io.ReaderAt, per int) *Script {
	p := &parser{file: file}
	if !p.checkChars(src) {
		return nil
	}
	b := findSteps(src, per)
	if b == nil {
		return nil
	}
	if at != nil {
		b.at, b.sums = at, make([]uint32, len(b.chunks))
		for i := range b.chunks {
			off, end := b.span(i)
			b.sums[i] = crc32.Checksum(src[off:end], castagnoli())
		}
	}
	nl := bytes.Count(src[b.start:b.end], []byte{'\n'})
	skel := make([]byte, 0, len(src)-(b.end-b.start)+nl)
	skel = append(skel, src[:b.start]...)
	for range nl {
		skel = append(skel, '\n')
	}
	skel = append(skel, src[b.end:]...)
	if at == nil {
		b.src = src
	}
	src = nil // Not held while the steps are read, when at has them.
	root := p.decode(skel)
	if root == nil || !p.checkTree(root, 1) || !plainTree(root) {
		return nil
	}
	if b.value = stepsPlaceholder(root, b.key); b.value == nil {
		return nil
	}
	p.chunks = b
	s := p.script(root)
	if b.failed || len(p.errs) > 0 {
		return nil
	}
	return s
}

// findSteps finds the steps: list of src and cuts it into chunks of per
// steps, or returns nil if it is not written so plainly.
func findSteps(src []byte, per int) *stepsBlock {
	if !utf8.Valid(src) {
		return nil
	}
	// Each searched for alone: ContainsAny decodes every rune of src.
	for _, c := range []string{"\r", "\u0085", "\u2028", "\u2029", "\ufeff"} {
		if bytes.Contains(src, []byte(c)) {
			return nil
		}
	}
	const (
		before = iota // the lines before "steps:"
		head          // after it, before the first item
		list          // in the list
		after         // after the list
	)
	b := &stepsBlock{}
	state, col := before, 0
	for off, line := 0, 1; off < len(src); line++ {
		next := len(src)
		eol := bytes.IndexByte(src[off:], '\n')
		if eol >= 0 {
			next = off + eol + 1
		} else {
			eol = len(src) - off
		}
		text := src[off : off+eol]
		if bytes.HasPrefix(text, []byte("---")) || bytes.HasPrefix(text, []byte("...")) || bytes.HasPrefix(text, []byte("%")) {
			return nil
		}
		n := 0
		for n < len(text) && text[n] == ' ' {
			n++
		}
		rest := text[n:]
		switch {
		case isStepsKey(text):
			if state != before {
				return nil
			}
			b.key, state = line, head
		case state == before || state == after:
		case len(rest) > 0 && rest[0] == '\t':
			return nil
		case len(rest) == 0 || rest[0] == '#':
			// A blank line or a comment, which the list holds when an
			// item follows, or when it is the last thing of the file.
		case state == head:
			if !isItem(rest) {
				return nil
			}
			state, col, b.start, b.col = list, n, off, n
			b.add(off, line, per)
		case n > col:
		case n == col && isItem(rest):
			b.add(off, line, per)
		case n == col && col > 0:
			return nil
		case n > 0:
			return nil // Less indented than the list, more than a key.
		default: // A key beside steps:.
			b.end, state = off, after
		}
		off = next
	}
	switch state {
	case before, head:
		return nil
	case list:
		b.end = len(src)
	}
	return b
}

// isStepsKey reports whether text is "steps:" with nothing after it but
// spaces and a comment.
func isStepsKey(text []byte) bool {
	rest, ok := bytes.CutPrefix(text, []byte("steps:"))
	if !ok {
		return false
	}
	value := bytes.TrimLeft(rest, " ")
	return len(value) == 0 || value[0] == '#' && len(value) < len(rest)
}

// isItem reports whether rest, a line after its indentation, starts an
// item of a block list.
func isItem(rest []byte) bool {
	return len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
}

// add counts an item at offset off, line line, starting a chunk after
// every per items.
func (b *stepsBlock) add(off, line, per int) {
	if b.items%per == 0 {
		b.chunks = append(b.chunks, chunk{off: off, line: line})
	}
	b.chunks[len(b.chunks)-1].items++
	b.items++
}

// plainTree reports whether no node of the tree at n has an anchor or is
// an alias.
func plainTree(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return false
	}
	for _, c := range n.Content {
		if !plainTree(c) {
			return false
		}
	}
	return true
}

// stepsPlaceholder returns the value of the key steps: at line, column 1,
// of the skeleton's root, a block mapping, if it is the empty value that
// the list's empty lines give, nothing written; otherwise nil.
func stepsPlaceholder(root *yaml.Node, line int) *yaml.Node {
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Line != line || k.Column != 1 {
			continue
		}
		// An empty value is where the key's line goes on, after "steps:";
		// a tag or an anchor alone, further on, makes one too.
		if k.Kind == yaml.ScalarNode && k.Style == 0 && k.Tag == "!!str" && k.Value == "steps" &&
			v.Kind == yaml.ScalarNode && v.Style == 0 && v.Tag == "!!null" && v.Value == "" &&
			v.Line == line && v.Column == len("steps:")+1 {
			return v
		}
		return nil
	}
	return nil
}

// chunkedSteps reads the steps of p.chunks, a chunk at a time; it sets
// failed if a chunk is not what the list's lines said.
func (p *parser) chunkedSteps(sc *scope) []Step {
	b := p.chunks
	out := make([]Step, 0, b.items)
	// The nodes of one chunk's one-line items, made again in the same
	// memory for the next chunk: no Step holds a node.
	ln := newLineNodes(b.chunks[0].items)
	for i, ch := range b.chunks {
		text := b.text(i)
		if text == nil {
			b.failed = true
			return nil
		}
		ln.nodes, ln.content = ln.nodes[:0], ln.content[:0]
		items := p.chunkItems(text, ch.line, b.col, ch.items, ln)
		if items == nil {
			b.failed = true
			return nil
		}
		for _, item := range items {
			if p.cut {
				break
			}
			if s := p.step(item, sc); s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// chunkItems returns the nodes of the want items of a chunk, text, which
// starts on line line, its items' "- " at col: a one-line item is read by
// lineItem into ln, and the other items by yaml.v3, a run of them at a
// time. It returns nil if they are not want items of a block list.
func (p *parser) chunkItems(text []byte, line, col, want int, ln *lineNodes) []*yaml.Node {
	// Each item is from its line to the next line at col that starts
	// one, as findSteps found them.
	spans := ln.spans[:0]
	for off := 0; off < len(text); {
		first := lineEnd(text, off)
		next, lines := first, 1
		for next < len(text) && !itemAt(text[next:], col) {
			next = lineEnd(text, next)
			lines++
		}
		sp := itemSpan{off: off, end: next, line: line}
		if lines == 1 {
			sp.node = lineItem(bytes.TrimSuffix(text[off:first], []byte{'\n'}), line, col, ln)
		}
		spans = append(spans, sp)
		off, line = next, line+lines
	}
	ln.spans = spans
	if len(spans) != want {
		return nil
	}
	items := make([]*yaml.Node, 0, want)
	for i := 0; i < len(spans); {
		if spans[i].node != nil {
			items = append(items, spans[i].node)
			i++
			continue
		}
		// A run for yaml.v3 takes in the one-line items between two
		// others when they are fewer than minLineRun: each run costs a
		// decoder, as much as reading a few items.
		j := i + 1
		for j < len(spans) {
			k := j
			for k < len(spans) && spans[k].node != nil {
				k++
			}
			if k == j {
				j++
				continue
			}
			if k-j >= minLineRun || k == len(spans) {
				break
			}
			j = k
		}
		seq := decodeChunk(text[spans[i].off:spans[j-1].end], spans[i].line-1)
		if seq == nil || len(seq.Content) != j-i || !p.checkTree(seq, 2) {
			return nil
		}
		items = append(items, seq.Content...)
		i = j
	}
	return items
}

// minLineRun is the fewest one-line items between two others that
// lineItem reads rather than yaml.v3.
const minLineRun = 8

// itemSpan is an item of a chunk: its bytes, its first line, and its
// mapping when lineItem read it.
type itemSpan struct {
	off, end, line int
	node           *yaml.Node
}

// lineEnd returns the offset after the line of text at off.
func lineEnd(text []byte, off int) int {
	if i := bytes.IndexByte(text[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(text)
}

// itemAt reports whether text starts with a line that starts an item at
// col.
func itemAt(text []byte, col int) bool {
	for i := range col {
		if i >= len(text) || text[i] != ' ' {
			return false
		}
	}
	rest := text[col:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return isItem(rest)
}

// span returns the offsets of chunk i: from its start to the next one's,
// or to the end of the list.
func (b *stepsBlock) span(i int) (off, end int) {
	end = b.end
	if i+1 < len(b.chunks) {
		end = b.chunks[i+1].off
	}
	return b.chunks[i].off, end
}

// text returns the lines of chunk i, from the source or read again from
// b.at; nil if they cannot be read, or read back different.
func (b *stepsBlock) text(i int) []byte {
	off, end := b.span(i)
	if b.at == nil {
		return b.src[off:end]
	}
	if cap(b.buf) < end-off {
		b.buf = make([]byte, end-off)
	}
	buf := b.buf[:end-off]
	n, err := b.at.ReadAt(buf, int64(off))
	if n < len(buf) || err != nil && err != io.EOF || crc32.Checksum(buf, castagnoli()) != b.sums[i] {
		return nil
	}
	return buf
}

// decodeChunk decodes the lines of a chunk, which start on line shift+1 of
// the file, into their block list, its nodes on the file's lines; it
// returns nil if they are not a block list without anchors and aliases.
func decodeChunk(text []byte, shift int) (seq *yaml.Node) {
	defer func() {
		if recover() != nil { // A bug of yaml.v3: the whole document says what.
			seq = nil
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(text)).Decode(&doc); err != nil || len(doc.Content) != 1 {
		return nil
	}
	seq = doc.Content[0]
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || !plainTree(seq) {
		return nil
	}
	moveLines(seq, shift)
	return seq
}

// moveLines adds shift to the line of every node of the tree at n.
func moveLines(n *yaml.Node, shift int) {
	n.Line += shift
	for _, c := range n.Content {
		moveLines(c, shift)
	}
}
