package main

import (
	"strings"
	"testing"
	"time"
)

// jsonSetup makes the database and the JSON file the json: scripts read:
// sqlite3 -json prints the table, python3 -m json.tool the file, with its
// keys in another order than the checks give them.
const jsonSetup = `steps:
  - run: {cmd: [sqlite3, db, "create table t(id integer, name text, price real); insert into t values (1, 'apple', 1.5), (2, 'pear', 2)"]}
`

const jsonData = `{"version": "1.2", "ok": true, "items": [{"id": 1}, {"id": 2}, {"id": 3}],
 "nested": {"a": null, "b": {"c": [1, "2"]}}}`

// TestJSONEndToEnd: json: checks of what real programs print, through the
// binary: matches whatever the key order; mismatches of type, order and
// nesting, each at its step's file:line:col with the expression, what it
// is and what was wanted; capture: {var: JQ-EXPR} used by a later step;
// output that is not JSON.
func TestJSONEndToEnd(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3", "python3")
	tests := []struct {
		name, steps string
		code        int
		out         []string
	}{
		{"match", `
  - run:
      cmd: [sqlite3, -json, db, "select id, name, price from t order by id"]
      stdout: {json: {length: 2, ".[0]": {price: 1.5, name: apple, id: 1}, ".[1].price": 2, "map(.name)": [apple, pear]}}
      capture: {first: ".[0].name", ids: "map(.id)", row: ".[1]"}
  - run: {cmd: [sqlite3, db, "select count(*) from t where name = '${first}'"], stdout: {equals: "1"}}
  - log: "ids ${ids} row ${row}"
  - run:
      cmd: [python3, -m, json.tool, data.json]
      stdout: {json: {.version: "1.2", ".items | length": 3, .ok: true, .nested: {b: {c: [1, "2"]}, a: ~}, '.items[].id': [1, 2, 3]}}
  - assert: {var: row, json: {.name: pear}}
  - spawn: {cmd: [python3, -m, json.tool, data.json], tty: false}
  - wait: {stdout: {json: {.ok: true, ".nested.b.c[1]": "2"}}}
  - spawn: {cmd: [python3, -m, json.tool, data.json]}
  - wait: {stdout: {json: {.version: "1.2"}}}`, 0, []string{`ids [1,2] row {"id":2,"name":"pear","price":2.0}`, "1 passed, 0 failed"}},
		{"type", `
  - run: {cmd: [sqlite3, -json, db, "select id from t order by id"], stdout: {json: {".[0].id": "1"}}}`, 1,
			[]string{`/j.yaml:4:5: run: stdout: json .[0].id is 1, want "1"`}},
		{"bool type", `
  - run: {cmd: [python3, -m, json.tool, data.json], stdout: {json: {.ok: "true", .version: "1.2"}}}`, 1,
			[]string{`/j.yaml:4:5: run: stdout: json .ok is true, want "true"`}},
		{"order", `
  - run: {cmd: [sqlite3, -json, db, "select name from t order by id"], stdout: {json: {"map(.name)": [pear, apple]}}}`, 1,
			[]string{`/j.yaml:4:5: run: stdout: json map(.name) is ["apple","pear"], want ["pear","apple"]`}},
		{"nesting", `
  - run: {cmd: [python3, -m, json.tool, data.json], stdout: {json: {.nested: {a: ~, b: {c: [1, 2]}}}}}`, 1,
			[]string{`/j.yaml:4:5: run: stdout: json .nested is {"a":null,"b":{"c":[1,"2"]}}, want {"a":null,"b":{"c":[1,2]}}`}},
		{"big diff", `
  - run: {cmd: [python3, -m, json.tool, data.json], stdout: {json: {.: {version: "1.3", ok: true, items: [{id: 1}, {id: 2}, {id: 3}], nested: {a: ~, b: {c: [1, "2"]}}}}}}`, 1,
			[]string{"/j.yaml:4:5: run: stdout: json . is not as expected (-want +got):\n", `-  "version": "1.3"`, `+  "version": "1.2"`}},
		{"not json", `
  - run: {cmd: [sqlite3, db, "select * from t order by id"], stdout: {json: {length: 2}}}`, 1,
			[]string{`/j.yaml:4:5: run: stdout is not JSON (invalid character '|' looking for beginning of value, at byte 2 after the value that ends at byte 1); it begins: "1|apple|1.5\n2|pear|2.0\n"`}},
		{"wait", `
  - spawn: {cmd: [python3, -m, json.tool, data.json], tty: false}
  - wait: {stdout: {json: {.ok: false}}}`, 1,
			[]string{`/j.yaml:5:5: wait: stdout: json .ok is true, want false`}},
		{"capture not json", `
  - run: {cmd: [sqlite3, db, "select name from t"], capture: {n: ".[0].name"}}`, 1,
			[]string{`/j.yaml:4:5: run: capture: stdout is not JSON`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeScript(t, dir, "data.json", jsonData)
			path := writeScript(t, dir, "j.yaml", jsonSetup+tc.steps+"\n")
			code, out, errs := droverRun(t, dir, "run", path)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, want := range tc.out {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestJSONCheck: drover check compiles every jq expression and names a
// bad one at its file:line:col, with gojq's message, exit 2.
func TestJSONCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "j.yaml", `steps:
  - run:
      cmd: [echo, "{}"]
      stdout: {json: {.a: 1, ".items | lenght": 3}}
      capture: {n: ".x |"}
`)
	code, out, errs := droverRun(t, dir, "check", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		path + `:4:30: run: stdout.json: invalid jq expression ".items | lenght": function not defined: lenght/0`,
		path + `:5:20: run: capture.n: invalid jq expression ".x |": unexpected EOF`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestJSONCheckLint: the linter judges an if: with json: from vars: (a
// branch that never runs is a warning), and does not hang on a jq
// expression that runs for ever: it gives up judging it.
func TestJSONCheckLint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "j.yaml", `vars: {doc: '{"a": 1}'}
steps:
  - if: {var: doc, json: {"last(range(1e15))": 1}}
    then: [{log: x}]
  - if: {var: doc, json: {.a: 2}}
    then: [{log: y}]
`)
	began := time.Now()
	code, out, errs := droverRun(t, dir, "check", path)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	if took := time.Since(began); took > 20*time.Second {
		t.Errorf("drover check took %s", took)
	}
	if want := `j.yaml:5:5: warning: if: the condition never holds`; !strings.Contains(out+errs, want) {
		t.Errorf("output lacks %q:\n%s%s", want, out, errs)
	}
	if strings.Contains(out+errs, ":3:5: warning") {
		t.Errorf("the expression that runs for ever was judged:\n%s%s", out, errs)
	}
}
