package script

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/drover-dev/drover/exec"
	"gopkg.in/yaml.v3"
)

// Spawn starts a process in the background for later steps to drive.
type Spawn struct {
	Pos  Pos
	Name string // default: the base name of argv[0], or "sh"
	// NameFromArgs says Name is the default from an argv[0] that holds
	// ${...}: the process is named at run time by the base name of its
	// expanded argv[0], and answers to Name too.
	NameFromArgs bool
	Cmd          Command
	Env          []KV
	Dir          string    // template
	TTY          bool      // default true
	StderrPipe   bool      // stderr: pipe
	StdinFrom    string    // name of a process whose stdout feeds this one's stdin
	StdinFromPos Pos       // where StdinFrom is written
	Rows, Cols   int       // size: RowsxCols; zero means 24x80
	FailOn       []Pattern // output that fails any expect on it at once
	Prompt       *Pattern  // the prompt: its return fails an expect at once
}

// Position and Kind implement Step.
func (s *Spawn) Position() Pos { return s.Pos }
func (*Spawn) Kind() string    { return "spawn" }

// spawnKind is the spawn step.
var spawnKind = &stepKind{
	stepSpec: stepSpec{kind: "spawn", doc: "start a process in the background for later steps to drive",
		short: []valueType{tArgv, tNonBlank},
		long: &form{
			fields: []field{
				{"name", tProcName, "the process's name for on:; default: the base name of argv[0], its variables expanded"},
				fCmd, fShell, fEnv, fDir,
				{"tty", tBool, "run under a pseudo-terminal; default true"},
				{"stderr", tPipe, "pipe: under a tty, keep stderr apart on its own pipe"},
				{"stdin_from", tProcess, "a process spawned with tty: false whose stdout feeds this one's stdin"},
				{"size", tSize, "the terminal's size, ROWSxCOLS; default 24x80"},
				{"fail_on", tSeenList, "output that fails the job at once when an expect on this process sees it"},
				{"prompt", tSeen, "the program's prompt: an expect that sees it come back before its own pattern fails at once"},
			},
			oneOf: []string{"cmd", "shell"},
		}},
	parse: parseSpawn,
}

// parseSpawn reads the step from its key and value.
func parseSpawn(c *stepCtx, key, val *yaml.Node) Step {
	s := &Spawn{Pos: c.p.pos(key), TTY: true}
	var sizeKey *yaml.Node
	switch {
	case val.Kind == yaml.SequenceNode:
		s.Cmd.Argv = c.argv(val, "")
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Cmd.Shell = c.shell(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.longForm(val)
		s.Cmd = c.command(f, key)
		if e, ok := f["name"]; ok {
			s.Name = c.procName(e.val)
		}
		if e, ok := f["env"]; ok {
			s.Env = c.env(e.val, "env")
		}
		if e, ok := f["dir"]; ok {
			s.Dir, _ = c.tmpl(e.val, "dir")
		}
		if e, ok := f["tty"]; ok {
			s.TTY, _ = c.boolean(e.val, "tty")
		}
		if e, ok := f["stderr"]; ok {
			if v := e.val; v.Kind == yaml.ScalarNode && v.Value == "pipe" {
				s.StderrPipe = true
			} else {
				c.errorf(v, "stderr", `want "pipe", got %s`, describe(v))
			}
		}
		if e, ok := f["stdin_from"]; ok {
			s.StdinFrom, s.StdinFromPos = c.process(e.val, "stdin_from"), c.p.pos(e.val)
		}
		if e, ok := f["size"]; ok {
			sizeKey = e.key
			s.Rows, s.Cols = c.size(e.val)
		}
		if e, ok := f["fail_on"]; ok {
			if v := e.val; v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
				for _, item := range v.Content {
					if pat, ok := c.seen(deref(item), "fail_on"); ok {
						s.FailOn = append(s.FailOn, pat)
					}
				}
			} else {
				c.errorf(v, "fail_on", "want a list of texts or mappings with text or re, such as [Traceback, {re: 'Permission denied'}]; got %s", describe(v))
			}
		}
		if e, ok := f["prompt"]; ok {
			if pat, ok := c.seen(e.val, "prompt"); ok {
				s.Prompt = &pat
			}
		}
	default:
		c.errorf(val, "", "want a command: a list such as [cat], a shell command line, or a mapping with cmd: or shell:; got %s", describe(val))
	}
	if sizeKey != nil && !s.TTY {
		c.errorf(sizeKey, "", "size: only a terminal has a size; remove it or set tty: true")
	}
	if s.Name == "" {
		switch {
		case len(s.Cmd.Argv) > 0:
			s.Name = c.p.defaultName(s.Cmd.Argv[0])
			s.NameFromArgs = strings.Contains(s.Cmd.Argv[0], "${")
		default:
			s.Name = "sh"
		}
	}
	c.sc.defineProc(s.Name)
	return s
}

