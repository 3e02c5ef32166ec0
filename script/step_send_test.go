package script

import (
	"slices"
	"testing"
)

// A paced send types characters, not bytes: a rune's bytes go together,
// a byte that is not UTF-8 goes alone, and hex: goes a byte at a time.
func TestKeystrokes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		bytes bool
		want  []string
	}{
		{"héllo\r", false, []string{"h", "é", "l", "l", "o", "\r"}},
		{"日本", false, []string{"日", "本"}},
		{"a\xffb", false, []string{"a", "\xff", "b"}},
		{"\xc3\xa9", true, []string{"\xc3", "\xa9"}},
		{"", false, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, k := range keystrokes([]byte(tt.in), tt.bytes) {
			got = append(got, string(k))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("keystrokes(%q, %t) = %q, want %q", tt.in, tt.bytes, got, tt.want)
		}
	}
}
