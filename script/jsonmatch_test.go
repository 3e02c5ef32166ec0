package script

import (
	"strings"
	"testing"
	"time"
)

// jsonDoc is the document the json: checks below judge.
const jsonDoc = `{"version": "1.2", "n": 42, "f": 1.0, "i": 1, "ok": true, "nul": null,
 "big": 12345678901234567890,
 "obj": {"a": 1, "b": [true, null, "x"]},
 "items": [{"id": 1, "tags": ["x"]}, {"id": 2, "tags": []}]}`

// TestJSONCompare judges json: checks of a variable holding jsonDoc: by
// type (42 is not "42", true not "true"), key order ignored, arrays in
// order, null the same as missing (has() tells them apart), numbers by
// value (1 is 1.0), several values against a list, templates.
func TestJSONCompare(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, check, want string }{
		{"fields", `{.version: "1.2", ".items | length": 3, .ok: true}`, `json .items | length is 2, want 3`},
		{"fields ok", `{.version: "1.2", ".items | length": 2, .ok: true, .n: 42}`, ""},
		{"number not string", `{.n: "42"}`, `json .n is 42, want "42"`},
		{"string not number", `{.version: 1.2}`, `json .version is "1.2", want 1.2`},
		{"bool not string", `{.ok: "true"}`, `json .ok is true, want "true"`},
		{"null not string", `{.nul: "null"}`, `json .nul is null, want "null"`},
		{"key order", `{.obj: {b: [true, ~, x], a: 1}}`, ""},
		{"nesting", `{.items: [{tags: [x], id: 1}, {id: 2, tags: []}]}`, ""},
		{"nested type", `{.items: [{id: "1", tags: [x]}, {id: 2, tags: []}]}`, `json .items is [{"id":1,"tags":["x"]},{"id":2,"tags":[]}], want [{"id":"1","tags":["x"]},{"id":2,"tags":[]}]`},
		{"array order", `{.items: [{id: 2, tags: []}, {id: 1, tags: [x]}]}`, `json .items is`},
		{"extra key", `{.obj: {a: 1, b: [true, ~, x], c: 3}}`, `json .obj is {"a":1,"b":[true,null,"x"]}, want {"a":1,"b":[true,null,"x"],"c":3}`},
		{"missing is null", `{.missing: ~, .nul: ~}`, ""},
		{"has tells", `{'has("missing")': false, 'has("nul")': true}`, ""},
		{"has fails", `{'has("missing")': true}`, `json has("missing") is false, want true`},
		{"1 is 1.0", `{.f: 1, .i: 1.0, .n: 42.0}`, ""},
		{"big int", `{.big: 12345678901234567890}`, ""},
		{"big int differs", `{.big: 12345678901234567891}`, `json .big is 12345678901234567890, want 12345678901234567891`},
		{"several values", `{".items[].id": [1, 2]}`, ""},
		{"several, order", `{".items[].id": [2, 1]}`, `json .items[].id is [1,2], want [2,1]`},
		{"several, want one", `{".items[].id": 1}`, `json .items[].id yields 2 values, want one, 1 (or write a list of all the values it yields)`},
		{"no values", `{".items[] | select(.id > 5)": []}`, ""},
		{"one list", `{".obj.b": [true, ~, x]}`, ""},
		{"jq error", `{.version.x: 1}`, `json .version.x: jq error: expected an object but got: string ("1.2")`},
		{"template value", `{.version: "${ver}"}`, ""},
		{"template expr", `{"${path}": 2}`, ""},
		{"template expr bad", `{"${path} |": 2}`, `invalid jq expression ".items | length |": unexpected EOF`},
		{"diff", `{.: {version: "1.3", n: 42, f: 1, i: 1, ok: true, nul: ~, big: 12345678901234567890, obj: {a: 1, b: [true, ~, x]}, items: [{id: 1, tags: [x]}, {id: 2, tags: []}]}}`,
			"json . is not as expected (-want +got):\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runSrc(t, t.TempDir(), `vars: {doc: '`+strings.ReplaceAll(jsonDoc, "\n", " ")+`', ver: "1.2", path: ".items | length"}
steps:
  - assert: {var: doc, json: `+tc.check+`}
`)
			switch {
			case tc.want == "" && res.Err != nil:
				t.Fatalf("failed: %v", res.Err)
			case tc.want == "":
			case res.Err == nil:
				t.Fatalf("passed; want %q", tc.want)
			case !strings.Contains(res.Err.Error(), tc.want):
				t.Errorf("error:\n%s\nwant it to contain:\n%s", res.Err, tc.want)
			}
			if tc.name == "diff" && (!strings.Contains(res.Err.Error(), `-  "version": "1.3"`) || !strings.Contains(res.Err.Error(), `+  "version": "1.2"`)) {
				t.Errorf("no diff of the version: %s", res.Err)
			}
		})
	}
}

// TestJSONNotJSON: output that is not one JSON value fails naming the
// step, and shows its start, clipped and quoted so that a terminal
// escape in it does nothing; output cut to bound memory is not judged.
func TestJSONNotJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, cmd, want string }{
		{"text", `printf 'hello \033[31mworld'`, `:3:5: run: stdout is not JSON (invalid character 'h' looking for beginning of value, at byte 1); it begins: "hello \x1b[31mworld"`},
		{"empty", `true`, `:3:5: run: stdout is not JSON: it is empty`},
		{"two values", `echo '{"a": 1} {"b": 2}'`, `:3:5: run: stdout is not one JSON value: another follows the first, at byte 8`},
		{"cut short", `printf '{"a": [1, 2'`, `:3:5: run: stdout is not JSON (it ends inside a value); it begins: "{\"a\": [1, 2"`},
		{"long", `printf 'x%.0s' $(seq 300)`, `it begins: "` + strings.Repeat("x", 120) + `"...`},
		{"dropped", `python3 -c "print('[' + '1,' * 3000000 + '1]')"`, `:3:5: run: stdout is too large to read as JSON: `},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runSrc(t, t.TempDir(), `steps:
  - log: before
  - run: {shell: "`+strings.ReplaceAll(strings.ReplaceAll(tc.cmd, `\`, `\\`), `"`, `\"`)+`", stdout: {json: {.a: 1}}}
`)
			if res.Err == nil {
				t.Fatal("passed")
			}
			if !strings.Contains(res.Err.Error(), tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", res.Err, tc.want)
			}
			if strings.Contains(res.Err.Error(), "\x1b") {
				t.Errorf("the escape is in the message raw: %q", res.Err)
			}
			if tc.name == "dropped" && !strings.Contains(res.Err.Error(), "bytes were dropped to bound memory, and part of a document is not judged") {
				t.Errorf("does not say why: %s", res.Err)
			}
		})
	}
}

// TestJSONCapture: capture: {var: JQ-EXPR} sets each variable to what its
// expression yields: a string as it is, another value as compact JSON
// with its keys sorted; an expression of ${...} is compiled once
// expanded. One that yields several values, or output that is not JSON,
// fails and sets none.
func TestJSONCapture(t *testing.T) {
	t.Parallel()
	res := runSrc(t, t.TempDir(), `vars: {key: name}
steps:
  - run:
      cmd: [echo, '{"name": "db \"one\"", "items": [1, 2], "o": {"b": 1, "a": [true, null]}, "n": 2.5}']
      capture: {name: .name, items: .items, count: ".items | length", o: .o, n: .n, k: ".${key}"}
  - log: "name=${name} items=${items} count=${count} o=${o} n=${n} k=${k}"
  - assert: {var: o, json: {.a: [true, ~]}}
  - run: {cmd: [sh, -c, 'test "$0" = 2', "${count}"]}
`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if want := `name=db "one" items=[1,2] count=2 o={"a":[true,null],"b":1} n=2.5 k=db "one"`; !strings.Contains(res.Log, want) {
		t.Errorf("log lacks %q:\n%s", want, res.Log)
	}
	for _, tc := range []struct{ capture, out, want string }{
		{`{a: .name, b: ".items[]"}`, `{"name": "x", "items": [1, 2]}`, `:2:5: run: capture b: .items[] yields 2 values, want one (wrap it in [...] for a list)`},
		{`{a: .name}`, `name=x`, `:2:5: run: capture: stdout is not JSON (invalid character 'a' in literal null (expecting 'u'), at byte 2); it begins: "name=x\n"`},
		{`{a: .name.x}`, `{"name": "x"}`, `:2:5: run: capture a: .name.x: jq error: expected an object but got: string ("x")`},
	} {
		res := runSrc(t, t.TempDir(), `steps:
  - run: {cmd: [echo, '`+tc.out+`'], capture: `+tc.capture+`}
  - log: "a=${a}"
`)
		if res.Err == nil || !strings.Contains(res.Err.Error(), tc.want) {
			t.Errorf("capture %s of %s: error %v, want %q", tc.capture, tc.out, res.Err, tc.want)
		}
	}
}

// TestJSONBounded: an expression that would run for ever is stopped by
// the step's timeout, with a message of drover's words; one that yields
// too many values fails instead of filling memory.
func TestJSONBounded(t *testing.T) {
	t.Parallel()
	began := time.Now()
	res := runSrc(t, t.TempDir(), `steps:
  - run: {cmd: [echo, "{}"], timeout: 1s, stdout: {json: {"last(range(1e15))": 1}}}
`)
	if res.Err == nil || !strings.Contains(res.Err.Error(), `stdout: json last(range(1e15)) was stopped: the step's time ran out, or the run was interrupted`) {
		t.Errorf("error %v", res.Err)
	}
	if res.Err != nil && strings.Contains(res.Err.Error(), "context") {
		t.Errorf("Go's words in the message: %v", res.Err)
	}
	if took := time.Since(began); took > 20*time.Second {
		t.Errorf("took %s: the timeout did not stop the expression", took)
	}
	res = runSrc(t, t.TempDir(), `steps:
  - run: {cmd: [echo, "{}"], stdout: {json: {"range(20000)": [1]}}}
`)
	if res.Err == nil || !strings.Contains(res.Err.Error(), `stdout: json range(20000) yields more than 10000 values`) {
		t.Errorf("error %v", res.Err)
	}
}
