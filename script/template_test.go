package script

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"host":        "example.test",
		"port":        "53",
		"empty":       "",
		"env.HOME":    "/home/op",
		"match.index": "1",
		"dollar":      "${host}", // Values are not expanded again.
	}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	tests := []struct {
		tmpl, want, err string
	}{
		{"", "", ""},
		{"plain text", "plain text", ""},
		{"${host}", "example.test", ""},
		{"${host}:${port}", "example.test:53", ""},
		{"at ${host}.", "at example.test.", ""},
		{"[${empty}]", "[]", ""},
		{"${env.HOME}/bin", "/home/op/bin", ""},
		{"branch ${match.index}", "branch 1", ""},
		{"${dollar}", "${host}", ""},
		{"$$", "$", ""},
		{"$${host}", "${host}", ""},
		{"$$$${host}", "$${host}", ""},
		{"$$$", "$$", ""},
		{"cost: $5", "cost: $5", ""},
		{"echo $HOME", "echo $HOME", ""},
		{"$", "$", ""},
		{"a$", "a$", ""},
		{"$(date)", "$(date)", ""},
		{"^x$", "^x$", ""},
		{"héllo ${host} wörld", "héllo example.test wörld", ""},
		{"${hots}", "", `undefined variable "hots"`},
		{"${host} ${nope} ${also}", "", `undefined variable "nope"`},
		{"${env.NOPE}", "", `undefined variable "env.NOPE"`},
		{"${host", "", `unterminated "${" in "${host"; write ${name} for a variable, $$ for a literal $`},
		{"ok ${", "", `unterminated "${" in "${"; write ${name} for a variable, $$ for a literal $`},
		{"${}", "", `empty variable name in "${}"; write $$ for a literal $`},
		{"${a b}", "", `invalid variable name "a b" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		{"${1x}", "", `invalid variable name "1x" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		{"${a..b}", "", `invalid variable name "a..b" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		{"${.a}", "", `invalid variable name ".a" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		{"${a{b}", "", `invalid variable name "a{b" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`},
		// A syntax error is reported even after an undefined name.
		{"${nope} ${", "", `unterminated "${" in "${"; write ${name} for a variable, $$ for a literal $`},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Parallel()
			got, err := Expand(tt.tmpl, lookup)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Expand(%q) = %q, %v; want error %s", tt.tmpl, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Expand(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
			}
		})
	}
}

func TestExpandUndefinedError(t *testing.T) {
	t.Parallel()
	_, err := Expand("${a}", func(string) (string, bool) { return "", false })
	u, ok := errors.AsType[*UndefinedError](err)
	if !ok || u.Name != "a" {
		t.Fatalf("Expand error %v (%T), want an *UndefinedError for a", err, err)
	}
}

func TestExpandLookupCalls(t *testing.T) {
	t.Parallel()
	// lookup is not called for a template with a syntax error, and not
	// after the first undefined name.
	var calls []string
	lookup := func(name string) (string, bool) {
		calls = append(calls, name)
		return "", name == "a"
	}
	_, _ = Expand("${a} ${b} ${c}", lookup)
	_, _ = Expand("${a} ${", lookup)
	if want := []string{"a", "b"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("lookup called with %q, want %q", calls, want)
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"no refs, $5, $$", nil, false},
		{"$${escaped}", nil, false},
		{"${a}", []string{"a"}, false},
		{"${b} ${a} ${b} ${env.HOME} ${match.index}", []string{"b", "a", "env.HOME", "match.index"}, false},
		{"$$${a}", []string{"a"}, false},
		{"${a", nil, true},
		{"${a} ${}", nil, true},
		{"${-}", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Parallel()
			got, err := Refs(tt.tmpl)
			if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Refs(%q) = %q, %v; want %q, error %v", tt.tmpl, got, err, tt.want, tt.err)
			}
		})
	}
}

func BenchmarkExpand(b *testing.B) {
	lookup := func(name string) (string, bool) { return "value", true }
	for b.Loop() {
		if _, err := Expand("set port=${port} host=${host} cost=$$5", lookup); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzExpand checks that Expand and Refs agree on every template: the same
// syntax errors, and a lookup call for exactly the names Refs returns.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"", "$", "$$", "${a}", "${a.b} $${c} ${", "x${}y", "${env.HOME}/${x}", "${a|re} ${b|sh|json}", "${a|nope}", "$${a|sh}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		refs, rerr := Refs(tmpl)
		var looked []string
		seen := map[string]bool{}
		out, eerr := Expand(tmpl, func(name string) (string, bool) {
			if !seen[name] {
				seen[name] = true
				looked = append(looked, name)
			}
			return "<" + name + ">", true
		})
		if (rerr == nil) != (eerr == nil) {
			t.Fatalf("Refs error %v, Expand error %v", rerr, eerr)
		}
		if rerr != nil {
			return
		}
		if !reflect.DeepEqual(refs, looked) {
			t.Fatalf("Refs = %q, Expand looked up %q", refs, looked)
		}
		if len(refs) == 0 && !strings.Contains(tmpl, "$$") && out != tmpl {
			t.Fatalf("Expand(%q) = %q without references", tmpl, out)
		}
	})
}

// Expand refuses to build a value past MaxValue, naming the variable that
// made it too long, rather than allocate without bound: a captured value
// can be as long as a program's output.
func TestExpandTooLong(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", MaxValue/2+1)
	lookup := func(name string) (string, bool) {
		if name == "big" {
			return big, true
		}
		return "y", true
	}
	if v, err := Expand("${big}", lookup); err != nil || len(v) != len(big) {
		t.Fatalf("Expand(${big}) = %d bytes, %v; want %d bytes", len(v), err, len(big))
	}
	_, err := Expand("${small} ${big}${big}", lookup)
	if err == nil || !strings.Contains(err.Error(), "${big}") || !strings.Contains(err.Error(), "more than 1048576 bytes") {
		t.Fatalf("Expand of two halves and more: error %v, want one naming ${big} and the limit", err)
	}
}
