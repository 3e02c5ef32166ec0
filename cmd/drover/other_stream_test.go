package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExpectShowsOtherStream: an expect that times out on one stream
// shows what arrived on the other, such as the complaint on stderr of a
// program whose stdout was awaited; secrets masked there too.
func TestExpectShowsOtherStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spawn, stream string
		want, not           []string
	}{
		{"pipes", `{shell: "echo partial; echo fatal: no such table >&2; sleep 5", tty: false}`, "stdout",
			[]string{"last lines received:\n      | partial\n    arrived on stderr:\n      | fatal: no such table\n"}, nil},
		{"tty with stderr apart", `{shell: "echo fatal: bad config s3cr3t-pw >&2; sleep 5", stderr: pipe}`, "stdout",
			[]string{"    arrived on stderr:\n      | fatal: bad config ******\n"}, []string{"s3cr3t-pw"}},
		{"stderr awaited", `{shell: "echo on stdout; sleep 5", tty: false}`, "stderr",
			[]string{"nothing was received on stderr\n    arrived on stdout:\n      | on stdout\n"}, nil},
		{"tty, one stream", `{shell: "echo on both >&2; sleep 5"}`, "stdout",
			[]string{"      | on both\n"}, []string{"arrived on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := "steps:\n  - spawn: " + tt.spawn + "\n  - send: {text: s3cr3t-pw, secret: true}\n" +
				"  - expect: {text: ready, stream: " + tt.stream + ", timeout: 500ms}\n"
			path := writeScript(t, dir, "other.yaml", src)
			xml := filepath.Join(dir, "r.xml")
			code, out, errs := droverRun(t, dir, "run", "--report", "junit="+xml, path)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s%s", code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("the output holds %q\n%s", n, out)
				}
			}
			if strings.Contains(tt.want[0], "arrived on") {
				if d := readJUnit(t, xml); !strings.Contains(d.Suites[0].Cases[0].SystemOut, "arrived on ") {
					t.Errorf("junit system-out: %q", d.Suites[0].Cases[0].SystemOut)
				}
			}
		})
	}
}
