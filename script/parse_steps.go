package script

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// steps reads a list of steps. key names the list in messages.
func (p *parser) steps(n *yaml.Node, key string, sc *scope) []Step {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.at("", sc).errorf(n, key, "want a list of steps, got %s", describe(n))
		return nil
	}
	out := make([]Step, 0, len(n.Content))
	for _, item := range n.Content {
		if p.cut {
			break
		}
		if s := p.step(deref(item), sc); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// step reads one step, a mapping with one key: the kind of the step.
func (p *parser) step(n *yaml.Node, sc *scope) Step {
	c := p.at("", sc)
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "", "want a step, a mapping with one key such as expect: or send:, got %s", describe(n))
		return nil
	}
	key, val := deref(n.Content[0]), deref(n.Content[1])
	if len(n.Content) > 2 {
		var keys, kinds []string
		for i := 0; i < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			keys = append(keys, k.Value)
			if slices.Contains(stepKinds, k.Value) {
				kinds = append(kinds, k.Value)
				if len(kinds) == 1 {
					key, val = k, deref(n.Content[i+1])
				}
			}
		}
		hint := ""
		switch {
		case len(kinds) == 1:
			others := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == kinds[0] })
			hint = fmt.Sprintf("; indent %s under %s: as its options", listNames(others), kinds[0])
		case len(kinds) > 1:
			hint = `; begin each step with "- "`
		}
		c.errorf(n, "", "a step is a mapping with one key, got %d keys (%s)%s", len(keys), listNames(keys), hint)
		if isNull(val) {
			return nil // Its options were the other keys.
		}
	}
	if key.Kind != yaml.ScalarNode || isNull(key) {
		c.errorf(key, "", "want a step kind such as expect, got %s", describe(key))
		return nil
	}
	switch key.Value {
	case "run":
		return p.run(key, val, sc)
	case "spawn":
		return p.spawn(key, val, sc)
	case "expect":
		return p.expect(key, val, sc)
	case "send":
		return p.send(key, val, sc)
	case "wait":
		return p.wait(key, val, sc)
	case "signal":
		return p.signal(key, val, sc)
	case "terminate":
		return p.terminate(key, val, sc)
	case "wait_port":
		return p.waitPort(key, val, sc)
	case "retry":
		return p.retry(key, val, sc)
	case "free_port":
		c := p.at("free_port", sc)
		s := &FreePort{Pos: p.pos(key)}
		if val.Kind != yaml.ScalarNode || isNull(val) {
			c.errorf(val, "", "want the name of a variable to receive the port, got %s", describe(val))
			return s
		}
		if c.varName(val, "") {
			s.Var = val.Value
			sc.defineVar(val.Value)
		}
		return s
	case "sleep":
		c := p.at("sleep", sc)
		d, _ := c.duration(val, "", true)
		return &Sleep{Pos: p.pos(key), D: d}
	case "log":
		c := p.at("log", sc)
		text, _ := c.tmpl(val, "")
		return &Log{Pos: p.pos(key), Text: text}
	}
	if best := closest(key.Value, stepKinds); best != "" {
		c.errorf(key, "", "unknown step %s; did you mean %q?", shortQuote(key.Value), best)
	} else {
		c.errorf(key, "", "unknown step %s; want one of: %s", shortQuote(key.Value), strings.Join(stepKinds, ", "))
	}
	return nil
}

