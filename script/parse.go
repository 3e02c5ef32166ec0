package script

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits that keep hostile input from exhausting the parser.
const (
	maxDepth      = 100       // nesting of YAML lists and mappings
	maxAliasNodes = 100_000   // nodes reached through aliases, in all
	maxAliasBytes = 1_000_000 // bytes of scalars reached through aliases, in all

	// maxJobs is the most jobs a script's matrix may make: the product of
	// the numbers of its values, counted before any job is made.
	maxJobs = 100_000
)

// Defaults of the language.
const (
	defaultScriptTimeout = 10 * time.Minute
	defaultStepTimeout   = 10 * time.Second // expect, wait, wait_port
	defaultGrace         = 5 * time.Second  // terminate
)

// ParseFile reads the script at path and parses it as Parse does. An
// error reading the file is returned as it is (an *fs.PathError).
//
// A long script in a regular file has its steps read from the file a chunk
// at a time, after a first reading of it all that finds them: the source
// is not held while the steps are made. A chunk that reads back different
// from the first time (the file changed) makes it read the whole file
// again. Any other file (a FIFO, /dev/stdin) is read once, as Parse reads.
func ParseFile(path string) (*Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	src, err := readAll(f, fi.Size())
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return Parse(path, src)
	}
	if len(src) >= chunkFrom {
		if s := parseChunkedAt(path, src, f, chunkSteps); s != nil {
			return s, nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if src, err = readAll(f, fi.Size()); err != nil {
			return nil, err
		}
	}
	return parseWhole(path, src)
}

// readAll reads f, of size bytes if it says so, to its end, as
// os.ReadFile does.
func readAll(f *os.File, size int64) ([]byte, error) {
	var b bytes.Buffer
	if size > 0 && int64(int(size)) == size {
		b.Grow(int(size) + bytes.MinRead)
	}
	_, err := b.ReadFrom(f)
	return b.Bytes(), err
}

// Parse parses and validates one script; file names it in positions and
// errors. On success it returns the Script and a nil error. Otherwise it
// returns a nil Script and an ErrorList of every problem found, sorted by
// position, at most 20. Parse is safe for concurrent use.
//
// A long script's steps: list is read a chunk of steps at a time (see
// parse_chunks.go), so that the YAML tree of the whole list is never held:
// the Script, and every error, are the same either way.
func Parse(file string, src []byte) (*Script, error) {
	return parse(file, src, chunkFrom, chunkSteps)
}

// parse is Parse reading a source of at least from bytes in chunks of per
// steps, when it can.
func parse(file string, src []byte, from, per int) (*Script, error) {
	if len(src) >= from {
		if s := parseChunked(file, src, per); s != nil {
			return s, nil
		}
	}
	return parseWhole(file, src)
}

// parseWhole is Parse reading the whole document as one YAML tree.
func parseWhole(file string, src []byte) (*Script, error) {
	p := &parser{file: file}
	root := p.decode(src)
	var s *Script
	if root != nil && p.checkTree(root, 1) {
		s = p.script(root)
	}
	if len(p.errs) > 0 {
		return nil, p.errs.finish(file, p.cut)
	}
	return s, nil
}

// parser holds the state of one Parse call.
type parser struct {
	file  string
	sizes map[string]int // the longest value of each matrix name and var
	errs  ErrorList
	cut   bool // errs reached maxCollected and parsing stopped
	// known are the variables whose value is the same in every job (a
	// vars: value from literals, a matrix: axis of one value), which a
	// spawn's default name may use.
	known map[string]string
	// csvUnread says the matrix's csv: could not be read: its columns,
	// which a reference may name, are unknown.
	csvUnread bool
	// setupProcs are the processes setup: spawns, which no job may drive;
	// inSetup, while setup: is read, the variables it cannot see.
	setupProcs map[string]Pos
	inSetup    map[string]bool
	reuse      *reuse   // define: and import:, shared with the parsers of both
	goldens    []golden // the equals_file: read
	absFile    string   // file's absolute path, once known
	// chunks, when steps: is read in chunks, is its list; its value in
	// the tree is an empty placeholder.
	chunks *stepsBlock
}

func (p *parser) pos(n *yaml.Node) Pos {
	return posAt(p.file, n.Line, n.Column)
}

func (p *parser) add(pos Pos, step string, err error) {
	if len(p.errs) >= maxCollected {
		p.cut = true
		return
	}
	p.errs = append(p.errs, &Error{Pos: pos, Step: step, Err: err})
}