// seen reads a pattern of fail_on: or prompt:, text or a mapping with
// text or re.
func (c *stepCtx) seen(n *yaml.Node, key string) (Pattern, bool) {
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		return Pattern{Pos: c.p.pos(n), Text: c.text(n, key)}, true
	case n.Kind == yaml.MappingNode:
		f := c.fieldsOf(n, &seenForm, key, key, n)
		which := c.oneOf(f, n, seenForm.oneOf...)
		if which == "" {
			return Pattern{}, false
		}
		e := f[which]
		pat := Pattern{Pos: c.p.pos(e.val)}
		if which == "text" {
			pat.Text = c.text(e.val, key+".text")
		} else {
			pat.Text, pat.Re = c.text(e.val, key+".re"), true
			pat.Regexp = c.regex(e.val, key+".re", pat.Text)
		}
		return pat, true
	}
	c.errorf(n, key, "want text, or a mapping with text or re; got %s", describe(n))
	return Pattern{}, false
}

// procNameRE and sizeRE are compiled on first use, not at start-up: most
// runs never need them.
var procNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`) })

func (c *stepCtx) procName(n *yaml.Node) string {
	name, ok := c.str(n, "name")
	if ok && !procNameRE().MatchString(name) {
		c.errorf(n, "name", "invalid process name %s: want letters, digits, _, . and -, such as db or web-1", shortQuote(name))
	}
	return name
}

var sizeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]{1,4})x([0-9]{1,4})$`) })

// size reads ROWSxCOLS.
func (c *stepCtx) size(n *yaml.Node) (rows, cols int) {
	if n.Kind == yaml.ScalarNode {
		if m := sizeRE().FindStringSubmatch(n.Value); m != nil {
			rows, _ = strconv.Atoi(m[1])
			cols, _ = strconv.Atoi(m[2])
			if 0 < rows && rows <= 1000 && 0 < cols && cols <= 1000 {
				return rows, cols
			}
		}
	}
	c.errorf(n, "size", "want ROWSxCOLS such as 24x80, each from 1 to 1000, got %s", describe(n))
	return 0, 0
}

// run starts a process in the background.
func (s *Spawn) run(ctx context.Context, st *state) error {
	args, env, dir, err := st.command(s.Cmd, s.Env, s.Dir, s.TTY)
	if err != nil {
		return err
	}
	name := s.Name
	if s.NameFromArgs {
		// spawn: ["${bin}"] is named by what it runs: bc, not ${bin}.
		name = filepath.Base(args[0])
	}
	failOn := make([]exec.Pattern, len(s.FailOn))
	for i, pat := range s.FailOn {
		if failOn[i], err = st.pattern(pat); err != nil {
			return fmt.Errorf("fail_on: %w", err)
		}
	}
	var prompt *exec.Pattern
	if s.Prompt != nil {
		pat, err := st.pattern(*s.Prompt)
		if err != nil {
			return fmt.Errorf("prompt: %w", err)
		}
		pat.Prompt = true
		prompt = &pat
	}
	var cast *castWriter
	if s.TTY {
		if cast, err = st.cast(name, s.Rows, s.Cols, env); err != nil {
			return err
		}
	}
	cmd := &exec.Cmd{
		Args: args, Env: env, Dir: dir, TTY: s.TTY,
		Rows: uint16(s.Rows), Cols: uint16(s.Cols),
		SeparateStderr: s.StderrPipe,
	}
	var logs []*logStream
	cmd.Observe, logs = st.observe(name, cast, st.plan.holds[s.Name])
	if st.piped[s.Name] {
		if s.TTY { // Parse reports it at the stdin_from (checkStdinSources).
			return fmt.Errorf("%s feeds stdin_from of another process, so it needs tty: false", s.Name)
		}
		cmd.StdoutPipe = true
	}
	if s.StdinFrom != "" {
		src, err := st.proc(s.StdinFrom)
		if err != nil {
			return err
		}
		f := src.p.Stdout()
		if f == nil {
			return fmt.Errorf("stdout of %s already feeds another process", s.StdinFrom)
		}
		cmd.Stdin = f
		defer func() { _ = f.Close() }() // The child has its own copy.
	}
	// What wait steps check is looked for in all the output, as it streams
	// by: a text whose variables change before the wait was not, and the
	// wait says so if bytes were dropped.
	waits := st.waitMatchers(s.Name)
	cmd.Watch, cmd.CountLines = st.watchTexts(waits...), countLines(waits...)
	// A process lives until the job ends, not just this step.
	p, err := exec.Start(st.procCtx, cmd)
	if err != nil {
		return startError(err, args[0], dir)
	}
	pr := &proc{name: name, p: p, tty: s.TTY, cast: cast, logs: logs, failOn: failOn, prompt: prompt}
	st.procs[s.Name] = pr // The name the script's steps were checked against,
	st.procs[name] = pr   // and the one it is shown by.
	st.order = append(st.order, pr)
	st.current = pr
	return nil
}

