//go:build unix

package exec

import (
	"testing"
	"time"
)

// Under a tty a Text pattern is cooked as the output is: "\r\n" in it, as
// a terminal sends a line's end (pexpect's idiom), matches the "\n" that
// the matcher sees. On pipes nothing is cooked: the pattern is as written.
func TestExpectTTYTextCRLF(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "write", "login ok\nnext\n")
	c.TTY = true
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, text("ok\r\nne"))
	if m.Text != "ok\nne" || m.Before != "login " {
		t.Errorf("Expect(%q) under a tty = %+v, want %q after %q", "ok\r\nne", *m, "ok\nne", "login ")
	}

	p = mustStart(t, ctx, helperCmd(t, "write", "ok\r\n"))
	m = expect(t, ctx, p, Stdout, text("ok\r\n"))
	if m.Text != "ok\r\n" {
		t.Errorf("Expect(%q) on pipes = %+v, want the text as written", "ok\r\n", *m)
	}
}

func TestCookPattern(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ok\r\n":             "ok\n",
		"a\r\r\nb":           "a\nb",
		"50%\r100%":          "50%\r100%",
		"\rat the start":     "\rat the start",
		"ends with\r":        "ends with\r",
		"\x1b[1mbold\x1b[0m": "bold",
		"plain":              "plain",
	} {
		if got := cookPattern(in); got != want {
			t.Errorf("cookPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

// The failure of an Expect shows, in Recent, the output as the matcher saw
// it: bc's "\x1b[?2004l\r4\r\n" under TERM=xterm is "4\n", without the
// "\r" an escape sequence left at the start of the line.
func TestRecentIsWhatWasMatched(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	c := helperCmd(t, "write", "2+2\n\x1b[?2004l\r4\n")
	c.TTY = true
	p := mustStart(t, ctx, c)
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := p.Expect(ctx, Stdout, text("\r4"))
	e, ok := err.(*ExpectError)
	if !ok {
		t.Fatalf("Expect of \\r4 = %v, want an *ExpectError", err)
	}
	if e.Recent != "2+2\n4\n" {
		t.Errorf("Recent = %q, want %q", e.Recent, "2+2\n4\n")
	}
}
