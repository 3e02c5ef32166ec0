package script

// This file is the registry of step kinds. A step kind lives in one file,
// step_KIND.go, and is one *stepKind value listed once in builtinKinds.
//
// To add a step kind, say "each":
//
//  1. Write step_each.go with
//     - the AST type, a noun (Each, not Do), with Pos and documented
//       fields, and its Position and Kind methods;
//     - eachKind = &stepKind{stepSpec: stepSpec{kind: "each", doc: ...,
//       short: ..., long: &form{...}}, parse: parseEach}. The key table
//       drives the parser's unknown-key check, the JSON Schema and its
//       agreement test: a key the table lacks is rejected as unknown;
//     - parseEach(c *stepCtx, key, val *yaml.Node) Step. For the long
//       form, f := c.longForm(val) rejects keys the form lacks and
//       reports its required keys that are missing (say what each is in
//       form.missing); c.oneOf(f, key, c.k.long.oneOf...) picks the one
//       key of oneOf. c.errorf(n, key, ...) places an error at n; c.sc is
//       the scope (variables, processes) at the step; names the step
//       defines go to c.sc.defineVar after its own references are
//       checked. Return the step even when it has errors (nil only when
//       nothing of it could be read);
//     - (s *Each) run(ctx, st) error: return plain errors; the position
//       is added once, by st.runBlock. Use the named defaults
//       (defaultStepTimeout, defaultGrace), not numbers.
//  2. Add eachKind to builtinKinds, where the reference lists it.
//  3. Add a line of it to everyKind in registry_test.go, at its place in
//     builtinKinds (TestBuiltinKinds fails until then), tests (parse_test,
//     parse_bad_test golden messages, an e2e script in
//     cmd/drover/testdata/e2e), and the README and doc.go text.
//
// Optional methods, found by type assertion; a plain step needs none:
//   - children() [][]Step (parent): the nested step lists. Every walk of
//     the tree (walkSteps: state's piped detection, secrets planning,
//     preflight, the linter's unused captures) goes through it, so a
//     nested list a kind does not return is never checked.
//   - lint(l *linter, f *facts) (why string, dead bool) (linted): see
//     below.
//   - templates() []string (templater): every ${...} text the step
//     expands, so that the linter sees the variables it uses.
//   - defines() []string (definer): the variables it sets.
//   - command() (Command, []KV) (commander): the program it starts and the
//     step's env, for Preflight's lookup in PATH.
//
// Sibling keys. A step is a mapping with one key, but for a kind whose
// siblings form lists keys (if's then and else): those may stand beside
// the kind's key, parse reads them from c.node, and the schema allows
// them only there.
//
// Nested steps (then:, else:, steps:). Parse them with c.block(n, "then"):
// the key's type in the table says whether an empty list is an error
// (tSteps) or allowed (tStepList). A list that runs only sometimes gets
// its own scope: b := c.branch(); b.block(n, "then"); c.join(b, ...)
// after all the branches, so that later steps see what any branch
// defined, as expect's any: does. Run a list with st.runBlock(ctx, steps)
// and return its error unchanged: it is an *Error already placed at the
// failing nested step, which runBlock passes on as it is.
//
// Lint's facts. The linter walks each list in order with a *facts of
// what holds on every run (processes spawned, ended, their stdin closed,
// streams consumed). A linted step's lint first says why it always fails
// after f ("" if not), then updates f to what holds after it. A parent
// checks its lists with l.block(list, f) when they run in order from f
// (retry: dead reports that one always fails), or l.branches(f, lists...)
// when exactly one of them runs (expect's any:, if/else): each starts
// from a copy of f, and f becomes what holds after every branch that can
// finish; an if without else is l.branches(f, then, nil). A parent
// without lint is checked as a list that may or may not run: its lists
// start from copies of f, and only what holds whether or not they ran is
// kept.
//
// A few places still ask for one kind by its type, because they are about
// that kind alone: secrets.go (send's secret:, expect's capture: of a
// secret, spawn naming the current process), stdinSources (spawn's
// stdin_from), waitMatchers (wait's output checks) and lint_secrets.go. A
// kind that captures variables from a process's output, or sends a
// secret, must be added there too.

import (
	"context"
	"errors"

	"gopkg.in/yaml.v3"
)

// Step is one step of a script. Its concrete type is one of the AST types
// of builtinKinds: *Run, *Spawn, *Expect, *Send, *Wait, *Signal,
// *Resize, *Terminate, *WaitPort, *FreePort, *Retry, *Call, *Each, *If,
// *Assert, *Fail, *Sleep, *Log and *Interact.
type Step interface {
	// Position is where the step starts in its file.
	Position() Pos
	// Kind is the step's key, such as "expect".
	Kind() string
	// run runs the step in a job. It returns plain errors, or the *Error
	// of a nested block; st.runBlock places the former at the step.
	run(ctx context.Context, st *state) error
}

