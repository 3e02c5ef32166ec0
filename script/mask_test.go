package script

import (
	"strings"
	"testing"
)

// leak returns a run of the secret's characters found in out that the
// masker must have hidden: minRun of them, or the whole secret when it is
// shorter; "" when there is none.
func leak(out, secret string) string {
	if len(secret) < minRun {
		if strings.Contains(out, secret) {
			return secret
		}
		return ""
	}
	for i := 0; i+minRun <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+minRun]) {
			return secret[i : i+minRun]
		}
	}
	return ""
}

// streamed feeds the pieces to a maskStream and returns all it passed on.
func streamed(m *masker, pieces ...string) string {
	var ms maskStream
	var b strings.Builder
	for _, p := range pieces {
		b.Write(ms.write(m, []byte(p)))
	}
	b.Write(ms.flush(m))
	return b.String()
}

// TestMaskEverySplit masks texts holding secrets, whole, in part and
// several times over, split in two and in three at every place: what a
// stream passes on is what masking the whole text gives, and holds no run
// of minRun characters of a secret.
func TestMaskEverySplit(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWV9.dozjgNryP4J3jVmNHl0w5N"
	const key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQ\nabc=\n-----END KEY-----"
	const short = "hunter2"
	m := &masker{}
	for _, s := range []string{jwt, key, short} {
		m.add(s)
	}
	texts := []string{
		"token: " + jwt + "\n",
		// readline scrolling a long line sideways: pieces of it reprinted.
		"$ " + jwt[:70] + "\r$ <" + jwt[50:110] + "\x1b[K\r\n" + jwt[100:],
		"key:\n" + key + "\nend\n",
		"as a terminal echoes it: " + strings.ReplaceAll(key, "\n", "\r\n") + "\r\n",
		"pw=" + short + "; again " + short + short + " hunter hunter22",
		"prefix " + jwt[:7] + " not a secret, nor " + jwt[:5] + "x" + jwt[6:12],
	}
	secrets := []string{jwt, key, short}
	for _, text := range texts {
		want := m.mask(text)
		for _, s := range secrets {
			if l := leak(want, s); l != "" {
				t.Fatalf("mask(%q) = %q: %q is left", text, want, l)
			}
			if l := leak(strings.ReplaceAll(want, "\r\n", "\n"), s); l != "" {
				t.Fatalf("mask(%q) = %q: %q is left", text, want, l)
			}
		}
		for i := 0; i <= len(text); i++ {
			if got := streamed(m, text[:i], text[i:]); got != want {
				t.Fatalf("split at %d of %q:\n got %q\nwant %q", i, text, got, want)
			}
		}
		for i := 0; i <= len(text); i += 3 {
			for j := i; j <= len(text); j++ {
				if got := streamed(m, text[:i], text[i:j], text[j:]); got != want {
					t.Fatalf("split at %d and %d of %q:\n got %q\nwant %q", i, j, text, got, want)
				}
			}
		}
		bytewise := make([]string, len(text))
		for i := range text {
			bytewise[i] = text[i : i+1]
		}
		if got := streamed(m, bytewise...); got != want {
			t.Fatalf("byte by byte %q:\n got %q\nwant %q", text, got, want)
		}
	}
	if got := m.mask("prefix " + jwt[:7] + " x"); got != "prefix "+jwt[:7]+" x" {
		t.Errorf("7 characters of a secret were masked: %q", got)
	}
	if got := m.mask("hunter hunter22"); got != "hunter ******2" {
		t.Errorf("mask = %q, want the short secret masked whole, alone", got)
	}
}

// TestMaskStreamHoldsOnlyWhatCouldBeSecret passes on output that cannot
// become part of a secret at once, and nothing else: a program's prompt is
// shown while it waits, and a secret's first half waits for the second.
func TestMaskStreamHoldsOnlyWhatCouldBeSecret(t *testing.T) {
	m := &masker{}
	m.add("s3cr3t-v4lu3")
	var ms maskStream
	if got := string(ms.write(m, []byte("Password: "))); got != "Password: " {
		t.Errorf("a prompt was held: passed on %q", got)
	}
	if got := string(ms.write(m, []byte("you typed s3cr3t"))); got != "you typed " {
		t.Errorf("passed on %q, want what cannot begin the secret", got)
	}
	if got := string(ms.write(m, []byte("-v4lu3 ok\n"))); got != "****** ok\n" {
		t.Errorf("passed on %q, want the secret masked whole", got)
	}
	if got := string(ms.write(m, []byte("s3cr"))); got != "" {
		t.Errorf("passed on %q, want the start of the secret held", got)
	}
	if got := string(ms.flush(m)); got != "s3cr" {
		t.Errorf("flush gave %q; 4 characters of it are no secret", got)
	}
	var empty maskStream
	if got := string(empty.write(&masker{}, []byte("abc"))); got != "abc" {
		t.Errorf("no secrets: passed on %q", got)
	}
}
