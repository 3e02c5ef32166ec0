//go:build unix

package exec

import (
	"context"
	"errors"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestExpectPrompt checks that a Prompt pattern matches only a prompt the
// program waits at: printed after the last Send, with nothing after it.
func TestExpectPrompt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "cat"))
	send := func(s string) {
		t.Helper()
		if err := p.Send(ctx, []byte(s)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	expect := func(d time.Duration, pats ...Pattern) (*Match, error) {
		t.Helper()
		ectx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return p.Expect(ectx, Stdout, pats...)
	}
	prompt := Pattern{Text: "> ", Prompt: true}

	// The answer, then the prompt again: the prompt is found, after the
	// answer, although the wanted text never comes.
	send("Address: 10.0.0.1\n> ")
	m, err := expect(5*time.Second, text("Address: 10.0.0.2"), prompt)
	if err != nil || m.Index != 1 || m.Before != "Address: 10.0.0.1\n" {
		t.Fatalf("want the prompt after the answer, got %+v, %v", m, err)
	}

	// The wanted text before the prompt wins.
	send("Address: 10.0.0.2\n> ")
	m, err = expect(5*time.Second, text("Address: 10.0.0.2"), prompt)
	if err != nil || m.Index != 0 {
		t.Fatalf("want the answer, got %+v, %v", m, err)
	}
	if m, err = expect(5*time.Second, text("> ")); err != nil {
		t.Fatalf("the prompt left: %+v, %v", m, err)
	}

	// A prompt printed before the last send, left unconsumed, is the one
	// the program waited at before it got its input: not seen.
	send("> ")
	if _, err := expect(5*time.Second, text("> ")); err != nil {
		t.Fatal(err)
	}
	send("> ")
	waitFor(t, p, "> ")
	send("") // Input the program has not answered yet.
	if m, err := expect(200*time.Millisecond, text("nope"), prompt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a prompt from before the send was seen: %+v, %v", m, err)
	}

	// A prompt that more output follows (a line typed ahead and echoed)
	// is not waited at.
	send("www.example.test\n")
	if m, err := expect(200*time.Millisecond, text("nope"), prompt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a prompt followed by output was seen: %+v, %v", m, err)
	}
	if _, err := expect(5*time.Second, text("www.example.test\n")); err != nil {
		t.Fatal(err)
	}

	// A regexp prompt, matched at the end only.
	re := Pattern{Regexp: regexp.MustCompile(`[$#] `), Prompt: true}
	send("a $ b\nroot# ")
	m, err = expect(5*time.Second, text("nope"), re)
	if err != nil || m.Index != 1 || m.Text != "# " || m.Before != "a $ b\nroot" {
		t.Fatalf("want the regexp prompt at the end, got %+v, %v", m, err)
	}
}

// waitFor waits until the unconsumed stdout of p is want.
func waitFor(t *testing.T, p *Process, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if b, _ := p.Unconsumed(Stdout); string(b) == want {
			return
		}
	}
	b, _ := p.Unconsumed(Stdout)
	t.Fatalf("unconsumed output %q, want %q", b, want)
}

// TestExpectPromptSplit: a prompt that arrives in two reads is found once
// its end arrives, and not before.
func TestExpectPromptSplit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	p := mustStart(t, ctx, helperCmd(t, "write", "answer\n>", "<sig>", " "))
	prompt := Pattern{Regexp: regexp.MustCompile(`> `), Prompt: true}
	waitFor(t, p, "answer\n>")
	ectx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	m, err := p.Expect(ectx, Stdout, text("nope"), prompt)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("half a prompt was seen: %+v, %v", m, err)
	}
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	m, err = p.Expect(ctx, Stdout, text("nope"), prompt)
	if err != nil || m.Index != 1 || m.Before != "answer\n" {
		t.Fatalf("want the prompt once whole, got %+v, %v", m, err)
	}
}
