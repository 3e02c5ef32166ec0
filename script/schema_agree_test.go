package script

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// samples are values of each type, as YAML flow text: good ones, which the
// parser accepts where a value of the type is wanted, and bad ones, which
// it rejects. Each bad one is wrong in a way a schema can express (not a
// regular expression that does not compile, not a duration of 0s where
// one greater than 0 is wanted).
var samples = map[valueType]struct{ good, bad []string }{
	tNull:      {good: []string{`~`}, bad: []string{`[a]`, `[]`}},
	tText:      {good: []string{`hello`, `42`, `true`, `""`, `'a: b'`}, bad: []string{`~`, `[a]`, `{a: b}`}},
	tPattern:   {good: []string{`hello`, `42`, `true`, `"(x)"`}, bad: []string{`""`, `~`, `[a]`}},
	tNonBlank:  {good: []string{`ls`, `42`, `" x "`}, bad: []string{`""`, `"  "`, `~`, `[a]`}},
	tArgv:      {good: []string{`[ls]`, `[ls, -l, 42]`, `[ls, ""]`}, bad: []string{`[]`, `[""]`, `ls`, `[[a]]`, `[~]`, `{a: b}`}},
	tTexts:     {good: []string{`ok`, `[a, b]`, `""`}, bad: []string{`[]`, `~`, `{a: b}`, `[[a]]`}},
	tLocks:     {good: []string{`~`, `db`, `[db, "${port}"]`}, bad: []string{`[]`, `{a: b}`}},
	tBool:      {good: []string{`true`, `false`, `True`}, bad: []string{`yes`, `1`, `"true"`, `~`, `[true]`}},
	tTrue:      {good: []string{`true`}, bad: []string{`false`, `1`, `~`, `"true"`}},
	tDuration:  {good: []string{`10s`, `1m30s`, `.5s`, `"+1h"`, `1.5ms`, `3us`, `2µs`}, bad: []string{`10`, `5 minutes`, `-1s`, `1d`, `~`, `[1s]`, `""`}},
	tDuration0: {good: []string{`0`, `0s`, `10s`}, bad: []string{`1`, `-1s`, `~`, `x`}},
	tExit:      {good: []string{`0`, `255`, `[0, 3]`, `nonzero`, `any`, `"any"`}, bad: []string{`256`, `-1`, `"1"`, `[]`, `maybe`, `[nonzero]`, `~`, `[1, two]`}},
	tSignal:    {good: []string{`TERM`, `sigterm`, `Usr1`, `SIGKILL`, `winch`}, bad: []string{`FOO`, `9`, `SIG`, `~`, `[TERM]`, `SIGSIGTERM`}},
	tVarName:   {good: []string{`a`, `_x1`, `Abc`, `true`}, bad: []string{`1st`, `env`, `match`, `"a b"`, `~`, `[a]`, `42`, `a-b`}},
	tCaptures:  {good: []string{`a`, `[a, b]`}, bad: []string{`[]`, `[a, a]`, `[1a]`, `[env]`, `~`, `{a: b}`}},
	tProcess:   {good: []string{`p`}, bad: []string{`~`, `[p]`, `{a: b}`}},
	tProcName:  {good: []string{`db`, `web-1`, `a.b`, `42`, `_x`}, bad: []string{`"my proc"`, `-x`, `.x`, `~`, `[a]`, `a/b`}},
	tSize:      {good: []string{`24x80`, `1x1`, `1000x1000`}, bad: []string{`24*80`, `x80`, `24x`, `~`, `[24, 80]`, `24X80`}},
	tStream:    {good: []string{`stdout`, `stderr`, `both`}, bad: []string{`stdin`, `~`, `[stdout]`, `STDOUT`}},
	tPipe:      {good: []string{`pipe`}, bad: []string{`tty`, `true`, `~`, `PIPE`}},
	tControl:   {good: []string{`c`, `C`, `"^c"`, `"@"`, `"^["`, `_`, `"\\"`, `"?"`, `"^?"`}, bad: []string{`ctrl-c`, `"1"`, `~`, `"^1"`, `cc`, `""`}},
	tAddr:      {good: []string{`"127.0.0.1:8080"`, `"[::1]:80"`, `"localhost:${port}"`, `"h:1"`}, bad: []string{`localhost`, `8080`, `~`, `[a]`, `":"`}},
	tLines:     {good: []string{`0`, `3`}, bad: []string{`-1`, `"3"`, `x`, `~`, `1.5`}},
	tAttempts:  {good: []string{`1`, `3`, `1000`}, bad: []string{`0`, `1001`, `"2"`, `~`, `[2]`}},
	tEnv:       {good: []string{`~`, `{}`, `{A: b, B: 1, C: ""}`}, bad: []string{`[a]`, `{A: ~}`, `{"A=B": c}`, `x`}},
	tVars:      {good: []string{`~`, `{}`, `{a: "1", b: 2, c: true}`}, bad: []string{`{1a: x}`, `{env: x}`, `{a: ~}`, `[a]`, `x`, `{a: [1]}`}},
	tMatrix: {good: []string{`~`, `{h: [a, b]}`, `{h: [1, true]}`, `{include: [{h: a}]}`, `{csv: testdata/matrix/hosts.csv, h: [a]}`, `{h: [a, b], exclude: [{h: a}], include: ~}`},
		bad: []string{`{h: []}`, `{h: a}`, `{1h: [a]}`, `{h: [~]}`, `[a]`, `{h: [[a]]}`, `{include: a}`, `{csv: [a]}`, `{h: [a], exclude: [a]}`, `{csv: ~}`}},
	tCSVFile:  {good: []string{`testdata/matrix/hosts.csv`, `"./testdata/matrix/hosts.csv"`}, bad: []string{`""`, `"  "`, `~`, `[a]`, `{a: b}`}},
	tEntries:  {good: []string{`~`, `[]`, `[{h: a}]`}, bad: []string{`a`, `{h: a}`, `[a]`, `[{}]`, `[{h: ~}]`, `[{h: [a]}]`, `[{1h: a}]`, `[~]`}},
	tSteps:    {good: []string{`[{log: hi}]`, `[{log: hi}, {sleep: 0s}]`}, bad: []string{`[]`, `~`, `{log: hi}`, `[hi]`, `[{nope: x}]`, `[{log: a, sleep: 1s}]`, `[{}]`, `[[]]`}},
	tStepList: {good: []string{`~`, `[]`, `[{log: hi}]`}, bad: []string{`[hi]`, `{log: hi}`, `x`, `[{}]`}},
	tMatcher:  {good: []string{`ok`, `42`, `""`, `{contains: ok}`, `{lines: 0, empty: false}`}, bad: []string{`{}`, `~`, `[ok]`, `{contain: ok}`}},
	tItems: {good: []string{`[]`, `[a, 1, "${port}"]`, `[{h: a, n: 1}, {h: b, n: 2}]`},
		bad: []string{`a`, `~`, `[~]`, `[[a]]`, `[{}]`, `[{1h: a}]`, `[{h: ~}]`, `{h: a}`}},
	tDataFile: {good: []string{`testdata/each/hosts.csv`}, bad: []string{`""`, `"  "`, `~`, `[a]`}},
	tVarRef:   {good: []string{`port`, `env.HOME`}, bad: []string{`~`, `[port]`, `"a b"`, `1a`, `{a: b}`, `env.`, `a..b`}},
	tBranches: {good: []string{`[x]`, `[x, {text: y, then: [{log: hi}]}, {re: "(a)", capture: [v]}, {eof: true}, {timeout: true, then: [{log: hi}]}]`},
		bad: []string{`[{timeout: false}]`, `[]`, `x`, `[~]`, `[{}]`, `[""]`, `[{text: x, re: y}]`, `[{capture: [v], text: x}]`, `[[x]]`}},
	tSeen:      {good: []string{`Traceback`, `{text: x}`, `{re: "denied$"}`}, bad: []string{`""`, `~`, `[x]`, `{}`, `{text: x, re: y}`, `{eof: true}`}},
	tSeenList:  {good: []string{`[x]`, `[x, {re: "(a)"}, {text: y}]`}, bad: []string{`[]`, `x`, `[~]`, `[{}]`, `[""]`, `[[x]]`}},
	tDefines:   {good: []string{`~`, `{login: {params: [user], steps: [{send: hi}]}}`, `{a: {steps: [{log: x}]}}`}, bad: []string{`{a: {params: [u]}}`, `[a]`, `{a: {steps: []}}`, `{a: {steps: [{log: x}], with: 1}}`, `{1a: {steps: [{log: x}]}}`}},
	tImports:   {good: []string{`~`, `testdata/lib/greet.yaml`, `[testdata/lib/greet.yaml]`, `[]`}, bad: []string{`""`, `{a: b}`, `[[testdata/lib/greet.yaml]]`}},
	tGroup:     {good: []string{`g`, `"g"`}, bad: []string{`~`, `[g]`, `""`, `{name: g}`}},
	tRetryWhen: {good: []string{`{exit: 3}`, `{stderr: refused, exit: nonzero}`, `{error: {re: "time(d)? out"}}`}, bad: []string{`{}`, `~`, `refused`, `{exit: "3x"}`, `{stdin: x}`}},
	tFiles: {good: []string{`~`, `{}`, `{a.txt: hi, "d/b.txt": "x ${port}", e: ~, "./f": 1}`},
		bad: []string{`[a]`, `x`, `{"/etc/x": y}`, `{"../x": y}`, `{"a/../../x": y}`, `{a: [1]}`, `{"${port}": x}`, `{"": x}`}},
	tGolden:    {good: []string{`testdata/matrix/hosts.csv`, `"golden/${port}.txt"`}, bad: []string{`""`, `"  "`, `~`, `[a]`, `{a: b}`}},
	tRetrySpec: {good: []string{`{attempts: 2}`, `{attempts: 3, delay: 1s}`}, bad: []string{`{}`, `{delay: 1s}`, `3`, `~`, `{attempts: 2, tries: 3}`}},
	tJSON:      {good: []string{`{.a: 1}`, `{.version: "1.2", ".items | length": 3, .ok: true, .n: ~, .items: [{id: 1}, {id: 2}]}`}, bad: []string{`{}`, `~`, `[.a]`, `.a`, `{"": 1}`}},
	tCapture:   {good: []string{`out`, `{n: ".items | length"}`, `{a: .a, b: ".b[0]"}`}, bad: []string{`{}`, `~`, `[a]`, `{1a: .a}`, `{a: ~}`, `{a: ""}`, `{a: [.a]}`, `{env: .a}`}},
	tRequires:  {good: []string{`{programs: [jq]}`, `{os: linux}`, `{os: [linux, darwin], programs: "${port}"}`}, bad: []string{`{}`, `~`, `[jq]`, `jq`, `{os: beos}`, `{programs: []}`, `{program: [jq]}`}},
	tReason:    {good: []string{`flaky`, `42`, `"true"`, `" x "`, `"${port}"`}, bad: []string{`true`, `false`, `""`, `"  "`, `~`, `[a]`, `{a: b}`}},
	tCaret:     {good: []string{`"^]"`, `"^c"`, `"^C"`, `"^@"`, `"^\\"`, `"^?"`, `"^_"`}, bad: []string{`"]"`, `c`, `ctrl-]`, `"^1"`, `"^]]"`, `""`, `~`, `["^]"]`}},
	tOSNames:   {good: []string{`linux`, `[linux, darwin, windows]`}, bad: []string{`beos`, `Linux`, `[]`, `~`, `[linux, 1]`, `[[linux]]`, `"${os}"`}},
	tHex:       {good: []string{`80ff1b`, `"80 FF 1b"`, `"00"`, `1234`}, bad: []string{`"8"`, `zz`, `"0x80"`, `""`, `~`, `[80]`, `{a: b}`}},
	tEcho:      {good: []string{`off`, `on`, `"on"`}, bad: []string{`true`, `false`, `OFF`, `~`, `[on]`, `yes`}},
}

