package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmokeSuite runs examples/smoke, the CI smoke suite the README shows,
// as a directory: every job passes but the formatter a machine lacks,
// which is skipped naming it, in the summary and the JSON report alike.
func TestSmokeSuite(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3", "python3")
	dir := t.TempDir()
	js := filepath.Join(dir, "smoke.json")
	code, out, errs := droverRun(t, ".", "run", "--report", "json="+js, "../../examples/smoke")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	_, jqErr := osexec.LookPath("jq")
	want := map[string]string{
		"sqlite3 answers":  "passed",
		"inventory report": "passed",
		"pretty JSON [tool=python3 cmd=python3 -m json.tool --sort-keys]": "passed",
		"pretty JSON [tool=jq cmd=jq -S .]":                               "passed",
	}
	if jqErr != nil {
		want["pretty JSON [tool=jq cmd=jq -S .]"] = "skipped"
		if !strings.Contains(out, "requires jq") {
			t.Errorf("the skip does not say what is missing:\n%s", out)
		}
	}
	r := readJSON(t, js)
	if len(r.Jobs) != len(want) {
		t.Fatalf("%d jobs in the report, want %d\n%s", len(r.Jobs), len(want), out)
	}
	for _, j := range r.Jobs {
		if want[j.Name] != string(j.Status) {
			t.Errorf("%s: %s, want %q\n%s", j.Name, j.Status, want[j.Name], out)
		}
	}
}

// TestSmokeGolden breaks the suite's golden file in a copy of it: the run
// fails with a diff, --update rewrites the file, and the next run passes.
func TestSmokeGolden(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3")
	dir := t.TempDir()
	for _, f := range []string{"inventory.yaml", "golden/report.csv"} {
		b, err := os.ReadFile(filepath.Join("../../examples/smoke", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if f == "golden/report.csv" {
			b = []byte(strings.Replace(string(b), "bolt,120,6.00", "bolt,121,6.05", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := droverRun(t, dir, "run", "inventory.yaml")
	if code != 1 || !strings.Contains(out, "-bolt,121,6.05") || !strings.Contains(out, "+bolt,120,6.00") {
		t.Fatalf("a wrong golden file: exit %d, want 1 and a diff\n%s%s", code, out, errs)
	}
	if code, out, errs = droverRun(t, dir, "run", "--update", "inventory.yaml"); code != 0 || !strings.Contains(out, "updated golden file golden/report.csv") {
		t.Fatalf("--update: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs = droverRun(t, dir, "run", "inventory.yaml"); code != 0 {
		t.Fatalf("after --update: exit %d\n%s%s", code, out, errs)
	}
}