// decode parses src as one YAML document and returns its root node, or nil
// after reporting why it cannot.
func (p *parser) decode(src []byte) (root *yaml.Node) {
	if !p.checkChars(src) {
		return nil
	}
	defer func() {
		// yaml.v3 reports bad input by panicking with its own type and
		// recovers that itself; anything else it lets through is a bug
		// in it, which hostile input must not turn into a crash.
		if v := recover(); v != nil {
			root = nil
			p.add(Pos{File: p.file, Line: 1, Col: 1}, "", fmt.Errorf("invalid YAML: the YAML parser failed: %v", v))
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			p.add(Pos{File: p.file, Line: 1, Col: 1}, "", errors.New("empty script: want a mapping with steps:"))
		} else {
			p.yamlError(err, src)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		p.yamlError(err, src)
		return nil
	default:
		p.add(p.pos(&next), "", errors.New("a second YAML document: a script is one document (remove the ---)"))
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) && doc.Content[0].Value == "" {
		p.add(Pos{File: p.file, Line: 1, Col: 1}, "", errors.New("empty script: want a mapping with steps:"))
		return nil
	}
	return doc.Content[0]
}

var yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// yamlError reports an error from yaml.v3 at the best position it gives.
// Its scanner counts lines from 1 and its parser from 0; an error without
// a line is on the first.
func (p *parser) yamlError(err error, src []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Pos{File: p.file, Line: 1, Col: 1}
	if m := yamlLineRE().FindStringSubmatch(err.Error()); m != nil {
		msg = m[2]
		line, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(msg, "did not find expected") || strings.HasPrefix(msg, "found duplicate %") ||
			strings.HasPrefix(msg, "found incompatible") || strings.HasPrefix(msg, "found undefined tag") {
			line++
		}
		pos = posAt(p.file, line, 1)
	} else if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name, _ = strings.CutSuffix(name, "' referenced")
		if l, c := findAlias(src, name); l > 0 {
			pos = posAt(p.file, l, c)
		}
		msg = fmt.Sprintf("alias *%s refers to no anchor &%s before it", name, name)
	}
	if hint, ok := yamlHints[msg]; ok {
		msg += "; " + hint
	}
	if strings.HasPrefix(msg, "did not find expected ','") {
		// In [...] and {...}, a plain ${x} opens a mapping; yaml.v3 says
		// only that the list did not go on.
		if l, c, ref := flowRef(src, int(pos.Line)); l > 0 {
			pos = posAt(p.file, l, c)
			msg += fmt.Sprintf(`; inside [...] or {...} a value that holds %s must be quoted, such as "%s"`, ref, ref)
		}
	}
	p.add(pos, "", fmt.Errorf("invalid YAML: %s", msg))
}

// flowRef finds an unquoted ${...} in a flow collection at or just after
// line (1-based) of src: on that line after a [ or {, or on one of the
// two lines after it, where the collection may go on. It returns its line,
// column and text, or a zero line if there is none.
func flowRef(src []byte, line int) (int, int, string) {
	lines := strings.Split(string(src), "\n")
	for l := line; l <= line+2 && l <= len(lines); l++ {
		if l < 1 {
			continue
		}
		text := lines[l-1]
		for off := 0; ; {
			i := strings.Index(text[off:], "${")
			if i < 0 {
				break
			}
			i += off
			off = i + 2
			before := text[:i]
			if strings.Count(before, `"`)%2 == 1 || strings.Count(before, "'")%2 == 1 || strings.Contains(before, "#") {
				continue // Quoted, or in a comment.
			}
			if l == line && !strings.ContainsAny(before, "[{") {
				continue // A block value, which may hold ${...}.
			}
			ref := text[i:]
			if end := strings.IndexByte(ref, '}'); end >= 0 {
				ref = ref[:end+1]
			}
			return l, utf8.RuneCountInString(before) + 1, ref
		}
	}
	return 0, 0, ""
}

// yamlHints say what usually causes yaml.v3's terser errors.
var yamlHints = map[string]string{
	"found unexpected end of stream":                 "is a quote or bracket left open?",
	"did not find expected '-' indicator":            "check the indentation of the list's items",
	"mapping values are not allowed in this context": `quote a value that holds ": "`,
	"found character that cannot start any token":    "indent with spaces, not tabs, and quote a value that starts with @ or `",
}

// findAlias returns the line and column of the first *name in src.
func findAlias(src []byte, name string) (line, col int) {
	needle := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(src[off:], needle)
		if i < 0 {
			return 0, 0
		}
		i += off
		end := i + len(needle)
		if end == len(src) || bytes.IndexByte([]byte(" \t\r\n,]}"), src[end]) >= 0 {
			return lineCol(src, i)
		}
		off = i + 1
	}
}

// lineCol returns the 1-based line and column (in characters) of offset i.
func lineCol(src []byte, i int) (line, col int) {
	start := bytes.LastIndexByte(src[:i], '\n') + 1
	return bytes.Count(src[:i], []byte("\n")) + 1, utf8.RuneCount(src[start:i]) + 1
}

