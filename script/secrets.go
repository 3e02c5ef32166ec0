package script

import (
	"strings"

	"github.com/drover-dev/drover/exec"
)

// The secrets of a job. A variable that feeds a send with secret: true
// (any ${name} in its text) is secret for the whole job, from its first
// byte: its value is masked in every output, even output printed before
// the send, and it is left out of the result's variables. A value known
// when the job starts (vars:, --var, matrix:, ${env.X}) is masked from
// the start. A value captured later (run's capture:, expect's capture:)
// is masked from the moment it is captured, and the output of the process
// it is captured from is held, shown to nobody, until then, so that the
// value is masked there too.

// secretPlan is what a script's secret sends make secret, found in its
// steps before it runs.
type secretPlan struct {
	// holds counts, per process name, the expect steps that capture a
	// secret from it: its output is held until they have run.
	holds map[string]int
	// expects are those steps.
	expects map[*Expect]bool
}

// secretVars returns the names that feed a send with secret: true, env.X
// included, and those a secret ask: sets.
func secretVars(s *Script) map[string]bool {
	vars := map[string]bool{}
	for _, steps := range [][]Step{s.Setup, s.Steps, s.Finally} {
		walkSteps(steps, func(step Step) {
			if sd, ok := step.(*Send); ok && sd.Secret {
				refs, _ := Refs(sd.Text) // Parsed already: no error.
				for _, name := range refs {
					vars[name] = true
				}
			}
			if a, ok := step.(*Ask); ok && a.Secret && a.Var != "" {
				vars[a.Var] = true // Typed without echo: a secret from the start.
			}
		})
	}
	return vars
}

// planSecrets makes the job's secret variables secret, masks the values
// they have already, and finds the expect steps that will capture more.
func (st *state) planSecrets() {
	vars := secretVars(st.script)
	for name := range vars {
		st.secrets[name] = true
		if v, ok := st.lookup(name); ok {
			st.addSecret(v)
		}
	}
	st.plan = secretPlan{holds: map[string]int{}, expects: map[*Expect]bool{}}
	// An expect without on: reads the process spawned last; the steps
	// are taken in the order of the file, as they most often run.
	current := ""
	for _, steps := range [][]Step{st.script.Setup, st.script.Steps, st.script.Finally} {
		walkSteps(steps, func(step Step) {
			switch s := step.(type) {
			case *Spawn:
				current = s.Name
			case *Expect:
				target := s.on()
				if target == "" {
					target = current
				}
				for _, p := range s.Patterns {
					for _, name := range p.capture() {
						if vars[name] && !st.plan.expects[s] {
							st.plan.expects[s] = true
							st.plan.holds[target]++
						}
					}
				}
			}
		})
	}
}

// setVar sets a variable; the value of a secret one is masked from now
// on.
func (st *state) setVar(name, value string) {
	st.vars[name] = value
	if st.secrets[name] {
		st.addSecret(value)
	}
}

// addSecret masks a secret value, and the forms its filters make of it
// (${pw|json} escapes a quote), wherever they appear.
func (st *state) addSecret(v string) {
	st.log.addSecret(v)
	for _, f := range Filters {
		q, ok := applyFilters(v, f, MaxValue)
		if !ok {
			continue
		}
		if f != "re" {
			q = q[1 : len(q)-1] // Without the quotes, which the program may not print.
		}
		if q != v {
			st.log.addSecret(q)
		}
	}
}

// releaseCapture shows the output of a run step that captures a secret,
// held until now. When the step failed before capturing, what it printed
// is masked as the value it would have captured.
func (st *state) releaseCapture(captured bool, p *exec.Process, logs []*logStream) {
	if !captured {
		if out, dropped := p.Unconsumed(exec.Stdout); dropped == 0 && len(out) <= 64<<10 {
			st.log.addSecret(strings.TrimRight(string(out), "\r\n"))
		}
	}
	st.log.release(logs)
}
