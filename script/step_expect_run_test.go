package script

import (
	"regexp"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// TestAwaitsPrompt: an expect of the prompt itself is not cut short by
// the prompt; one of anything else is.
func TestAwaitsPrompt(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile
	text := exec.Pattern{Text: "> "}
	rx := exec.Pattern{Regexp: re(`[$#] $`)}
	tests := []struct {
		name   string
		pats   []exec.Pattern
		prompt exec.Pattern
		want   bool
	}{
		{"the same text", []exec.Pattern{{Text: "> "}}, text, true},
		{"text the prompt holds", []exec.Pattern{{Text: ">"}}, text, true},
		{"another text", []exec.Pattern{{Text: "Address:"}}, text, false},
		{"a re matching the prompt", []exec.Pattern{{Regexp: re(`(?m)^>\s`)}}, text, true},
		{"a re not matching it", []exec.Pattern{{Regexp: re(`Address: (\S+)`)}}, text, false},
		{"eof", []exec.Pattern{{EOF: true}}, text, false},
		{"any with a prompt branch", []exec.Pattern{{Text: "Address:"}, {Text: "> "}}, text, true},
		{"the same re", []exec.Pattern{{Regexp: re(`[$#] $`)}}, rx, true},
		{"text the re prompt matches", []exec.Pattern{{Text: "$ "}}, rx, true},
		{"text it does not", []exec.Pattern{{Text: "done"}}, rx, false},
		{"another re", []exec.Pattern{{Regexp: re(`\$ `)}}, rx, false},
	}
	for _, tt := range tests {
		if got := awaitsPrompt(tt.pats, tt.prompt); got != tt.want {
			t.Errorf("%s: awaitsPrompt = %t, want %t", tt.name, got, tt.want)
		}
	}
}