// checkChars reports the first byte yaml.v3 would refuse (invalid UTF-8 or
// a control character) at its exact position, which yaml.v3 does not give.
func (p *parser) checkChars(src []byte) bool {
	if bytes.HasPrefix(src, []byte{0xFE, 0xFF}) || bytes.HasPrefix(src, []byte{0xFF, 0xFE}) {
		return true // UTF-16, left to yaml.v3.
	}
	for i := 0; i < len(src); {
		if c := src[i]; c >= 0x20 && c < 0x7F || c == '\n' { // The common case, first.
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		bad := ""
		switch {
		case r == utf8.RuneError && size == 1:
			bad = fmt.Sprintf("invalid UTF-8 (byte 0x%02X)", src[i])
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r < 0x20 || r == 0x7F || (0x80 <= r && r < 0xA0) || r == 0xFFFE || r == 0xFFFF:
			bad = fmt.Sprintf("control character %U is not allowed; write it as an escape in a double-quoted string, such as \"\\x%02x\"", r, r)
		}
		if bad != "" {
			l, c := lineCol(src, i)
			p.add(posAt(p.file, l, c), "", errors.New(bad))
			return false
		}
		i += size
	}
	return true
}

// checkTree walks the tree once, following aliases, and reports nesting
// deeper than maxDepth or aliases that expand to too much: after it, the
// rest of the parser may follow aliases and recurse freely. depth is the
// nesting of root in its document, 1 for the document's root.
func (p *parser) checkTree(root *yaml.Node, depth int) bool {
	nodes, size := 0, 0
	var anchored []*yaml.Node // The nodes with an anchor on the path walked.
	var walk func(n, alias *yaml.Node, depth int) bool
	walk = func(n, alias *yaml.Node, depth int) bool {
		if n.Kind == yaml.AliasNode {
			switch {
			case n.Alias == nil:
				p.add(p.pos(n), "", fmt.Errorf("alias *%s refers to no anchor", n.Value))
				return false
			case slices.Contains(anchored, n.Alias):
				p.add(p.pos(n), "", fmt.Errorf("alias *%s is inside the value of its own anchor &%s, which would never end", n.Value, n.Value))
				return false
			}
			if alias == nil {
				alias = n
			}
			return walk(n.Alias, alias, depth)
		}
		if n.Anchor != "" {
			anchored = append(anchored, n)
			defer func() { anchored = anchored[:len(anchored)-1] }()
		}
		if alias != nil {
			nodes++
			size += len(n.Value)
			if nodes > maxAliasNodes || size > maxAliasBytes {
				p.add(p.pos(alias), "", fmt.Errorf("aliases expand to more than %d nodes or %d bytes; write the script without them", maxAliasNodes, maxAliasBytes))
				return false
			}
		}
		if len(n.Content) > 0 && depth >= maxDepth {
			p.add(p.pos(n), "", fmt.Errorf("nesting deeper than %d levels", maxDepth))
			return false
		}
		for _, c := range n.Content {
			if !walk(c, alias, depth+1) {
				return false
			}
		}
		return true
	}
	return walk(root, nil, depth)
}

// script reads the top-level mapping.
func (p *parser) script(root *yaml.Node) *Script {
	sc := &scope{}
	c := p.at("", sc)
	root = deref(root)
	s := &Script{File: p.file, Name: scriptName(p.file), Timeout: defaultScriptTimeout}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, "", "want a mapping with steps: and keys such as name:, got %s", describe(root))
		return nil
	}
	f := c.fields(root, "script", "", topKeys)
	if e, ok := f["name"]; ok {
		if v, ok := c.str(e.val, "name"); ok && strings.TrimSpace(v) == "" {
			c.errorf(e.val, "name", "want a name for the script, got %s", shortQuote(v))
		} else if ok {
			s.Name = v
		}
	}
	if e, ok := f["timeout"]; ok {
		s.Timeout, _ = c.duration(e.val, "timeout", false)
	}
	if e, ok := f["matrix"]; ok {
		c.matrix(e.key, e.val, s)
	}
	if e, ok := f["vars"]; ok {
		s.Vars = c.vars(e.val, s)
	}
	p.known = knownVars(s)
	if e, ok := f["env"]; ok {
		s.Env = c.env(e.val, "env")
	}
	if e, ok := f["locks"]; ok && !isNull(e.val) {
		s.Locks = c.list(e.val, "locks")
	}
	c.skips(f, s)
	p.reuses(f, nil)
	p.setup(f, s, sc)
	p.files(f, s, sc)
	if e, ok := f["steps"]; !ok {
		_, lib := f["define"]
		switch {
		case len(f) != len(root.Content)/2: // A misspelt steps: was reported.
		case lib:
			c.errorf(root, "", `missing key "steps": a script needs at least one step; a file of define: groups alone is a library, for scripts to import: (keep it apart, say in lib/)`)
		default:
			c.errorf(root, "", `missing key "steps": a script needs at least one step`)
		}
	} else if p.chunks != nil && e.val == p.chunks.value {
		s.Steps = p.chunkedSteps(sc)
	} else if v := e.val; v.Kind == yaml.SequenceNode && len(v.Content) == 0 || isNull(v) {
		c.errorf(v, "steps", "want at least one step")
	} else {
		s.Steps = p.steps(v, "steps", sc)
	}
	if e, ok := f["finally"]; ok && !isNull(e.val) {
		// finally: runs after any step, so it sees all their definitions.
		s.Finally = p.steps(e.val, "finally", sc)
	}
	p.checkStdinSources(s.Steps, s.Finally)
	s.uncalled = p.reuse.uncalled()
	s.goldens = p.goldens
	return s
}