func (p *parser) run(key, val *yaml.Node, sc *scope) Step {
	c := p.at("run", sc)
	s := &Run{Pos: p.pos(key)}
	switch {
	case val.Kind == yaml.SequenceNode:
		s.Cmd.Argv = c.argv(val, "")
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Cmd.Shell = c.shell(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "run", "", runKeys)
		s.Cmd = c.command(f, key)
		if e, ok := f["stdin"]; ok {
			if v, ok := c.tmpl(e.val, "stdin"); ok {
				s.Stdin = &v
			}
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
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["exit"]; ok {
			s.Exit = c.exit(e.val)
		}
		if e, ok := f["stdout"]; ok {
			s.Stdout = c.matcher(e.val, "stdout")
		}
		if e, ok := f["stderr"]; ok {
			s.Stderr = c.matcher(e.val, "stderr")
			if s.TTY {
				c.errorf(e.key, "", "stderr: under tty: true stderr is the terminal, mixed with stdout; check stdout instead")
			}
		}
		if e, ok := f["capture"]; ok && c.varName(e.val, "capture") {
			s.Capture = e.val.Value
			sc.defineVar(s.Capture) // After the step's own references.
		}
		if e, ok := f["retry"]; ok {
			s.Retry = c.retrySpec(e.val)
		}
		if e, ok := f["max_duration"]; ok {
			s.MaxDur, _ = c.duration(e.val, "max_duration", false)
		}
	default:
		c.errorf(val, "", "want a command: a list such as [ls, -l], a shell command line, or a mapping with cmd: or shell:; got %s", describe(val))
	}
	return s
}

func (p *parser) spawn(key, val *yaml.Node, sc *scope) Step {
	c := p.at("spawn", sc)
	s := &Spawn{Pos: p.pos(key), TTY: true}
	var sizeKey *yaml.Node
	switch {
	case val.Kind == yaml.SequenceNode:
		s.Cmd.Argv = c.argv(val, "")
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Cmd.Shell = c.shell(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "spawn", "", spawnKeys)
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
			s.StdinFrom = c.process(e.val, "stdin_from")
		}
		if e, ok := f["size"]; ok {
			sizeKey = e.key
			s.Rows, s.Cols = c.size(e.val)
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
	sc.defineProc(s.Name)
	return s
}

var procNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func (c *stepCtx) procName(n *yaml.Node) string {
	name, ok := c.str(n, "name")
	if ok && !procNameRE.MatchString(name) {
		c.errorf(n, "name", "invalid process name %s: want letters, digits, _, . and -, such as db or web-1", shortQuote(name))
	}
	return name
}

var sizeRE = regexp.MustCompile(`^([0-9]{1,4})x([0-9]{1,4})$`)

// size reads ROWSxCOLS.
func (c *stepCtx) size(n *yaml.Node) (rows, cols int) {
	if n.Kind == yaml.ScalarNode {
		if m := sizeRE.FindStringSubmatch(n.Value); m != nil {
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

// command reads cmd: or shell:, exactly one of them.
func (c *stepCtx) command(f map[string]entry, key *yaml.Node) Command {
	var cmd Command
	switch c.oneOf(f, key, "cmd", "shell") {
	case "cmd":
		v := f["cmd"].val
		if v.Kind == yaml.ScalarNode && !isNull(v) {
			c.errorf(v, "cmd", "want a list such as [ls, -l] (no shell); for a shell command line write shell: %s", shortQuote(v.Value))
			return cmd
		}
		cmd.Argv = c.argv(v, "cmd")
	case "shell":
		cmd.Shell = c.shell(f["shell"].val, "shell")
	}
	return cmd
}

// argv reads a non-empty list of argument templates.
func (c *stepCtx) argv(n *yaml.Node, key string) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		c.errorf(n, key, "want a non-empty list of arguments such as [ls, -l], got %s", describe(n))
		return nil
	}
	argv := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		a, ok := c.tmpl(item, key)
		if ok && i == 0 && a == "" {
			c.errorf(item, key, "the program name is empty")
		}
		argv = append(argv, a)
	}
	return argv
}

// shell reads a shell command line.
func (c *stepCtx) shell(n *yaml.Node, key string) string {
	s, ok := c.str(n, key)
	if !ok {
		return ""
	}
	if strings.TrimSpace(s) == "" {
		c.errorf(n, key, "empty shell command line")
		return s
	}
	c.checkRefs(n, key, s, true)
	return s
}

func (p *parser) wait(key, val *yaml.Node, sc *scope) Step {
	c := p.at("wait", sc)
	s := &Wait{Pos: p.pos(key), Timeout: defaultStepTimeout}
	switch {
	case isNull(val):
		c.needProcess(key)
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "wait", "", waitKeys)
		s.On = c.on(f, key)
		if e, ok := f["exit"]; ok {
			s.Exit = c.exit(e.val)
		}
		if e, ok := f["signal"]; ok {
			s.Signal = c.signalName(e.val, "signal")
			if x, ok := f["exit"]; ok {
				later := e.key
				if cmpPos(x.key, later) > 0 {
					later = x.key
				}
				c.errorf(later, "", "exit and signal cannot be used together: a process either exits or dies of a signal")
			}
		}
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		if e, ok := f["stdout"]; ok {
			s.Stdout = c.matcher(e.val, "stdout")
		}
		if e, ok := f["stderr"]; ok {
			s.Stderr = c.matcher(e.val, "stderr")
		}
		if e, ok := f["max_duration"]; ok {
			s.MaxDur, _ = c.duration(e.val, "max_duration", false)
		}
	default:
		c.errorf(val, "", "want nothing (- wait:) or a mapping with %s; got %s", strings.Join(waitKeys, ", "), describe(val))
	}
	return s
}

func (p *parser) signal(key, val *yaml.Node, sc *scope) Step {
	c := p.at("signal", sc)
	s := &Signal{Pos: p.pos(key)}
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
		s.Sig = c.signalName(val, "")
		c.needProcess(key)
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "signal", "", signalKeys)
		s.On = c.on(f, key)
		if e, ok := f["sig"]; ok {
			s.Sig = c.signalName(e.val, "sig")
		} else {
			c.errorf(key, "", "missing key sig: the signal to send, such as TERM")
		}
	default:
		c.errorf(val, "", "want a signal name such as TERM, or a mapping with sig and on; got %s", describe(val))
	}
	return s
}

