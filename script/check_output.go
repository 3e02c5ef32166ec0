package script

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/drover-dev/drover/exec"
)

// checkOutput checks the output no expect consumed against a matcher.
// contains, not_contains and lines see every byte, those dropped to bound
// memory included (the texts were given to exec.Cmd.Watch); equals and re
// need the whole text, and fail when some was dropped, as json does (see
// jsonmatch.go). ctx bounds the match of re and the jq expressions.
func (st *state) checkOutput(ctx context.Context, name string, m *OutputMatcher, out *exec.Output) error {
	if m == nil {
		return nil
	}
	text := string(out.Kept)
	for _, c := range m.Contains {
		want, err := st.expand(c)
		if err != nil {
			return err
		}
		found, known := out.Contains(want)
		if !known {
			return cannotTell(name, want, out.Dropped)
		}
		if !found {
			return fmt.Errorf("%s does not contain %q", name, want)
		}
	}
	for _, c := range m.NotContains {
		bad, err := st.expand(c)
		if err != nil {
			return err
		}
		found, known := out.Contains(bad)
		if !known {
			return cannotTell(name, bad, out.Dropped)
		}
		if found {
			return fmt.Errorf("%s contains %q, which it must not", name, bad)
		}
	}
	if m.Equals != nil {
		want, err := st.expand(*m.Equals)
		if err != nil {
			return err
		}
		if out.Dropped > 0 {
			return fmt.Errorf("%s is too large to compare: %d bytes were dropped to bound memory", name, out.Dropped)
		}
		if text != want && strings.TrimRight(text, "\n") != strings.TrimRight(want, "\n") {
			if !strings.Contains(want, "\n") && !strings.Contains(strings.TrimRight(text, "\n"), "\n") {
				return fmt.Errorf("%s is %q, want %q", name, clip(text, 200), want)
			}
			return fmt.Errorf("%s is not as expected (-want +got):\n%s", name, strings.TrimRight(unifiedDiff(want, text), "\n"))
		}
	}
	if m.Re != "" {
		src, err := st.expand(m.Re)
		if err != nil {
			return err
		}
		// Multi-line: ^ and $ match at each line's start and end.
		re, err := regexp.Compile("(?m)" + src)
		if err != nil {
			return fmt.Errorf("bad regular expression: %v", err)
		}
		if out.Dropped > 0 {
			return fmt.Errorf("%s is too large to match against /%s/: %d bytes were dropped to bound memory", name, src, out.Dropped)
		}
		loc, err := exec.FindContext(ctx, re, out.Kept)
		if err != nil {
			return fmt.Errorf("%s: the match against /%s/ was stopped: the step's time ran out, or the run was interrupted", name, src)
		}
		if loc == nil {
			return fmt.Errorf("%s does not match /%s/", name, src)
		}
	}
	if m.Empty != nil {
		empty := text == "" && out.Dropped == 0
		if *m.Empty && !empty {
			return fmt.Errorf("%s is not empty: %q", name, clip(text, 200))
		}
		if !*m.Empty && empty {
			return fmt.Errorf("%s is empty", name)
		}
	}
	if m.EqualsFile != "" {
		if err := st.checkGolden(name, m, out); err != nil {
			return err
		}
	}
	if m.Lines != nil {
		n, known := out.Lines()
		if !known {
			return fmt.Errorf("%s: cannot count its lines: %d bytes were dropped to bound memory", name, out.Dropped)
		}
		if n != int64(*m.Lines) {
			return fmt.Errorf("%s has %d lines, want %d", name, n, *m.Lines)
		}
	}
	if len(m.JSON) > 0 {
		return st.checkJSON(ctx, name, m.JSON, out)
	}
	return nil
}

// cannotTell is the failure of a contains or not_contains check that
// cannot be judged: bytes were dropped before the text was known.
func cannotTell(name, text string, dropped int64) error {
	return fmt.Errorf("%s: cannot tell whether it contains %q: %d bytes were dropped to bound memory before the text was known (its variables changed after the process started)",
		name, text, dropped)
}

// watchTexts returns the texts that the contains and not_contains of the
// matchers look for, expanded now, for exec.Cmd.Watch: they are looked
// for in all the output, even what is dropped to bound memory. One that
// cannot be expanded yet is left out.
func (st *state) watchTexts(ms ...*OutputMatcher) []string {
	var texts []string
	for _, m := range ms {
		if m == nil {
			continue
		}
		for _, t := range slices.Concat(m.Contains, m.NotContains) {
			if v, err := st.expand(t); err == nil {
				texts = append(texts, v)
			}
		}
	}
	slices.Sort(texts)
	return slices.Compact(texts)
}

// countLines reports whether one of the matchers counts lines, for
// exec.Cmd.CountLines.
func countLines(ms ...*OutputMatcher) bool {
	return slices.ContainsFunc(ms, func(m *OutputMatcher) bool { return m != nil && m.Lines != nil })
}

// clip shortens s to about n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
