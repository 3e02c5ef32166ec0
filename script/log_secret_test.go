package script

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLogHoldsUntilCaptured: output of a process a secret is captured
// from is shown to nobody until the capture is masked, then masked; what
// is held beyond maxHeld is dropped, and the transcript says how much.
func TestLogHoldsUntilCaptured(t *testing.T) {
	t.Parallel()
	var live, transcript bytes.Buffer
	l := &jobLog{live: &live, verbose: true, transcript: &transcript, began: time.Now()}
	s := l.stream("vault <", nil, 1)
	l.received(s, []byte("token: Captured-Later-12345\n"))
	l.trace(lineStep, "-- a step\n")
	if strings.Contains(live.String(), "Captured") || strings.Contains(transcript.String(), "Captured") {
		t.Fatalf("held output was shown:\n%s", live.String())
	}
	l.received(s, bytes.Repeat([]byte("x"), maxHeld))
	l.addSecret("Captured-Later-12345")
	l.release([]*logStream{s})
	l.received(s, []byte("\nafter Captured-Later-12345\n"))
	l.finish()
	out := live.String()
	for _, want := range []string{"-- a step\nvault < token: ******\nvault < xxx", "vault < [28 bytes not shown: more than 4 MiB held", "vault < after ******\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the trace lacks %q:\n%s", want, clip(out, 300))
		}
	}
	if strings.Contains(out, "Captured") || strings.Contains(transcript.String(), "Captured") {
		t.Errorf("the secret was shown")
	}
	if n := strings.Count(out, "x"); n != maxHeld-28 {
		t.Errorf("%d bytes of the held output shown, want %d", n, maxHeld-28)
	}
}
