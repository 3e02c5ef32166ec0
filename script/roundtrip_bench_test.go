package script_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/drover-dev/drover/script"
)

// BenchmarkScriptRoundTrip runs the round-trip workload of
// testdata/bench through script's run path: cat under a pty with the
// echo off, 2,000 times send "ping-I" and expect "ping-I\n". Its figures
// are per script; divide by 2,000 for a round trip.
func BenchmarkScriptRoundTrip(b *testing.B) {
	const n = 2000
	var src strings.Builder
	src.WriteString("name: round trip\ntimeout: 10m\nsteps:\n")
	src.WriteString("  - spawn: [sh, -c, \"stty -echo; echo ready; exec cat\"]\n  - expect: \"ready\\n\"\n")
	for i := range n {
		fmt.Fprintf(&src, "  - send: ping-%d\n  - expect: \"ping-%d\\n\"\n", i, i)
	}
	src.WriteString("  - send: {eof: true}\n  - wait:\n")
	s, err := script.Parse("roundtrip.yaml", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	job := s.Jobs(nil)[0]
	for b.Loop() {
		if r := job.Run(context.Background(), &script.Options{}); r.Status != script.Passed {
			b.Fatalf("%s: %v", r.Status, r.Err)
		}
	}
}