// formBases are mappings of the keys each form needs, into which the test
// puts the key under test, and where the form sits in a script.
var formBases = []struct {
	name  string
	form  *form
	base  [][2]string           // keys and values, in order
	place func(m string) string // the step holding mapping m, or nil for top
	top   string                // the top-level key holding mapping m
}{
	{"matrix", &matrixForm, [][2]string{{"h", "[a, b]"}}, nil, "matrix"},
	{"run", stepForm("run"), [][2]string{{"cmd", "[x]"}}, func(m string) string { return "{run: " + m + "}" }, ""},
	{"spawn", stepForm("spawn"), [][2]string{{"cmd", "[x]"}}, func(m string) string { return "{spawn: " + m + "}" }, ""},
	{"expect", stepForm("expect"), [][2]string{{"re", `"(a)(b)"`}}, func(m string) string { return "{expect: " + m + "}" }, ""},
	{"send", stepForm("send"), [][2]string{{"text", "x"}}, func(m string) string { return "{send: " + m + "}" }, ""},
	{"wait", stepForm("wait"), nil, func(m string) string { return "{wait: " + m + "}" }, ""},
	{"signal", stepForm("signal"), [][2]string{{"sig", "TERM"}}, func(m string) string { return "{signal: " + m + "}" }, ""},
	{"terminate", stepForm("terminate"), nil, func(m string) string { return "{terminate: " + m + "}" }, ""},
	{"wait_port", stepForm("wait_port"), [][2]string{{"addr", `"h:1"`}}, func(m string) string { return "{wait_port: " + m + "}" }, ""},
	{"retry", stepForm("retry"), [][2]string{{"attempts", "2"}, {"steps", "[{log: hi}]"}}, func(m string) string { return "{retry: " + m + "}" }, ""},
	{"each", stepForm("each"), [][2]string{{"in", "[a]"}, {"steps", "[{log: hi}]"}}, func(m string) string { return "{each: " + m + "}" }, ""},
	{"if", &condForm, [][2]string{{"var", "port"}, {"equals", `"1"`}}, func(m string) string { return "{if: " + m + ", then: [{log: hi}]}" }, ""},
	{"if's siblings", ifKind.siblings, [][2]string{{"if", `{var: port, equals: "1"}`}, {"then", "[{log: hi}]"}}, func(m string) string { return m }, ""},
	{"assert", &condForm, [][2]string{{"var", "port"}, {"equals", `"1"`}}, func(m string) string { return "{assert: " + m + "}" }, ""},
	{"stdout", &matcherForm, nil, func(m string) string { return "{run: {cmd: [x], stdout: " + m + "}}" }, ""},
	{"any", &branchForm, [][2]string{{"re", `"(a)(b)"`}}, func(m string) string { return "{expect: {any: [" + m + "]}}" }, ""},
	{"fail_on", &seenForm, [][2]string{{"text", "x"}}, func(m string) string { return "{spawn: {cmd: [x], fail_on: [" + m + "]}}" }, ""},
	{"retry_options", &retrySpecForm, [][2]string{{"attempts", "2"}}, func(m string) string { return "{run: {cmd: [x], retry: " + m + "}}" }, ""},
	{"requires", &requiresForm, nil, nil, "requires"},
	{"assert file", &condForm, [][2]string{{"file", "out.txt"}, {"exists", "true"}}, func(m string) string { return "{assert: " + m + "}" }, ""},
	{"if file", &condForm, [][2]string{{"file", "out.txt"}, {"exists", "true"}}, func(m string) string { return "{if: " + m + ", then: [{log: hi}]}" }, ""},
}