// lint implements linted: a spawn starts a process afresh, even one that
// takes a name used before, and becomes the current one.
func (s *Spawn) lint(_ *linter, f *facts) (string, bool) {
	f.procs[s.Name] = &procFacts{spawn: s, eof: map[string]Step{}}
	f.current = s.Name
	return "", false
}

// templates implements templater.
func (s *Spawn) templates() []string {
	ts := append(append(s.Cmd.templates(), s.Dir), kvTemplates(s.Env)...)
	for _, p := range s.FailOn {
		ts = append(ts, p.Text)
	}
	if s.Prompt != nil {
		ts = append(ts, s.Prompt.Text)
	}
	return ts
}

// command implements commander.
func (s *Spawn) command() (Command, []KV) { return s.Cmd, s.Env }

// checkStdinSources reports each stdin_from of the lists of steps of one
// run (steps:, then finally:) whose source is spawned under a tty in one
// of them: its stdout is the terminal, not a pipe. tty is a literal, so
// this is known before anything runs; Spawn.run would refuse it only when
// the job reached that spawn. The sources are those of stdinSources, as
// the interpreter's.
func (p *parser) checkStdinSources(lists ...[]Step) {
	ttys := map[string]*Spawn{} // The first spawn of each name under a tty.
	for _, list := range lists {
		walkSteps(list, func(step Step) {
			if sp, ok := step.(*Spawn); ok && sp.TTY && ttys[sp.Name] == nil {
				ttys[sp.Name] = sp
			}
		})
	}
	walkLists(lists, func(step Step) {
		sp, ok := step.(*Spawn)
		if !ok || sp.StdinFrom == "" || ttys[sp.StdinFrom] == nil {
			return
		}
		if slices.ContainsFunc(p.errs, func(e *Error) bool { return e.Pos == sp.StdinFromPos }) {
			return // An unknown process, spawned only later.
		}
		src := ttys[sp.StdinFrom]
		where := fmt.Sprintf("line %d", src.Pos.Line)
		if src.Pos.File != sp.StdinFromPos.File {
			where = src.Pos.String()
		}
		p.add(sp.StdinFromPos, sp.Kind(), &keyError{"stdin_from", fmt.Errorf(
			"%s is spawned under a tty (%s), and a process that feeds stdin_from needs tty: false", sp.StdinFrom, where)})
	})
}

// stdinSources returns the names of the processes whose stdout feeds a
// stdin_from of the lists of steps of one run (steps:, then finally:):
// each is spawned with its stdout on a pipe to that reader. The
// interpreter and the linter both decide it here.
func stdinSources(lists ...[]Step) map[string]bool {
	piped := map[string]bool{}
	walkLists(lists, func(step Step) {
		if sp, ok := step.(*Spawn); ok && sp.StdinFrom != "" {
			piped[sp.StdinFrom] = true
		}
	})
	return piped
}

// walkLists calls fn for each step of lists, as walkSteps does for one.
func walkLists(lists [][]Step, fn func(Step)) {
	for _, steps := range lists {
		walkSteps(steps, fn)
	}
}