func (p *parser) terminate(key, val *yaml.Node, sc *scope) Step {
	c := p.at("terminate", sc)
	s := &Terminate{Pos: p.pos(key), Grace: defaultGrace}
	switch {
	case isNull(val):
		c.needProcess(key)
	case val.Kind == yaml.ScalarNode:
		s.On = c.process(val, "")
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "terminate", "", terminateKeys)
		s.On = c.on(f, key)
		if e, ok := f["grace"]; ok {
			s.Grace, _ = c.duration(e.val, "grace", false)
		}
	default:
		c.errorf(val, "", "want nothing (the last process spawned), a process name, or a mapping with on and grace; got %s", describe(val))
	}
	return s
}

func (p *parser) waitPort(key, val *yaml.Node, sc *scope) Step {
	c := p.at("wait_port", sc)
	s := &WaitPort{Pos: p.pos(key), Timeout: defaultStepTimeout}
	addr, addrKey := val, ""
	switch {
	case val.Kind == yaml.ScalarNode && !isNull(val):
	case val.Kind == yaml.MappingNode:
		f := c.fields(val, "wait_port", "", waitPortKeys)
		if e, ok := f["timeout"]; ok {
			s.Timeout, _ = c.duration(e.val, "timeout", false)
		}
		e, ok := f["addr"]
		if !ok {
			c.errorf(key, "", "missing key addr: the host:port to connect to")
			return s
		}
		addr, addrKey = e.val, "addr"
	default:
		c.errorf(val, "", "want host:port such as 127.0.0.1:8080, or a mapping with addr and timeout; got %s", describe(val))
		return s
	}
	a, ok := c.tmpl(addr, addrKey)
	if !ok {
		return s
	}
	s.Addr = a
	if refs, _ := Refs(a); len(refs) == 0 {
		_, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			c.errorf(addr, addrKey, "want host:port such as 127.0.0.1:8080 or [::1]:8080, got %s", shortQuote(a))
		}
	}
	return s
}

// retry reads a group of steps run again when one fails.
func (p *parser) retry(key, val *yaml.Node, sc *scope) Step {
	c := p.at("retry", sc)
	s := &Retry{Pos: p.pos(key)}
	if val.Kind != yaml.MappingNode {
		c.errorf(val, "", "want a mapping with attempts, delay and steps; got %s", describe(val))
		return s
	}
	f := c.fields(val, "retry", "", retryKeys)
	s.Spec = c.retryFields(f, key)
	e, ok := f["steps"]
	if !ok {
		c.errorf(key, "", "missing key steps: the steps to try again")
		return s
	}
	if e.val.Kind == yaml.SequenceNode && len(e.val.Content) == 0 || isNull(e.val) {
		c.errorf(e.val, "steps", "want at least one step")
		return s
	}
	s.Steps = p.steps(e.val, "steps", sc)
	return s
}

// retrySpec reads the retry: of a run step.
func (c *stepCtx) retrySpec(n *yaml.Node) *RetrySpec {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "retry", "want a mapping with attempts and delay, such as {attempts: 3, delay: 1s}; got %s", describe(n))
		return nil
	}
	f := c.fields(n, "retry", "retry", retrySpecKeys)
	spec := c.retryFields(f, n)
	return &spec
}

// retryFields reads attempts (required, 1 to 1000) and delay (default 0).
func (c *stepCtx) retryFields(f map[string]entry, at *yaml.Node) RetrySpec {
	spec := RetrySpec{Attempts: 1}
	if e, ok := f["attempts"]; ok {
		spec.Attempts, _ = c.integer(e.val, "attempts", "a number of attempts from 1 to 1000 (the first included)", 1, 1000)
	} else {
		c.errorf(at, "", "missing key attempts: how many times to try in all")
	}
	if e, ok := f["delay"]; ok {
		spec.Delay, _ = c.duration(e.val, "delay", true)
	}
	return spec
}

// closest returns the word in words within a small edit distance of s, or "".
func closest(s string, words []string) string {
	if len(s) > 32 {
		return ""
	}
	best, bestD := "", 0
	for _, w := range words {
		d := editDistance(strings.ToLower(s), w)
		if d <= max(1, len(w)/3) && (best == "" || d < bestD) {
			best, bestD = w, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours count one each.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
