package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/drover-dev/drover/script"
)

// partialMark marks a YAML block of the documentation that is
// deliberately not checked, such as one that elides steps with "...".
// Keep such blocks few: every other block is checked.
const partialMark = "# not a whole script"

// yamlBlockRE finds the ```yaml blocks of a Markdown file.
var yamlBlockRE = regexp.MustCompile("(?ms)^```yaml\n(.*?)^```")

// TestDocSnippets checks every YAML snippet of the README and of the help
// texts as drover check does (without looking up the programs, which are
// examples): a whole script as it is; a list of steps as the steps of a
// script, after a process to act on, with the variables and processes it
// uses but does not define; a fragment of a step, such as an output
// matcher, as the fields of a run step. The documentation cannot drift
// from the language.
func TestDocSnippets(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type snippet struct{ where, src string }
	var snippets []snippet
	partial := 0
	for _, m := range yamlBlockRE.FindAllSubmatchIndex(readme, -1) {
		line := 1 + strings.Count(string(readme[:m[2]]), "\n")
		src := string(readme[m[2]:m[3]])
		if strings.Contains(src, partialMark) {
			partial++
			continue
		}
		snippets = append(snippets, snippet{fmt.Sprintf("README.md:%d", line), src})
	}
	if len(snippets) < 10 {
		t.Fatalf("found %d YAML blocks in README.md; the extraction is broken", len(snippets))
	}
	if partial > 3 {
		t.Errorf("%d blocks are marked %q: keep them few, make the others whole", partial, partialMark)
	}
	if got := helpSnippets("Usage: x\n\nFor example:\n  - spawn: [bc]\n  - send: 1+1\nFlags:\n  -v  verbose\n"); len(got) != 1 || got[0] != "  - spawn: [bc]\n  - send: 1+1\n" {
		t.Errorf("helpSnippets finds %q", got)
	}
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"check", "--help"}} {
		_, out, _ := runCLI("", args...)
		for _, src := range helpSnippets(out) {
			snippets = append(snippets, snippet{"drover " + strings.Join(args, " "), src})
		}
	}
	for _, s := range snippets {
		t.Run(s.where, func(t *testing.T) {
			t.Parallel()
			whole, err := checkSnippet(s.src)
			if err != nil {
				t.Errorf("%s: the snippet does not pass drover check:\n%v\n--- checked as:\n%s\n"+
					"(a block that is deliberately not whole holds the comment %q)", s.where, err, whole, partialMark)
			}
		})
	}
}

// helpSnippets returns the YAML in a help text: each run of lines
// indented by at least two spaces whose first is a step ("- run: ...") or
// a key of a script ("steps:").
func helpSnippets(help string) []string {
	start := regexp.MustCompile(`^ {2,}(- [a-z_]+:|steps:|name:|matrix:)`)
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n")+"\n")
		}
		cur = nil
	}
	for _, l := range strings.Split(help, "\n") {
		switch {
		case len(cur) == 0 && start.MatchString(l):
			cur = append(cur, l)
		case len(cur) > 0 && strings.HasPrefix(l, "  "):
			cur = append(cur, l)
		default:
			flush()
		}
	}
	flush()
	return out
}

var unknownProcRE = regexp.MustCompile(`unknown process "([^"]+)"`)

// checkSnippet parses a snippet as a script, wrapped as TestDocSnippets
// says, and returns the script it checked and its errors.
func checkSnippet(src string) (string, error) {
	body := strings.TrimLeft(src, "\n")
	first := strings.TrimSpace(strings.SplitN(strings.TrimLeft(regexp.MustCompile(`(?m)^\s*#.*\n`).ReplaceAllString(body, ""), " "), "\n", 2)[0])
	switch {
	case regexp.MustCompile(`(?m)^steps:`).MatchString(body):
		_, err := script.Parse("snippet.yaml", []byte(body))
		return body, err
	case !strings.HasPrefix(first, "- "):
		// A part of a step: the fields of a run step.
		whole := "steps:\n  - run:\n      cmd: [\"true\"]\n" + indent(body, "      ")
		_, err := script.Parse("snippet.yaml", []byte(whole))
		return whole, err
	}
	// Steps: after a process to act on, with what they use defined.
	var vars, procs []string
	for {
		whole := "steps:\n  - spawn: {name: doc-process, cmd: [cat]}\n"
		if len(vars) > 0 {
			whole = "vars: {" + strings.Join(vars, ", ") + "}\n" + whole
		}
		for _, p := range procs {
			whole += "  - spawn: {name: " + p + ", cmd: [cat]}\n"
		}
		whole += indent(body, "  ")
		_, err := script.Parse("snippet.yaml", []byte(whole))
		var list script.ErrorList
		if !errors.As(err, &list) {
			return whole, err
		}
		added := false
		for _, e := range list {
			if u, ok := errors.AsType[*script.UndefinedError](e); ok && !strings.Contains(u.Name, ".") && !slices.Contains(vars, u.Name+": x") {
				vars = append(vars, u.Name+": x")
				added = true
			}
			if m := unknownProcRE.FindStringSubmatch(e.Error()); m != nil && !slices.Contains(procs, m[1]) {
				procs = append(procs, m[1])
				added = true
			}
		}
		if !added {
			return whole, err
		}
	}
}

// indent puts prefix before every line of s that is not empty.
func indent(s, prefix string) string {
	return regexp.MustCompile(`(?m)^(.)`).ReplaceAllString(s, prefix+"$1")
}

// TestDocCheckOutput: what the README shows drover check print is what it
// prints: each block that starts "$ bin/drover check FILE" (run from the
// repository's root) is followed by drover's exact output.
func TestDocCheckOutput(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := checkBlockRE.FindAllSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal(`no "$ bin/drover check" block in README.md; the extraction is broken`)
	}
	for _, m := range blocks {
		file, want := string(m[1]), string(m[2])
		code, out, errs := droverRun(t, "../..", "check", file)
		if code != exitUsage || out+errs != want {
			t.Errorf("drover check %s: exit %d, printed:\n%s%s\nthe README shows:\n%s", file, code, out, errs, want)
		}
	}
}

// checkBlockRE is a README block that shows drover check's output.
var checkBlockRE = regexp.MustCompile("(?ms)^```\n\\$ bin/drover check (\\S+)\n(.*?)^```")
