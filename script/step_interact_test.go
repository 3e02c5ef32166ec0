package script

import "testing"

// TestParseInteract: the short form takes the defaults; escape is a caret
// key, ^? included; until takes text or a pattern mapping.
func TestParseInteract(t *testing.T) {
	t.Parallel()
	s, err := Parse("t.yaml", []byte(`steps:
  - spawn: {name: p, cmd: [sh]}
  - interact:
  - interact: {escape: "^X", until: logout, on: p}
  - interact: {escape: "^?", until: {re: 'bye\d'}, optional: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	short, long, re := s.Steps[1].(*Interact), s.Steps[2].(*Interact), s.Steps[3].(*Interact)
	if short.Escape != 0x1d || short.Until != nil || short.Optional || short.On != "" {
		t.Errorf("- interact: parses as %+v", short)
	}
	if long.Escape != 0x18 || long.Until == nil || long.Until.Text != "logout" || long.On != "p" {
		t.Errorf("escape ^X, until logout: %+v", long)
	}
	if re.Escape != 0x7f || re.Until == nil || re.Until.Regexp == nil || !re.Optional {
		t.Errorf("escape ^?, until re: %+v", re)
	}
	for b, want := range map[byte]string{0x1d: "^]", 0x18: "^X", 0x7f: "^?", 0: "^@"} {
		if got := caretName(b); got != want {
			t.Errorf("caretName(%#x) = %q, want %q", b, got, want)
		}
	}
}
