package script

import (
	"context"
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// Ask asks the operator for a value on drover's terminal and sets the
// variable Var to the line typed. With Secret the terminal does not echo
// it and the variable is secret for the whole job. A --var of Var
// (Options.Vars) answers without asking; without a terminal, and without
// that --var, it fails at once.
type Ask struct {
	Pos    Pos
	Var    string
	Prompt string // template; "" asks "Var: "
	Secret bool
}

// Position and Kind implement Step.
func (s *Ask) Position() Pos { return s.Pos }
func (*Ask) Kind() string    { return "ask" }

// askKind is the ask step.
var askKind = &stepKind{
	stepSpec: stepSpec{kind: "ask", doc: "ask the operator for a variable's value on drover's terminal (--var NAME=VALUE answers it)",
		long: &form{
			fields: []field{
				{"var", tVarName, "the variable to set, declared by this step"},
				{"prompt", tText, "the question; default: the variable's name and a colon"},
				{"secret", tBool, "read without echo; the value is a secret for the whole job"},
			},
			required: []string{"var"},
			missing:  map[string]string{"var": "the variable to set"},
		}},
	parse: parseAsk,
}

// parseAsk reads the step from its key and value.
func parseAsk(c *stepCtx, key, val *yaml.Node) Step {
	s := &Ask{Pos: c.p.pos(key)}
	if val.Kind != yaml.MappingNode {
		c.errorf(val, "", "want a mapping with var, and prompt and secret if needed; got %s", describe(val))
		return s
	}
	f := c.longForm(val)
	if e, ok := f["prompt"]; ok {
		s.Prompt, _ = c.tmpl(e.val, "prompt")
	}
	if e, ok := f["secret"]; ok {
		s.Secret, _ = c.boolean(e.val, "secret")
	}
	e, ok := f["var"]
	if !ok {
		return s // Missing: longForm said so.
	}
	if !c.varName(e.val, "var") {
		return s
	}
	if _, declared := c.p.sizes[e.val.Value]; declared {
		// Which would win? Neither: --var is how to give it.
		c.errorf(e.val, "var", "%s is declared in vars: or matrix: already; ask declares it, and --var %s=... answers it", e.val.Value, e.val.Value)
		return s
	}
	s.Var = e.val.Value
	c.sc.defineVar(s.Var)
	return s
}

// run sets the variable from --var, or from the operator's answer.
func (s *Ask) run(ctx context.Context, st *state) error {
	if v, ok := st.opts.Vars[s.Var]; ok {
		// A secret one is masked already: planSecrets saw it.
		st.vars[s.Var] = v
		st.log.trace(lineStep, "ask %s: answered by --var\n", s.Var)
		return nil
	}
	if st.opts.Terminal == nil {
		return fmt.Errorf("no terminal to ask for %s on (drover's stdin is not one); give the value with --var %s=...", s.Var, s.Var)
	}
	q := s.Var + ": "
	if s.Prompt != "" {
		var err error
		if q, err = st.expand(s.Prompt); err != nil {
			return err
		}
	}
	v, err := st.prompt(ctx, q, s.Secret)
	if err != nil {
		if isStopped(err) {
			return err
		}
		return fmt.Errorf("%s: %w", s.Var, err)
	}
	if s.Secret {
		st.secrets[s.Var] = true
		st.addSecret(v)
	}
	st.vars[s.Var] = v
	return nil
}

// templates implements templater.
func (s *Ask) templates() []string { return []string{s.Prompt} }

// defines implements definer.
func (s *Ask) defines() []string {
	if s.Var == "" {
		return nil
	}
	return []string{s.Var}
}

// Asked returns the variables the script's ask steps set, sorted: a
// --var may give them.
func (s *Script) Asked() []string {
	seen := map[string]bool{}
	for _, steps := range [][]Step{s.Setup, s.Steps, s.Finally} {
		walkSteps(steps, func(step Step) {
			if a, ok := step.(*Ask); ok && a.Var != "" {
				seen[a.Var] = true
			}
		})
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