// needsMet reports whether every key of kvs that needs another has it
// beside it: a key tried on a base that lacks what it needs is tried on
// another base (exists on assert file's, not on assert var's).
func needsMet(kvs [][2]string, needs map[string]string) bool {
	for _, kv := range kvs {
		if need, ok := needs[kv[0]]; ok && !slices.ContainsFunc(kvs, func(o [2]string) bool { return o[0] == need }) {
			return false
		}
	}
	return true
}

// sampleCase is one script of TestSchemaAgrees. want is 1 when the parser
// must accept it, -1 when it must reject it, 0 when only the schema's
// verdict must match the parser's.
type sampleCase struct {
	src  string
	want int
}

// sampleScript puts step (YAML flow) after the spawn of a process p on
// pipes, which may feed a stdin_from, in a script with a variable port.
// top, if not empty, replaces a top-level key.
func sampleScript(step, topKey, topVal string) string {
	top := [][2]string{{"vars", `{port: "1"}`}, {"define", "{g: {steps: [{log: hi}]}}"}, {"steps", "[{spawn: {name: p, cmd: [cat], tty: false}}, " + step + "]"}}
	var b strings.Builder
	found := false
	for _, kv := range top {
		if kv[0] == topKey {
			kv[1], found = topVal, true
		}
		fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
	}
	if topKey != "" && !found {
		fmt.Fprintf(&b, "%s: %s\n", topKey, topVal)
	}
	return b.String()
}