// stepKind is everything the package knows about one kind of step.
type stepKind struct {
	stepSpec
	// parse reads the step from its key (the kind) and value; it reports
	// errors through c and returns the step, or nil if nothing of it
	// could be read.
	parse func(c *stepCtx, key, val *yaml.Node) Step
	// siblings are the keys a step of this kind may have beside its own,
	// in the same mapping: if's then and else. nil for every other kind,
	// whose step is a mapping with one key. parse finds them in c.node.
	siblings *form
}

// builtinKinds returns the kinds of step, in the order the reference and
// the schema list them.
func builtinKinds() []*stepKind {
	return []*stepKind{
		runKind,
		spawnKind,
		expectKind,
		sendKind,
		waitKind,
		signalKind,
		resizeKind,
		terminateKind,
		waitPortKind,
		freePortKind,
		retryKind,
		callKind,
		eachKind,
		ifKind,
		assertKind,
		failKind,
		sleepKind,
		logKind,
		interactKind,
		confirmKind,
		askKind,
	}
}

// parent is a step with nested lists of steps.
type parent interface {
	children() [][]Step
}

// linted is a step the linter knows something of; see the top of this
// file.
type linted interface {
	lint(l *linter, f *facts) (why string, dead bool)
}

// templater is a step that expands ${...} texts.
type templater interface {
	templates() []string
}

// definer is a step that sets variables.
type definer interface {
	defines() []string
}

// commander is a step that starts a program.
type commander interface {
	command() (Command, []KV)
}

// The registry, indexed, set once by init: the kinds' parse functions
// reach it through nested steps, which a package-level initializer could
// not refer to without a cycle.
var (
	kindIndex map[string]*stepKind
	stepKinds []string   // the kinds' names, in the reference's order
	stepSpecs []stepSpec // their key tables, in that order
)

func init() {
	kinds := builtinKinds()
	kindIndex = make(map[string]*stepKind, len(kinds))
	for _, k := range kinds {
		if kindIndex[k.kind] != nil {
			panic("script: step kind " + k.kind + " registered twice")
		}
		kindIndex[k.kind] = k
		stepKinds = append(stepKinds, k.kind)
		stepSpecs = append(stepSpecs, k.stepSpec)
	}
}

// stepForm returns the long form of the step kind.
func stepForm(kind string) *form {
	for _, k := range builtinKinds() {
		if k.kind == kind {
			return k.long
		}
	}
	panic("script: no step " + kind) // A typo in the caller.
}

// walkSteps calls f for every step, those in nested lists included, in
// the order of the file.
func walkSteps(steps []Step, f func(Step)) {
	for _, s := range steps {
		f(s)
		if p, ok := s.(parent); ok {
			for _, list := range p.children() {
				walkSteps(list, f)
			}
		}
	}
}

// keys returns the keys of the long form of c's step kind.
func (c *stepCtx) keys() []string { return c.k.long.names() }

// longForm reads n, the long form of c's step kind: a key the form does
// not list is an error, and so is a key it requires that n lacks, which
// is reported at the step's key after the step's other errors.
func (c *stepCtx) longForm(n *yaml.Node) map[string]entry {
	f := c.fields(n, c.kind, "", c.keys())
	for _, k := range c.k.long.required {
		if _, ok := f[k]; !ok {
			c.lacks = append(c.lacks, k)
		}
	}
	return f
}

// block reads a nested list of steps, the value n of key, in c's scope.
// Whether an empty list is an error comes from the key's type in the
// kind's long form: tSteps wants a step at least, tStepList does not.
func (c *stepCtx) block(n *yaml.Node, key string) []Step {
	empty := isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0
	if empty && c.k != nil && c.k.keyType(key) == tSteps {
		c.errorf(n, key, "want at least one step")
		return nil
	}
	if isNull(n) {
		return nil
	}
	return c.p.steps(n, key, c.sc)
}

// keyType is the type of key in k's long form, or among its siblings.
func (k *stepKind) keyType(key string) valueType {
	var t valueType
	if k.long != nil {
		t = k.long.typeOf(key)
	}
	if t == "" && k.siblings != nil {
		t = k.siblings.typeOf(key)
	}
	return t
}

// branch returns a reader of the same step for a nested list that runs
// only sometimes: what it defines is its own until c.join.
func (c *stepCtx) branch() *stepCtx {
	return &stepCtx{p: c.p, kind: c.kind, k: c.k, sc: c.sc.child()}
}

// join makes what the branches defined count as defined after the step.
func (c *stepCtx) join(branches ...*stepCtx) {
	for _, b := range branches {
		c.sc.absorb(b.sc)
	}
}

// runBlock runs steps in order and stops at the first failure, which it
// returns as an *Error carrying the failing step's position: a step's
// plain error is placed at the step, and the *Error of a nested block is
// passed on as it is. It is the one way to run a list of steps.
func (st *state) runBlock(ctx context.Context, steps []Step) error {
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return st.fail(ctx, step, err)
		}
		if st.log.tracing() { // Else its arguments cost allocations a step.
			st.log.trace(lineStep, "-- %s %s\n", step.Position(), step.Kind())
		}
		if st.opts.Step != nil {
			st.opts.Step(st.jobName, step)
		}
		if err := step.run(ctx, st); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return err // A nested step's, placed already.
			}
			return st.fail(ctx, step, err)
		}
	}
	return nil
}
