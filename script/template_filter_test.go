package script

import (
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileValues are values a program may print and a script capture:
// each must come out of every filter quoted, never acting as syntax.
var hostileValues = []string{
	"",
	"plain",
	"it's",
	"'; touch pwned; '",
	`"; touch pwned; "`,
	"$(touch pwned)",
	"`touch pwned`",
	"a\nb\r\n",
	`back\slash\\`,
	`a.b*c+d?(e)|[f]{g}^$`,
	"${x} $$",
	"tab\tnul\x00bell\x07",
	"\u2028\u2029",
	"héllo wörld",
	"bad \xff\xfe utf-8 \xc3",
	"-n",
}

func lookupOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestExpandFilters(t *testing.T) {
	t.Parallel()
	lookup := lookupOf(map[string]string{
		"x":       "it's $(rm -rf ~)",
		"dot":     "a.b",
		"q":       "say \"hi\"\n\x01",
		"env.F":   "my file's",
		"bad":     "\xff",
		"newline": "a\nb",
	})
	tests := []struct{ tmpl, want string }{
		{"echo ${x|sh}", `echo 'it'\''s $(rm -rf ~)'`},
		{"${dot|re}", `a\.b`},
		{"^${dot|re}$", `^a\.b$`},
		{"${q|json}", `"say \"hi\"\n\u0001"`},
		{"cat ${env.F|sh}", `cat 'my file'\''s'`},
		{"${bad|json}", `"\ufffd"`},
		{"${bad|re}", "\uFFFD"},
		{"${newline|sh}", "'a\nb'"},
		{"${x|json|sh}", `'"it'\''s $(rm -rf ~)"'`},
		{"$${x|sh}", "${x|sh}"},
		{"$$${dot|re}", `$a\.b`},
	}
	for _, tt := range tests {
		got, err := Expand(tt.tmpl, lookup)
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
	bad := []struct{ tmpl, err string }{
		{"${x|shell}", `unknown filter "shell" in ${x|shell}; want one of: json, re, sh`},
		{"${x|}", `unknown filter "" in ${x|}; want one of: json, re, sh`},
		{"${x|re|}", `unknown filter "" in ${x|re|}; want one of: json, re, sh`},
		{"${x|RE}", `unknown filter "RE" in ${x|RE}; want one of: json, re, sh`},
		{"${x | re}", `invalid variable name "x " in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		{"${nope|sh}", `undefined variable "nope"`},
	}
	for _, tt := range bad {
		got, err := Expand(tt.tmpl, lookup)
		if err == nil || err.Error() != tt.err {
			t.Errorf("Expand(%q) = %q, %v; want error %s", tt.tmpl, got, err, tt.err)
		}
		if _, rerr := Refs(tt.tmpl); (rerr == nil) != strings.Contains(tt.err, "undefined") {
			t.Errorf("Refs(%q) error %v", tt.tmpl, rerr)
		}
	}
	if refs, err := Refs("${a|sh} ${b|re|json} ${a}"); err != nil || strings.Join(refs, ",") != "a,b" {
		t.Errorf("Refs = %q, %v; want the names without their filters", refs, err)
	}
}

// A value quoted by |sh is one word to a real shell, whatever it holds:
// printf prints it back exactly and nothing in it runs.
func TestFilterShRealShell(t *testing.T) {
	t.Parallel()
	for _, sh := range []string{"sh", "bash"} {
		if _, err := osexec.LookPath(sh); err != nil {
			t.Skipf("%s is not installed", sh)
		}
		dir := t.TempDir()
		for _, v := range hostileValues {
			if strings.Contains(v, "\x00") {
				continue // No argv holds a NUL.
			}
			line, err := Expand("printf %s ${v|sh}; printf '|'; printf %s ${v|sh}", lookupOf(map[string]string{"v": v}))
			if err != nil {
				t.Fatal(err)
			}
			cmd := osexec.Command(sh, "-c", line)
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil || string(out) != v+"|"+v {
				t.Errorf("%s -c %q = %q, %v; want %q", sh, line, out, err, v+"|"+v)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Errorf("a value quoted by |sh ran a command under %s", sh)
		}
	}
}

// A value quoted by |re matches itself, literally, and nothing else.
func TestFilterRe(t *testing.T) {
	t.Parallel()
	for _, v := range hostileValues {
		pat, err := Expand("^${v|re}$", lookupOf(map[string]string{"v": v}))
		if err != nil {
			t.Fatal(err)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Errorf("%q|re = %q does not compile: %v", v, pat, err)
			continue
		}
		if !re.MatchString(v) {
			t.Errorf("%q|re = %q does not match the value", v, pat)
		}
	}
	re := regexp.MustCompile("^" + mustExpand(t, "${v|re}", "a.b") + "$")
	if re.MatchString("axb") || !re.MatchString("a.b") {
		t.Errorf("a.b|re = %s: want it to match a.b only", re)
	}
}

// A value quoted by |json is one JSON string, which decodes to the value
// (invalid UTF-8 as U+FFFD).
func TestFilterJSON(t *testing.T) {
	t.Parallel()
	for _, v := range hostileValues {
		out := mustExpand(t, "${v|json}", v)
		var got string
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Errorf("%q|json = %s: not a JSON string: %v", v, out, err)
			continue
		}
		if want := validUTF8(v); got != want {
			t.Errorf("%q|json = %s decodes to %q, want %q", v, out, got, want)
		}
		if !utf8.ValidString(out) {
			t.Errorf("%q|json = %q is not valid UTF-8", v, out)
		}
	}
}

func mustExpand(t *testing.T, tmpl, v string) string {
	t.Helper()
	out, err := Expand(tmpl, lookupOf(map[string]string{"v": v}))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A filter that makes a value longer than MaxValue fails, naming the
// variable and the filter, and each filter's length is what it makes.
func TestFilterTooLong(t *testing.T) {
	t.Parallel()
	quotes := strings.Repeat("'", MaxValue/3)
	lookup := lookupOf(map[string]string{"q": quotes, "n": strings.Repeat("\x01", MaxValue/3)})
	if _, err := Expand("${q}", lookup); err != nil {
		t.Fatalf("Expand(${q}): %v", err)
	}
	for _, tmpl := range []string{"${q|sh}", "${n|json}", "${q|json|sh}"} {
		_, err := Expand(tmpl, lookup)
		if err == nil || !strings.Contains(err.Error(), tmpl[:len(tmpl)-1]) || !strings.Contains(err.Error(), "more than 1048576 bytes") {
			t.Errorf("Expand(%s): error %v, want one naming it and the limit", tmpl, err)
		}
	}
	for _, v := range hostileValues {
		for _, f := range Filters {
			out := mustExpand(t, "${v|"+f+"}", v)
			if n := filteredLen(f, v); n != len(out) {
				t.Errorf("filteredLen(%s, %q) = %d, want %d", f, v, n, len(out))
			}
			if g := filterGrowth[f]; len(out) > len(v)*g[0]+g[1] {
				t.Errorf("%q|%s is %d bytes, more than filterGrowth allows", v, f, len(out))
			}
		}
	}
}

// FuzzFilters checks each filter on any value: |re matches the value
// exactly, |json decodes to it, |sh is one single-quoted word, and each
// is as long as filteredLen says.
func FuzzFilters(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		lookup := lookupOf(map[string]string{"v": v})
		pat, err := Expand("^${v|re}$", lookup)
		if err != nil {
			return // Too long.
		}
		if re, err := regexp.Compile(pat); err != nil || !re.MatchString(v) {
			t.Fatalf("%q|re = %q: %v, or no match", v, pat, err)
		}
		js, _ := Expand("${v|json}", lookup)
		var got string
		if err := json.Unmarshal([]byte(js), &got); err != nil || got != validUTF8(v) {
			t.Fatalf("%q|json = %s: %q, %v", v, js, got, err)
		}
		sh, _ := Expand("${v|sh}", lookup)
		inner := strings.TrimSuffix(strings.TrimPrefix(sh, "'"), "'")
		if strings.ReplaceAll(inner, `'\''`, "'") != v || strings.Count(strings.ReplaceAll(inner, `'\''`, ""), "'") != 0 {
			t.Fatalf("%q|sh = %q", v, sh)
		}
		for _, fl := range Filters {
			out, _ := Expand("${v|"+fl+"}", lookup)
			if filteredLen(fl, v) != len(out) {
				t.Fatalf("filteredLen(%s, %q) = %d, want %d", fl, v, filteredLen(fl, v), len(out))
			}
		}
	})
}

// Parse reckons a filtered value at the most its filter can make of it:
// a var of 300,000 quotes is 1.2 MB once quoted for the shell.
func TestParseFilterSize(t *testing.T) {
	t.Parallel()
	src := "vars: {q: \"" + strings.Repeat("'", 300_000) + "\"}\nsteps:\n  - log: ${q}\n  - log: ${q|sh}\n"
	_, err := Parse("t.yaml", []byte(src))
	want := "t.yaml:4:10: log: expands to 1200002 bytes, more than the 1048576 bytes (1 MiB) a value may have"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error:\n%v\nwant:\n%s", err, want)
	}
}