// knownVars returns the variables whose value is the same in every job
// of the script, --var aside: the axes of one value that no include:
// entry names, and the vars whose values are made of those and of literal
// text.
func knownVars(s *Script) map[string]string {
	known := map[string]string{}
	included := map[string]bool{}
	for _, e := range s.MatrixInclude {
		for _, kv := range e.Values {
			included[kv.Key] = true
		}
	}
	for _, a := range s.Matrix {
		if len(a.Values) == 1 && !included[a.Name] {
			known[a.Name] = a.Values[0]
		}
	}
	for _, kv := range s.Vars {
		v, err := Expand(kv.Value, func(name string) (string, bool) {
			v, ok := known[name]
			return v, ok
		})
		if err == nil {
			known[kv.Key] = v
		}
	}
	return known
}

// defaultName is the name of a process spawned without name: the base
// name of its program, its variables expanded where their values are
// known before any job runs ("${bin}" with vars: {bin: /usr/bin/bc} is
// bc). When they are not, the base name of the template stands for the
// process in the script, and the process also answers to its expanded
// base name when it runs.
func (p *parser) defaultName(prog string) string {
	if v, err := Expand(prog, func(name string) (string, bool) {
		v, ok := p.known[name]
		return v, ok
	}); err == nil && v != "" {
		prog = v
	}
	return path.Base(prog)
}

// scriptName is the default name of the script in file.
func scriptName(file string) string {
	name := path.Base(strings.ReplaceAll(file, `\`, "/"))
	for _, ext := range []string{".yaml", ".yml"} {
		if n, ok := strings.CutSuffix(name, ext); ok && n != "" {
			return n
		}
	}
	return name
}

// vars reads vars: name -> scalar. A value may reference the environment,
// the matrix and the vars before it.
func (c *stepCtx) vars(n *yaml.Node, s *Script) []KV {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "vars", "want a mapping of names to values, got %s", describe(n))
		return nil
	}
	var kvs []KV
	matrixLines := s.matrixLines()
	for _, e := range c.entries(n, "vars") {
		if !c.varName(e.key, "vars") {
			continue
		}
		if line := matrixLines[e.name]; line > 0 {
			c.errorf(e.key, "vars", "%q is also a matrix name (line %d); use one or the other", e.name, line)
		}
		v, ok := c.value(e.val, "vars."+e.name)
		if ok {
			c.p.setSize(e.name, c.p.expandedSize(v))
		}
		kvs = append(kvs, KV{Key: e.name, Value: v, Pos: c.p.pos(e.key)})
		c.sc.defineVar(e.name)
	}
	return kvs
}

// env reads a mapping of environment variables to value templates.
func (c *stepCtx) env(n *yaml.Node, key string) []KV {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, key, "want a mapping of variable names to values, got %s", describe(n))
		return nil
	}
	var kvs []KV
	for _, e := range c.entries(n, key) {
		if e.name == "" || strings.ContainsAny(e.name, "=\x00") {
			c.errorf(e.key, key, "invalid environment variable name %s", shortQuote(e.name))
			continue
		}
		v, _ := c.value(e.val, key+"."+e.name)
		kvs = append(kvs, KV{Key: e.name, Value: v, Pos: c.p.pos(e.key)})
	}
	return kvs
}

// value reads the value template of a vars: or env: entry.
func (c *stepCtx) value(n *yaml.Node, key string) (string, bool) {
	if isNull(n) {
		c.errorf(n, key, `want a value (write "" for an empty one), got nothing`)
		return "", false
	}
	return c.tmpl(n, key)
}