// mapping writes keys and values as a YAML flow mapping.
func mapping(kvs [][2]string) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = kv[0] + ": " + kv[1]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// without returns kvs without the keys in names.
func without(kvs [][2]string, names ...string) [][2]string {
	return slices.DeleteFunc(slices.Clone(kvs), func(kv [2]string) bool { return slices.Contains(names, kv[0]) })
}

// sampleCases builds the scripts of TestSchemaAgrees: each sample of each
// key's type, of each step's short form and of each top-level key; and
// the rules that tie keys together, broken.
func sampleCases(t *testing.T) map[string]sampleCase {
	cases := map[string]sampleCase{}
	add := func(name, src string, want int) {
		if c, dup := cases[name]; dup {
			if c.src != src {
				t.Fatalf("two cases named %s", name)
			}
			want = max(want, c.want) // The same value for two short forms.
		}
		cases[name] = sampleCase{src, want}
	}
	each := func(typ valueType, f func(v string, want int)) {
		s, ok := samples[typ]
		if !ok || len(s.good) == 0 {
			t.Errorf("no good samples of type %s", typ)
		}
		for _, v := range s.good {
			f(v, 1)
		}
		for _, v := range s.bad {
			f(v, -1)
		}
	}
	for _, fl := range scriptForm.fields {
		each(fl.typ, func(v string, want int) {
			add(fmt.Sprintf("top %s: %s", fl.name, v), sampleScript("{log: hi}", fl.name, v), want)
		})
	}
	for _, s := range stepSpecs {
		for _, typ := range s.short {
			each(typ, func(v string, want int) {
				// A value wrong for one short form may be right for
				// another, or be a long form: only the verdicts must agree.
				add(fmt.Sprintf("%s: %s", s.kind, v), sampleScript("{"+s.kind+": "+v+"}", "", ""), max(want, 0))
			})
		}
	}
	for _, fb := range formBases {
		f := fb.form
		script := func(kvs [][2]string) string {
			if fb.place == nil {
				return sampleScript("{log: hi}", fb.top, mapping(kvs))
			}
			return sampleScript(fb.place(mapping(kvs)), "", "")
		}
		for _, fl := range f.fields {
			base := without(fb.base, fl.name)
			if slices.Contains(f.oneOf, fl.name) {
				base = without(base, f.oneOf...)
			}
			if !needsMet(append(slices.Clone(base), [2]string{fl.name, ""}), f.needs) {
				continue
			}
			each(fl.typ, func(v string, want int) {
				add(fmt.Sprintf("%s %s: %s", fb.name, fl.name, v), script(append(slices.Clone(base), [2]string{fl.name, v})), want)
			})
		}
		good := func(key string) [2]string {
			for _, fl := range f.fields {
				if fl.name == key {
					return [2]string{key, samples[fl.typ].good[0]}
				}
			}
			t.Fatalf("%s has no key %s", fb.name, key)
			return [2]string{}
		}
		if len(f.oneOf) > 0 {
			add(fb.name+" without "+strings.Join(f.oneOf, ", "), script(without(fb.base, f.oneOf...)), -1)
		}
		for _, group := range [][]string{f.oneOf, f.atMostOne} {
			for i, a := range group {
				for _, b := range group[i+1:] {
					kvs := append(without(fb.base, group...), good(a), good(b))
					add(fmt.Sprintf("%s with %s and %s", fb.name, a, b), script(kvs), -1)
				}
			}
		}
		for _, k := range f.required {
			add(fb.name+" without "+k, script(without(fb.base, k)), -1)
		}
		for k, need := range f.needs {
			kvs := without(fb.base, need)
			if slices.Contains(f.oneOf, need) {
				kvs = without(kvs, f.oneOf...)
				for _, other := range f.oneOf {
					if other != need {
						kvs = append(kvs, good(other))
						break
					}
				}
			}
			add(fmt.Sprintf("%s with %s, without %s", fb.name, k, need), script(append(kvs, good(k))), -1)
		}
	}
	return cases
}

