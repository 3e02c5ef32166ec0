package script

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// setup reads the setup: key: steps run once for all the script's jobs,
// before them. They see the script's vars, --var and the environment,
// not the matrix: there is one setup for every combination of values.
// What they define (captures, free_port variables) becomes a variable of
// every job; the processes they spawn are the setup's, which a job may
// reach by address (wait_port) but not drive.
func (p *parser) setup(f map[string]entry, s *Script, sc *scope) {
	e, ok := f["setup"]
	if !ok {
		return
	}
	c := p.at("", sc)
	if v := deref(e.val); v.Kind == yaml.SequenceNode && len(v.Content) == 0 || isNull(v) {
		c.errorf(v, "setup", "want at least one step")
		return
	}
	ssc := &scope{}
	s.matrixVars = matrixVars(s.Matrix, s.Vars)
	for _, kv := range s.Vars {
		if !s.matrixVars[kv.Key] {
			ssc.defineVar(kv.Key)
		}
	}
	p.inSetup = s.matrixVars
	s.Setup = p.steps(e.val, "setup", ssc)
	p.inSetup = nil
	p.checkStdinSources(s.Setup)
	for name := range ssc.vars {
		sc.defineVar(name)
	}
	p.setupProcs = map[string]Pos{}
	walkSteps(s.Setup, func(step Step) {
		if sp, ok := step.(*Spawn); ok {
			p.setupProcs[sp.Name] = sp.Pos
		}
		if d, ok := step.(definer); ok {
			for _, name := range d.defines() {
				for _, a := range s.Matrix {
					if a.Name == name {
						// Every job would get setup's value, not its own.
						p.add(step.Position(), step.Kind(), fmt.Errorf("setup: defines %q, a matrix name (line %d): choose another name", name, a.Pos.Line))
					}
				}
			}
		}
	})
}

// matrixVars returns the matrix's names and the vars whose values use
// them, directly or through other vars: the variables setup: cannot see.
func matrixVars(matrix []Axis, vars []KV) map[string]bool {
	out := map[string]bool{}
	for _, a := range matrix {
		out[a.Name] = true
	}
	for _, kv := range vars {
		refs, _ := Refs(kv.Value)
		for _, r := range refs {
			if out[r] {
				out[kv.Key] = true
			}
		}
	}
	return out
}

// setupRef explains why a ${name} in setup: is undefined when it is a
// matrix value, or a var made of one; it returns nil otherwise.
func (p *parser) setupRef(name string) error {
	if !p.inSetup[name] {
		return nil
	}
	return fmt.Errorf("${%s} is a matrix value, or made of one, and setup: runs once for every job: it sees vars: and --var only", name)
}

// setupProc explains why a job cannot act on the process name, if it is
// one setup: spawned; it returns nil otherwise.
func (p *parser) setupProc(name string) error {
	pos, ok := p.setupProcs[name]
	if !ok {
		return nil
	}
	return fmt.Errorf("process %q is setup:'s (line %d), shared by every job: a job may wait_port on its address but not drive it", name, pos.Line)
}
