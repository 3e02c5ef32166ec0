package script

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func jobNames(jobs []Job) []string {
	names := make([]string, len(jobs))
	for i, j := range jobs {
		names[i] = j.Name()
	}
	return names
}

// TestMatrixJobs checks how axes, csv:, exclude: and include: combine,
// and --var over them, job by job and in order.
func TestMatrixJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hosts.csv"), []byte("\uFEFFname,addr\r\nwww,192.0.2.10\r\n\"a,pi\",\"192.0.2.11\"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, matrix string
		vars         map[string]string
		want         []string
	}{
		// The example of GitHub Actions' documentation, with its result.
		{"github example", `
  fruit: [apple, pear]
  animal: [cat, dog]
  include:
    - color: green
    - color: pink
      animal: cat
    - fruit: apple
      shape: circle
    - fruit: banana
    - fruit: banana
      animal: cat`, nil, []string{
			"m [fruit=apple animal=cat color=pink shape=circle]",
			"m [fruit=apple animal=dog color=green shape=circle]",
			"m [fruit=pear animal=cat color=pink]",
			"m [fruit=pear animal=dog color=green]",
			"m [fruit=banana]",
			"m [fruit=banana animal=cat]",
		}},
		{"exclude first, then include", `
  os: [linux, mac, bsd]
  arch: [amd64, arm64]
  exclude: [{os: mac, arch: amd64}, {os: bsd}]
  include:
    - {os: mac, arch: amd64, note: back}
    - {os: linux, cgo: "1"}`, nil, []string{
			"m [os=linux arch=amd64 cgo=1]",
			"m [os=linux arch=arm64 cgo=1]",
			"m [os=mac arch=arm64]",
			"m [os=mac arch=amd64 note=back]",
		}},
		{"csv alone", `{csv: hosts.csv}`, nil, []string{
			"m [name=www addr=192.0.2.10]",
			"m [name=a,pi addr=192.0.2.11]",
		}},
		{"csv is the last axis", `{csv: hosts.csv, server: [dnsmasq, unbound]}`, nil, []string{
			"m [server=dnsmasq name=www addr=192.0.2.10]",
			"m [server=dnsmasq name=a,pi addr=192.0.2.11]",
			"m [server=unbound name=www addr=192.0.2.10]",
			"m [server=unbound name=a,pi addr=192.0.2.11]",
		}},
		{"exclude a csv row", `{csv: hosts.csv, server: [dnsmasq, unbound], exclude: [{server: unbound, name: www}]}`, nil, []string{
			"m [server=dnsmasq name=www addr=192.0.2.10]",
			"m [server=dnsmasq name=a,pi addr=192.0.2.11]",
			"m [server=unbound name=a,pi addr=192.0.2.11]",
		}},
		{"include extends csv rows", `{csv: hosts.csv, include: [{name: www, ttl: "60"}, {name: mail, addr: 192.0.2.12}]}`, nil, []string{
			"m [name=www addr=192.0.2.10 ttl=60]",
			"m [name=a,pi addr=192.0.2.11]",
			"m [name=mail addr=192.0.2.12]",
		}},
		{"include alone", `{include: [{host: a, port: "1"}, {port: "2"}]}`, nil, []string{
			"m [host=a port=1]",
			"m [port=2]",
		}},
		{"var sets an axis", `{os: [linux, mac], arch: [amd64, arm64]}`, map[string]string{"os": "bsd"}, []string{
			"m [os=bsd arch=amd64]",
			"m [os=bsd arch=arm64]",
		}},
		{"var picks an include", `{os: [linux, mac], include: [{os: mac, note: x}]}`, map[string]string{"os": "mac"}, []string{
			"m [os=mac note=x]",
		}},
		// --var of an axis keeps the jobs the matrix makes with its value:
		// an entry that names the axis with another value neither extends
		// a job nor is one, and one that extends jobs of other values only
		// is no job of its own either.
		{"var narrows before include", `
  os: [linux, mac]
  ver: ["1", "2"]
  include:
    - {os: linux, pkg: apt}
    - {os: mac, pkg: brew}`, map[string]string{"os": "linux"}, []string{
			"m [os=linux ver=1 pkg=apt]",
			"m [os=linux ver=2 pkg=apt]",
		}},
		{"var drops an include job of another value", `{a: ["1", "2"], b: [x, y], include: [{a: "7", extra: e1}]}`, map[string]string{"a": "5"}, []string{
			"m [a=5 b=x]",
			"m [a=5 b=y]",
		}},
		{"var keeps an include job of its value", `{a: ["1", "2"], b: [x, y], include: [{a: "7", extra: e1}]}`, map[string]string{"a": "7"}, []string{
			"m [a=7 extra=e1]",
		}},
		{"var keeps an include job that names other axes", `{a: ["1", "2"], b: [x, y], include: [{b: z, extra: e1}]}`, map[string]string{"a": "1"}, []string{
			"m [a=1 b=x]",
			"m [a=1 b=y]",
			"m [b=z extra=e1]",
		}},
		{"var over exclude and the include of an excluded job", `
  os: [linux, mac]
  ver: ["1", "2"]
  exclude: [{os: mac, ver: "1"}]
  include: [{os: mac, ver: "1", pkg: old}]`, map[string]string{"os": "linux"}, []string{
			"m [os=linux ver=1]",
			"m [os=linux ver=2]",
		}},
		{"var keeps an include that extends only other values", `
  os: [linux, mac]
  ver: ["1", "2"]
  exclude: [{os: linux, ver: "1"}]
  include: [{ver: "1", pkg: x}]`, map[string]string{"os": "linux"}, []string{
			"m [os=linux ver=2]",
		}},
		{"var leaves no job", `
  os: [linux, mac]
  ver: ["1", "2"]
  exclude: [{os: linux, ver: "1"}]
  include: [{os: linux, pkg: x}]`, map[string]string{"os": "linux", "ver": "1"}, []string{}},
		{"var keeps the include of an excluded job of its value", `
  os: [linux, mac]
  ver: ["1", "2"]
  exclude: [{os: mac, ver: "1"}]
  include: [{os: mac, ver: "1", pkg: old}]`, map[string]string{"os": "mac"}, []string{
			"m [os=mac ver=2]",
			"m [os=mac ver=1 pkg=old]",
		}},
		{"var of an axis beside csv", `{csv: hosts.csv, server: [dnsmasq, unbound], exclude: [{server: unbound, name: www}], include: [{server: unbound, name: www, note: x}]}`, map[string]string{"server": "dnsmasq"}, []string{
			"m [server=dnsmasq name=www addr=192.0.2.10]",
			"m [server=dnsmasq name=a,pi addr=192.0.2.11]",
		}},
		// A column is set, not narrowed: entries agree with the rows as
		// the file has them.
		{"var of a column, include by the row", `{csv: hosts.csv, include: [{name: www, ttl: "60"}], exclude: [{name: "a,pi"}]}`, map[string]string{"name": "z"}, []string{
			"m [name=z addr=192.0.2.10 ttl=60]",
		}},
		// A value that only an entry names is that entry's job alone, not
		// a new axis value that the entry extends.
		{"var of a value only include names", `
  os: [linux, mac]
  ver: ["1", "2"]
  include: [{os: bsd, pkg: ports}, {os: bsd, ver: "2", note: x}]`, map[string]string{"os": "bsd"}, []string{
			"m [os=bsd pkg=ports]",
			"m [os=bsd ver=2 note=x]",
		}},
		{"var sets a column, alike jobs once", `{csv: hosts.csv}`, map[string]string{"name": "x", "addr": "y"}, []string{
			"m [name=x addr=y]",
		}},
		{"var sets an include key", `{os: [linux], include: [{os: linux, note: a}, {os: mac}]}`, map[string]string{"note": "b"}, []string{
			"m [os=linux note=b]",
			"m [os=mac]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "name: m\nmatrix:" + tt.matrix + "\nsteps: [{log: hi}]\n"
			if !strings.HasPrefix(tt.matrix, "\n") {
				src = "name: m\nmatrix: " + tt.matrix + "\nsteps: [{log: hi}]\n"
			}
			s, err := Parse(filepath.Join(dir, "m.yaml"), []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := jobNames(s.Jobs(tt.vars)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("jobs:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// A job made by include: has the values of its entry as variables; the
// jobs of csv: the values of their row.
func TestMatrixVariables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Parse(filepath.Join(dir, "m.yaml"), []byte("matrix: {csv: t.csv, include: [{a: \"1\", c: three}]}\nsteps: [{log: '${a}${b}${c}'}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	jobs := s.Jobs(nil)
	if len(jobs) != 1 {
		t.Fatalf("jobs %q, want one", jobNames(jobs))
	}
	st, err := newState(s, &Options{Env: []string{}}, jobs[0].Matrix, &jobLog{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.expand("${a}${b}${c}"); err != nil || v != "12three" {
		t.Errorf("the job's variables make %q, %v; want 12three", v, err)
	}
	if got, want := s.MatrixNames(), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MatrixNames = %q, want %q", got, want)
	}
}

// The 100,000-job bound counts the jobs of include: and csv: too, before
// making any, and so does the bound on the entries' work.
func TestMatrixBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString("n\n")
	for i := range maxJobs + 1 {
		fmt.Fprintf(&rows, "%d\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.csv"), []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ten.csv"), []byte("n\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	values := func(n int) string {
		v := make([]string, n)
		for i := range v {
			v[i] = fmt.Sprint(i)
		}
		return "[" + strings.Join(v, ", ") + "]"
	}
	entries := func(n int, f string) string {
		var b strings.Builder
		b.WriteString("[")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, f, i)
		}
		return b.String() + "]"
	}
	tests := []struct{ name, matrix, want string }{
		{"product and include", "{a: " + values(400) + ", b: " + values(250) + ", include: [{a: x}]}",
			"m.yaml:2:1: matrix: makes 100001 jobs, more than the 100000 a script may make; use fewer values, or split the script"},
		// Entries that agree only with excluded combinations are jobs.
		{"include of excluded", "{a: " + values(400) + ", b: " + values(250) + ", exclude: [{a: 0}, {a: 1}], include: [" +
			strings.Trim(entries(250, "{a: 0, b: %d}"), "[]") + ", " + strings.Trim(entries(250, "{a: 1, b: %d}"), "[]") + ", {a: x}]}",
			"m.yaml:2:1: matrix: makes 100001 jobs, more than the 100000 a script may make; use fewer values, or split the script"},
		{"include alone", "{include: " + entries(maxJobs+1, "{a: %d}") + "}",
			"m.yaml:2:1: matrix: makes 100001 jobs, more than the 100000 a script may make; use fewer values, or split the script"},
		{"csv rows", "{csv: big.csv}",
			dir + "/big.csv:100002:1: matrix.csv: more than 100000 rows: a matrix may make at most 100000 jobs"},
		{"csv times an axis", "{csv: ten.csv, a: " + values(10001) + "}",
			"m.yaml:2:1: matrix: 10001 × 10 values make 100010 jobs, more than the 100000 a script may make; use fewer values, or split the script"},
		{"work", "{a: " + values(1000) + ", b: " + values(100) + ", include: " + entries(101, "{c: %d}") + "}",
			"m.yaml:2:1: matrix: the entries of include and exclude select more than 10000000 combinations in all; use fewer entries, or split the script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "name: m\nmatrix: " + tt.matrix + "\nsteps: [{log: hi}]\n"
			_, err := Parse(filepath.Join(dir, "m.yaml"), []byte(src))
			want := tt.want
			if strings.HasPrefix(want, "m.yaml") {
				want = filepath.Join(dir, want)
			}
			if err == nil || err.Error() != want {
				t.Errorf("Parse error:\n%v\nwant:\n%s", err, want)
			}
		})
	}
	// Just under the bounds: exactly maxJobs jobs, made.
	src := "name: m\nmatrix: {a: " + values(400) + ", b: " + values(250) + ", exclude: [{a: 0}], include: " + entries(250, "{a: 0, b: %d, c: x}") + "}\nsteps: [{log: hi}]\n"
	s, err := Parse(filepath.Join(dir, "m.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Jobs(nil)); n != maxJobs {
		t.Errorf("%d jobs, want %d", n, maxJobs)
	}
}

// TestMatrixHostile feeds Parse matrices built to make a careless
// implementation slow (entries times rows, entries times names); each
// must finish with its verdict.
func TestMatrixHostile(t *testing.T) {
	t.Parallel()
	values := func(n int) string {
		v := make([]string, n)
		for i := range v {
			v[i] = fmt.Sprint(i)
		}
		return "[" + strings.Join(v, ", ") + "]"
	}
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString("c1,c2\n")
	for i := range maxJobs {
		if i%2 == 0 {
			rows.WriteString("x,z\n")
		} else {
			rows.WriteString("w,y\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "half.csv"), []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	gen := func(head, entry string, n int, tail string) string {
		var b strings.Builder
		b.WriteString("matrix:\n" + head)
		for i := range n {
			fmt.Fprintf(&b, entry, i, i%1000, i%100)
		}
		return b.String() + tail + "steps: [{log: hi}]\n"
	}
	tests := map[string]struct{ src, want string }{
		// Each entry's rows agree with no combination: going through them
		// is work, and the work is bounded.
		"entries times rows": {gen("  csv: half.csv\n  include:\n", "    - {c1: x, c2: y, n%[1]d: v}\n", 20_000, ""),
			"matrix: the entries of include and exclude select more than 10000000 combinations in all"},
		"many excludes":      {gen("  a: "+values(1000)+"\n  b: "+values(100)+"\n  exclude:\n", "    - {a: %[2]d, b: %[3]d}\n", 50_000, ""), ""},
		"many include names": {gen("  include:\n", "    - {k%[1]d: v}\n", 50_000, "vars: {v: x}\n"), ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(filepath.Join(dir, "h.yaml"), []byte(tt.src))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error %v, want one holding %q", err, tt.want)
			}
		})
	}
}
