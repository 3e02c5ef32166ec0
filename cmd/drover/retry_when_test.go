package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// retry's when: retries the failures it matches only: a command that is
// refused twice, then fails in another way, runs three times, not five,
// and fails with the other failure; run's retry: takes when: too.
func TestRetryWhen(t *testing.T) {
	t.Parallel()
	// Each run counts itself in the file n: refused twice, then a
	// missing table, then success.
	const flaky = `n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; ` +
		`if [ $n -le 2 ]; then echo "connect: connection refused" >&2; exit 1; ` +
		`elif [ $n -le 3 ]; then echo "no such table: users" >&2; exit 2; fi; echo ok`
	tests := []struct {
		name, step string
		code       int
		runs       string
		out        []string
	}{
		{"group", `
  - retry:
      attempts: 5
      when: {stderr: {contains: "connection refused"}}
      steps:
        - run: {shell: 'FLAKY'}`, 1, "3", []string{"attempt 3 of 5 failed in a way when: does not retry", "failed 3 attempts; the last: want exit 0, got exit 2", "no such table"}},
		{"run exit", `
  - run: {shell: 'FLAKY', retry: {attempts: 5, when: {exit: 1}}}`, 1, "3", []string{"got exit 2"}},
		{"error text", `
  - run: {shell: 'FLAKY', retry: {attempts: 5, when: {error: {re: "got exit [12]$"}}}}`, 0, "4", []string{"1 passed"}},
		{"first not matched", `
  - run: {shell: 'FLAKY', retry: {attempts: 5, when: {stdout: ok}}}`, 1, "1", []string{"/flaky.yaml:2:5: run: want exit 0, got exit 1", "does not retry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeScript(t, dir, "flaky.yaml", "steps:"+strings.ReplaceAll(tt.step, "FLAKY", flaky)+"\n")
			code, out, errs := droverRun(t, dir, "run", path)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "n"))
			if runs := strings.TrimSpace(string(b)); runs != tt.runs {
				t.Errorf("the command ran %s times, want %s\n%s", runs, tt.runs, out)
			}
			for _, want := range tt.out {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
