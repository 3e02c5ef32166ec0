package script

import (
	"errors"
	"fmt"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover-dev/drover/exec"
)

// This file holds skip: and requires:, the top-level keys that skip a job
// saying why, rather than failing it or refusing the whole run.

// Requires is what a job needs to run: requires: at the top level. A job
// without it is skipped, and its reason names what is missing.
type Requires struct {
	Pos      Pos      // the requires: key
	OS       []string // GOOS names; the job runs on one of them; empty: any
	Programs []string // templates: programs found in the job's PATH
}

// requiresForm is the mapping of requires:.
var requiresForm = form{
	fields: []field{
		{"os", tOSNames, "the operating systems the job runs on, as Go names them (linux, darwin, windows, freebsd...); on any other it is skipped"},
		{"programs", tTexts, "programs that must be found in the PATH the job's processes get; ${...} allowed, so that a matrix can require its own"},
	},
	nonEmpty: true,
}

// knownOS are the operating systems Go builds for (go tool dist list),
// the names requires: os: accepts.
var knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios",
	"js", "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}

// osAliases are names people write for an operating system Go names
// otherwise.
var osAliases = map[string]string{"macos": "darwin", "osx": "darwin", "mac": "darwin",
	"win": "windows", "win32": "windows", "win64": "windows", "sunos": "solaris"}

// skips reads the top-level skip: and requires: of f into s.
func (c *stepCtx) skips(f map[string]entry, s *Script) {
	if e, ok := f["skip"]; ok {
		if e.val.Kind == yaml.ScalarNode && e.val.Tag == "!!bool" {
			// skip: false would skip, with the reason "false".
			c.errorf(e.val, "skip", "want the reason to skip the job, such as skip: flaky on CI, got %s; to run the job, leave skip: out", e.val.Value)
		} else if v, ok := c.tmpl(e.val, "skip"); ok && strings.TrimSpace(v) == "" {
			c.errorf(e.val, "skip", "want the reason to skip the job, got %s", shortQuote(v))
		} else if ok {
			s.Skip, s.SkipPos = v, c.p.pos(e.key)
		}
	}
	if e, ok := f["requires"]; ok {
		s.Requires = c.requires(e.key, e.val)
	}
}

// requires reads the value n of the requires: key k.
func (c *stepCtx) requires(k, n *yaml.Node) *Requires {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "requires", "want a mapping with os: or programs:, such as {programs: [jq]}, got %s", describe(n))
		return nil
	}
	r := &Requires{Pos: c.p.pos(k)}
	f := c.fields(n, "requires", "requires", requiresForm.names())
	if e, ok := f["os"]; ok {
		items := []*yaml.Node{e.val}
		if e.val.Kind == yaml.SequenceNode && len(e.val.Content) > 0 {
			items = e.val.Content
		}
		for _, item := range items {
			item = deref(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				c.errorf(item, "requires.os", "want an operating system such as linux, or a non-empty list of them, got %s", describe(item))
				continue
			}
			if !slices.Contains(knownOS, item.Value) {
				hint := ""
				if near := osAliases[strings.ToLower(item.Value)]; near != "" {
					hint = fmt.Sprintf(" (Go calls it %s)", near)
				} else if near := closest(strings.ToLower(item.Value), knownOS); near != "" {
					hint = fmt.Sprintf(" (did you mean %s?)", near)
				}
				c.errorf(item, "requires.os", "unknown operating system %s%s; want Go's name of one: %s",
					shortQuote(item.Value), hint, strings.Join(knownOS, ", "))
				continue
			}
			r.OS = append(r.OS, item.Value)
		}
	}
	if e, ok := f["programs"]; ok {
		r.Programs = c.list(e.val, "requires.programs")
	}
	return r
}

// literalSkip says whether every job of s is skipped whatever the run's
// variables: a skip: without ${...}, or requires: os: without this one.
func (s *Script) literalSkip() bool {
	if s.Skip != "" && !strings.Contains(s.Skip, "${") {
		return true
	}
	return s.Requires != nil && len(s.Requires.OS) > 0 && !slices.Contains(s.Requires.OS, runtime.GOOS)
}

// required says whether s's requires: names prog literally: its absence
// then skips the jobs, and preflight leaves it to them.
func (s *Script) required(prog string) bool {
	return s.Requires != nil && slices.Contains(s.Requires.Programs, prog)
}

// skipped is why a job skips, and where the script says so.
type skipped struct {
	pos    Pos
	key    string // skip or requires
	reason string
}

// skipReason returns why the job is skipped, nil when it runs; an error
// when a template of skip: or requires: cannot be expanded.
func (job Job) skipReason(opts *Options) (*skipped, error) {
	s := job.Script
	if s.Skip == "" && s.Requires == nil {
		return nil, nil
	}
	st, err := newState(s, opts, job.Matrix, &jobLog{})
	if err != nil {
		return nil, err
	}
	if s.Skip != "" {
		why, err := st.expand(s.Skip)
		if err != nil {
			return nil, &Error{Pos: s.SkipPos, Step: "skip", Err: err}
		}
		if strings.TrimSpace(why) != "" {
			return &skipped{s.SkipPos, "skip", why}, nil
		}
		// An empty reason, from a variable, runs the job: a matrix
		// skips some of its combinations only.
	}
	r := s.Requires
	if r == nil {
		return nil, nil
	}
	if len(r.OS) > 0 && !slices.Contains(r.OS, runtime.GOOS) {
		return &skipped{r.Pos, "requires", fmt.Sprintf("requires %s, not %s", orList(r.OS), runtime.GOOS)}, nil
	}
	var missing []string
	for _, tmpl := range r.Programs {
		prog, err := st.expand(tmpl)
		if err != nil {
			return nil, &Error{Pos: r.Pos, Step: "requires", Err: fmt.Errorf("programs: %w", err)}
		}
		if prog == "" {
			return nil, &Error{Pos: r.Pos, Step: "requires", Err: fmt.Errorf("programs: %s is empty", Visible(tmpl))}
		}
		look := prog
		if filepath.Base(prog) != prog && !filepath.IsAbs(prog) {
			look = filepath.Join(st.dir, prog) // Where the job's processes start.
		}
		if _, err := exec.LookPath(look, st.env); err != nil {
			if errors.Is(err, osexec.ErrDot) {
				prog += " (found only through a relative directory of PATH)"
			}
			missing = append(missing, prog)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	return &skipped{r.Pos, "requires", fmt.Sprintf("requires %s, not installed", andList(missing))}, nil
}

// orList joins words as "a, b or c".
func orList(words []string) string { return joinLast(words, " or ") }

// andList joins words as "a, b and c".
func andList(words []string) string { return joinLast(words, " and ") }

func joinLast(words []string, last string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + last + words[len(words)-1]
}

// skip ends the job before anything of it runs, when it is skipped: its
// result says why; under Options.NoSkip it fails saying which skip it was.
// It returns nil when the job runs.
func (job Job) skip(opts *Options) *Result {
	why, err := job.skipReason(opts)
	switch {
	case err != nil:
		return &Result{Job: job, Status: Failed, Err: err}
	case why == nil:
		return nil
	case opts.NoSkip:
		return &Result{Job: job, Status: Failed, Err: &Error{Pos: why.pos, Step: why.key,
			Err: fmt.Errorf("skipped (%s), and --no-skip makes a skip a failure", why.reason)}}
	}
	return &Result{Job: job, Status: Skipped, Reason: why.reason, SkipPos: why.pos}
}
