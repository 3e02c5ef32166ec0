package script

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sameParse checks that parse, reading src in chunks of per steps from
// any size, gives what the whole document gives: the same Script,
// positions included, or the same errors. It reports whether the chunks
// were read (true) or the whole document was read again.
func sameParse(t *testing.T, name string, src []byte, per int) bool {
	t.Helper()
	want, wantErr := parseWhole(name, src)
	got, gotErr := parse(name, src, 0, per)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%s, %d steps a chunk: error\n%v\nwant\n%v", name, per, gotErr, wantErr)
	}
	if gl, ok := gotErr.(ErrorList); ok {
		wl := wantErr.(ErrorList)
		for i := range gl {
			if gl[i].Pos != wl[i].Pos || gl[i].Step != wl[i].Step {
				t.Fatalf("%s, %d steps a chunk: error %d at %v (%s), want %v (%s)", name, per, i, gl[i].Pos, gl[i].Step, wl[i].Pos, wl[i].Step)
			}
		}
	}
	if !sameValue(got, want) {
		t.Fatalf("%s, %d steps a chunk: the Script differs from the whole document's:\n%s", name, per, firstDiff(got, want))
	}
	chunked := parseChunked(name, src, per)
	if chunked != nil && (wantErr != nil || !sameValue(chunked, want)) {
		t.Fatalf("%s, %d steps a chunk: the chunks gave a Script where the whole document gives %v", name, per, wantErr)
	}
	// Read again from a file, as ParseFile does: the same.
	if again := parseChunkedAt(name, bytes.Clone(src), bytes.NewReader(src), per); !sameValue(again, chunked) {
		t.Fatalf("%s, %d steps a chunk: the chunks read again gave %s", name, per, firstDiff(again, chunked))
	}
	return chunked != nil
}

// firstDiff names the first step whose parse differs, for a readable
// failure.
func firstDiff(got, want *Script) string {
	if got == nil || want == nil {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	for i := range min(len(got.Steps), len(want.Steps)) {
		if !sameValue(got.Steps[i], want.Steps[i]) {
			return fmt.Sprintf("step %d: got %+v\nwant %+v", i, got.Steps[i], want.Steps[i])
		}
	}
	if len(got.Steps) != len(want.Steps) {
		return fmt.Sprintf("got %d steps, want %d", len(got.Steps), len(want.Steps))
	}
	return fmt.Sprintf("got %+v\nwant %+v", *got, *want)
}

// TestChunkedParseFiles reads every script of the module, good and bad,
// and the fuzz corpus, in chunks of 1, 2, 3 and 7 steps: the same
// Scripts and errors as the whole documents, and most of them read in
// chunks indeed.
func TestChunkedParseFiles(t *testing.T) {
	t.Parallel()
	var files []string
	for _, dir := range []string{"../testdata", "../examples", "../cmd/drover/testdata", "testdata"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" || strings.Contains(path, "testdata/fuzz/FuzzParse/") && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 150 {
		t.Fatalf("found %d scripts, want the module's 150 or more", len(files))
	}
	chunked, total := 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(file, "testdata/fuzz/") {
			src = fuzzInput(t, file, src)
		}
		for _, per := range []int{1, 2, 3, 7} {
			total++
			if sameParse(t, file, src, per) {
				chunked++
			}
		}
	}
	t.Logf("%d of %d parses read in chunks", chunked, total)
	if chunked < total/3 {
		t.Errorf("only %d of %d parses read in chunks", chunked, total)
	}
}

