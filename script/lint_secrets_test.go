package script

import (
	"strings"
	"testing"
)

// TestWarningsShortSecret warns of a secret shorter than 4 characters
// whose value is known before the script runs, and of no other.
func TestWarningsShortSecret(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(`vars:
  pin: "123"
  pw: long-enough
  derived: "${env.PW}"
matrix:
  code: [abcd, x]
steps:
  - spawn: [cat]
  - send: {text: "ab", secret: true}
  - send: {text: "${pin}", secret: true}
  - send: {text: "${pw}", secret: true}
  - send: {text: "${derived}", secret: true}
  - expect:
      any:
        - text: code
          then: [{send: {text: "${code}", secret: true}}]
  - send: {text: "${env.TOKEN}", secret: true}
  - send: "ab"
finally:
  - send: {text: "${pin}${pw}", secret: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, strings.TrimPrefix(w.Error(), "t.yaml:"))
	}
	want := []string{
		`9:5: send: this secret has 2 characters: masked wherever it appears, text that short gives it away; use one of at least 4`,
		`10:5: send: the secret ${pin} has 3 characters: masked wherever it appears, text that short gives it away; use one of at least 4`,
		`16:19: send: the secret ${code} has 1 character: masked wherever it appears, text that short gives it away; use one of at least 4`,
		`20:5: send: the secret ${pin} has 3 characters: masked wherever it appears, text that short gives it away; use one of at least 4`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