// TestSchemaAgrees gives the parser and the schema the same values of
// every type, for every key of every form, and the same breaches of the
// rules between keys, and checks that they agree on each: what the
// parser accepts the schema accepts, and what it rejects the schema
// rejects. A key whose type in its key table is not what the parser
// reads fails here.
func TestSchemaAgrees(t *testing.T) {
	t.Parallel()
	for _, typ := range valueTypes {
		if _, ok := samples[typ]; !ok {
			t.Errorf("type %s has no samples", typ)
		}
	}
	cases := sampleCases(t)
	docs := make(map[string]any, len(cases))
	parsed := make(map[string]error, len(cases))
	for name, c := range cases {
		_, parsed[name] = Parse("sample.yaml", []byte(c.src))
		doc, err := yamlToJSON([]byte(c.src))
		if err != nil {
			t.Fatalf("%s: converting to JSON: %v\n%s", name, err, c.src)
		}
		docs[name] = doc
	}
	verdicts := validate(t, docs)
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c, perr, serrs := cases[name], parsed[name], verdicts[name]
		switch {
		case c.want > 0 && perr != nil:
			t.Errorf("%s: a good sample, but the parser rejects it: %v\n%s", name, perr, c.src)
		case c.want < 0 && perr == nil:
			t.Errorf("%s: a bad sample, but the parser accepts it\n%s", name, c.src)
		case perr == nil && len(serrs) > 0:
			t.Errorf("%s: the parser accepts it, the schema rejects it:\n\t%s\n%s", name, strings.Join(serrs, "\n\t"), c.src)
		case perr != nil && len(serrs) == 0:
			t.Errorf("%s: the parser rejects it (%v), the schema accepts it\n%s", name, perr, c.src)
		}
	}
	t.Logf("%d samples", len(cases))
}
