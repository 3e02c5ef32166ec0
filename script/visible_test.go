package script

import "testing"

func TestVisible(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, tab\there", "plain text, tab\there"},
		{"héllo ✓", "héllo ✓"},
		{"\x1b]52;c;SGVsbG8=\x07", `\x1b]52;c;SGVsbG8=\x07`},
		{"\x1b]0;title\x1b\\", `\x1b]0;title\x1b\`},
		{"a\bb\x7f", `a\x08b\x7f`},
		{"é\x1b[2J", `é\x1b[2J`},
		{"C1 \u009b31m CSI", `C1 \u009b31m CSI`},
		{"raw \x9b31m byte", `raw \x9b31m byte`},
		{"é then raw \x9b", `é then raw \x9b`},
		{"\u0085 next line", `\u0085 next line`},
		{"two\nlines\r", `two\x0alines\x0d`},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := VisibleLines("one \x1b[H\ntwo \u009b\n"), "one \\x1b[H\ntwo \\u009b\n"; got != want {
		t.Errorf("VisibleLines = %q, want %q", got, want)
	}
}
