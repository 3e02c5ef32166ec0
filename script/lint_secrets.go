package script

import "fmt"

// minSecret is the length below which a secret is a warning: masking so
// few characters wherever they appear shows where they are, and so what
// the secret is.
const minSecret = 4

// shortSecrets reports a send with secret: true whose value, known before
// the script runs (its literal text, or a variable's value in vars: or
// matrix: without references), is shorter than minSecret characters.
func (l *linter) shortSecrets() {
	known := map[string][]string{} // the values a variable may have
	for _, kv := range l.script.Vars {
		if refs, _ := Refs(kv.Value); len(refs) == 0 { // Parsed already: no error.
			known[kv.Key] = []string{kv.Value}
		}
	}
	for _, ax := range l.script.Matrix {
		known[ax.Name] = ax.Values
	}
	check := func(step Step) {
		s, ok := step.(*Send)
		if !ok || !s.Secret {
			return
		}
		refs, _ := Refs(s.Text) // Parsed already: no error.
		if len(refs) == 0 {
			if n := len([]rune(s.Text)); n > 0 && n < minSecret {
				l.warn(s, "this secret has %s: masked wherever it appears, text that short gives it away; use one of at least %d", chars(n), minSecret)
			}
			return
		}
		for _, name := range refs {
			for _, v := range known[name] {
				if n := len([]rune(v)); n > 0 && n < minSecret {
					l.warn(s, "the secret ${%s} has %s: masked wherever it appears, text that short gives it away; use one of at least %d", name, chars(n), minSecret)
					break
				}
			}
		}
	}
	walkSteps(l.script.Steps, check)
	walkSteps(l.script.Finally, check)
}

func chars(n int) string {
	if n == 1 {
		return "1 character"
	}
	return fmt.Sprintf("%d characters", n)
}
