package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Preflight searches the PATH the process will have: the script's env, a
// step's env, or drover's; one it cannot know before the run it skips.
func TestPreflightPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "drover-only-here"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := []string{"PATH=/usr/bin:/bin", "BIN=" + dir}
	tests := []struct {
		name, src string
		want      string // in the error; "" for none
	}{
		{"script env", `env: {PATH: "` + dir + `:/usr/bin:/bin"}
steps: [{run: [drover-only-here]}]`, ""},
		{"drover's", `steps: [{run: [drover-only-here]}]`,
			`program "drover-only-here" is not installed (not found in PATH)`},
		{"script env without it", `env: {PATH: "/bin"}
steps: [{spawn: [drover-only-here]}]`,
			`spawn: program "drover-only-here" is not installed (not found in PATH "/bin", which env sets)`},
		{"step env", `steps: [{run: {cmd: [drover-only-here], env: {PATH: "` + dir + `"}}}]`, ""},
		{"step env overrides", `env: {PATH: "` + dir + `"}
steps: [{run: {cmd: [drover-only-here], env: {PATH: /bin}}}]`, `not found in PATH "/bin"`},
		{"env variable", `env: {PATH: "${env.BIN}:${env.PATH}"}
steps: [{run: [drover-only-here]}, {run: [drover-not-anywhere]}]`, `"drover-not-anywhere" is not installed (not found in PATH "` + dir + `:/usr/bin:/bin"`},
		{"step uses the job's", `env: {X: "` + dir + `"}
steps: [{run: {cmd: [drover-only-here], env: {PATH: "${env.X}"}}}]`, ""},
		{"unknown var", `vars: {d: /nowhere}
env: {PATH: "${d}"}
steps: [{run: [drover-only-here]}]`, ""},
		{"unknown through env", `vars: {d: /nowhere}
env: {D: "${d}", PATH: "${env.D}"}
steps: [{run: [drover-only-here]}]`, ""},
		{"unknown in the step", `steps: [{run: {cmd: [drover-only-here], env: {PATH: "${env.NOT_SET}"}}}]`, ""},
		{"sh for a shell", `env: {PATH: "` + dir + `"}
steps: [{run: {shell: "drover-only-here"}}]`, `program "sh" is not installed`},
		{"finally", `env: {PATH: "/bin"}
steps: [{log: hi}]
finally: [{run: [drover-only-here]}]`, `not found in PATH "/bin"`},
		{"relative", `env: {PATH: "."}
steps: [{run: [drover-only-here]}]`, `not found in PATH "."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse("p.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Preflight(base)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Preflight: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Preflight: %v, want %s", err, tt.want)
			}
		})
	}
}