// fuzzInput returns the []byte of a file of Go's fuzz corpus.
func fuzzInput(t *testing.T, file string, src []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	q, ok := strings.CutPrefix(lines[len(lines)-1], "[]byte(")
	if !ok {
		t.Fatalf("%s: not a []byte", file)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}

// chunkCases are scripts written in the ways that could make a chunk
// read differently from the whole document, each 30 times over (${i} the
// count, from 0) between a head and a tail. chunked says whether the
// chunks must be read (true), or the whole document (false).
var chunkCases = []struct {
	name, head, item, tail string
	chunked                bool
}{
	{"plain", "name: t\nsteps:\n  - spawn: [cat]\n", "  - send: ping-${i}\n  - expect: \"ping-${i}\\n\"\n", "  - send: {eof: true}\n  - wait:\n", true},
	{"compact", "steps:\n- spawn: [cat]\n", "- send: a${i}\n- expect:\n    text: a${i}\n    timeout: 3s\n", "finally:\n- log: done\n", true},
	{"keys after", "steps: # the steps\n\n  # first\n  - spawn: [cat]\n", "  - send: x${i}\n", "vars:\n  v: \"1\"\nfinally: [{log: '${v}'}]\n", true},
	{"block scalars", "steps:\n  - spawn: [cat]\n", "  - send: |\n      line ${i}\n      # not a comment\n\n  - send: |+\n      kept ${i}\n\n\n  - log: >-\n      folded\n      ${i}\n", "", true},
	{"indentation indicators", "steps:   \n  - spawn: [cat]\n", "  - log: |2\n       two more ${i}\n      two\n  - send: >1-\n      x\n", "", true},
	{"compact indentation indicators", "steps:\n- spawn: [cat]\n", "- log: |1\n    x ${i}\n   y\n- log: >+\n   z\n\n", "", true},
	{"keep at the end", "steps:\n  - spawn: [cat]\n", "  - log: x${i}\n", "  - log: |+\n      end\n\n\n", true},
	{"comments", "steps:\n  - spawn: [cat]\n", "# at the margin ${i}\n  - log: a # after\n    # under\n\n", "# last\n", true},
	{"multi-line quoted", "steps:\n  - spawn: [cat]\n", "  - log: \"one\n      two ${i}\"\n  - log: 'three\n\n      four'\n", "", true},
	{"quoted over items", "steps:\n  - spawn: [cat]\n", "  - log: \"one\n  - two ${i}\"\n", "", false},
	{"plain multi-line", "steps:\n  - spawn: [cat]\n", "  - log: one\n      two ${i}\n", "", true},
	{"flow", "steps:\n  - spawn: [cat]\n", "  - {send: a${i}}\n  - expect: {text: a${i},\n      timeout: 2s}\n", "", true},
	{"nested lists", "steps:\n  - spawn: [cat]\n", "  - expect:\n      any:\n        - text: x${i}\n          then:\n            - log: a\n            - send: b\n        - {timeout: true, then: [{log: t}]}\n      timeout: 1s\n", "", true},
	{"one-line runs", "steps:\n  - spawn: [cat]\n", strings.Repeat("  - send: a${i}\n", 9) + "  - expect: {text: a${i}}\n  - log: b${i}\n  - log: 'c${i}'\n  - expect:\n      text: d${i}\n", "", true},
	{"no newline at the end", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "  - wait:", true},
	{"item on its own line", "steps:\n  - spawn: [cat]\n", "  -\n    send: x${i}\n", "", true},
	{"anchors across chunks", "steps:\n  - spawn: [cat]\n  - send: &s hello\n", "  - send: *s\n", "", false},
	{"anchor in the skeleton", "vars: &v {a: b}\nsteps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "env: *v\n", false},
	{"merge", "steps:\n  - spawn: [cat]\n  - expect: &e {text: a, timeout: 1s}\n", "  - expect: {<<: *e, text: b${i}}\n", "", false},
	{"error late", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "  - sned: y\n  - expect: {}\n", false},
	{"undefined late", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "  - send: ${nope}\n", false},
	{"bad YAML late", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "  - send: [a\n", false},
	{"two steps keys", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "steps:\n  - log: again\n", false},
	{"steps quoted too", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "\"steps\": []\n", false},
	{"tab", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "\t- send: y\n", false},
	{"a tag less indented after", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", " !  #\n", false},
	{"odd line", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "  ? odd\n  : key\n", false},
	{"document marker", "steps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "---\nsteps: [{log: x}]\n", false},
	{"crlf", "steps:\r\n  - spawn: [cat]\r\n", "  - send: x${i}\r\n", "", false},
	{"flow list", "steps: [\n  {spawn: [cat]},\n", "  {send: x${i}},\n", "]\n", false},
	{"in a block scalar", "name: |\n  x\nsteps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "", true},
	{"steps: inside a string", "name: \"a\nsteps:\n  - b\"\nsteps:\n  - spawn: [cat]\n", "  - send: x${i}\n", "", false},
	{"deep", "steps:\n  - spawn: [cat]\n", "  - log: x${i}\n", "  - log: " + strings.Repeat("[", 120) + strings.Repeat("]", 120) + "\n", false},
	{"cut errors", "steps:\n  - spawn: [cat]\n", "  - sned: x${i}\n", "", false},
}

// TestChunkedParseCases reads each of chunkCases whole and in chunks of
// 1 to 5 and of 64 steps.
func TestChunkedParseCases(t *testing.T) {
	t.Parallel()
	for _, c := range chunkCases {
		src := chunkScript(c.head, c.item, c.tail, 30)
		for _, per := range []int{1, 2, 3, 4, 5, 64} {
			if got := sameParse(t, c.name, src, per); got != c.chunked {
				_, err := parseWhole(c.name, src)
				t.Errorf("%s, %d steps a chunk: read in chunks %v, want %v (the whole document: %v)", c.name, per, got, c.chunked, err)
			}
		}
	}
}

// chunkScript is head, n items and tail.
func chunkScript(head, item, tail string, n int) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		b.WriteString(strings.ReplaceAll(item, "${i}", strconv.Itoa(i)))
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// TestParseChunksLongScripts reads long scripts through Parse itself,
// which reads them in chunks: the same Script as the whole document, the
// last step at its line.
func TestParseChunksLongScripts(t *testing.T) {
	t.Parallel()
	for _, src := range [][]byte{roundTrips(3_000), bigScript(5_000)} {
		if len(src) < chunkFrom {
			t.Fatalf("a script of %d bytes, want %d or more", len(src), chunkFrom)
		}
		if parseChunked("big.yaml", src, chunkSteps) == nil {
			t.Fatal("the script was not read in chunks")
		}
		got, err := Parse("big.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := parseWhole("big.yaml", src)
		if !sameValue(got, want) {
			t.Fatalf("the Script differs from the whole document's: %s", firstDiff(got, want))
		}
		lines := strings.Count(string(src), "\n")
		if p := got.Steps[len(got.Steps)-1].Position(); int(p.Line) != lines || p.Col != 5 {
			t.Errorf("last step at %v, want big.yaml:%d:5", p, lines)
		}
	}
}

// FuzzChunkedParse checks that any source read in chunks of per steps
// gives what the whole document gives.
func FuzzChunkedParse(f *testing.F) {
	for _, c := range chunkCases {
		f.Add(chunkScript(c.head, c.item, c.tail, 3), uint8(1))
	}
	f.Add([]byte(v2Seed), uint8(2))
	f.Fuzz(func(t *testing.T, src []byte, per uint8) {
		sameParse(t, "fuzz.yaml", src, int(per%8)+1)
	})
}

// sameValue is reflect.DeepEqual but for functions, which it takes as the
// same when both are nil or neither is: the compiled jq of a json: check
// holds some, which DeepEqual never finds equal.
func sameValue(a, b any) bool {
	return sameValues(reflect.ValueOf(a), reflect.ValueOf(b), map[[2]uintptr]bool{})
}

func sameValues(a, b reflect.Value, seen map[[2]uintptr]bool) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Func:
		return a.IsNil() == b.IsNil()
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return false
		}
		if a.IsNil() {
			return true
		}
		if a.Kind() != reflect.Slice {
			key := [2]uintptr{a.Pointer(), b.Pointer()}
			if seen[key] {
				return true
			}
			seen[key] = true
		}
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		return sameValues(a.Elem(), b.Elem(), seen)
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValues(a.Index(i), b.Index(i), seen) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if !sameValues(a.MapIndex(k), b.MapIndex(k), seen) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValues(a.Field(i), b.Field(i), seen) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(valueOf(a), valueOf(b))
}

// valueOf is v as a comparable value, unexported fields too.
func valueOf(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Complex64, reflect.Complex128:
		return v.Complex()
	case reflect.String:
		return v.String()
	case reflect.Chan, reflect.UnsafePointer:
		return v.Pointer()
	}
	panic("sameValue: a " + v.Kind().String())
}
