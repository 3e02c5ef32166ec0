package script

import (
	"fmt"
	"math"
	"time"
)

// Pos is a position in a script file. Line and Col count from 1; the zero
// Pos means "no position" and prints as the file name alone. Line and Col
// are 32 bits: every step holds one or more Pos, and a script of more
// than 2^31 lines is more than any parser here would read.
type Pos struct {
	File string
	Line int32
	Col  int32
}

// posAt returns the Pos of line and col in file, each kept to what a Pos
// holds (the largest int32).
func posAt(file string, line, col int) Pos {
	return Pos{File: file, Line: int32(min(line, math.MaxInt32)), Col: int32(min(col, math.MaxInt32))}
}

// String formats p as file:line:col, the form editors and terminals link.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Script is one parsed and validated script file. A Script is immutable once
// Parse returns it and may be run by many jobs at once.
type Script struct {
	File    string        // the path it was read from, as given
	Name    string        // the name: key, or the file's base name without .yaml
	Timeout time.Duration // the whole script; default 10m
	Env     []KV          // added to every process's environment, in file order
	Vars    []KV          // default values of variables, in file order
	Matrix  []Axis        // one job per combination of values, in file order
	// MatrixCSV, MatrixExclude and MatrixInclude are the csv:, exclude:
	// and include: of the matrix (see Jobs); nil when absent.
	MatrixCSV     *Table
	MatrixExclude []MatrixEntry
	MatrixInclude []MatrixEntry
	Locks         []string // templates: jobs sharing a lock never run at once
	Steps         []Step   // the steps, in order
	Finally       []Step   // steps that run even when a step failed
	Setup         []Step   // run once before all the jobs; see Setup
	// Skip is the template of skip:, the reason to skip every job, at
	// SkipPos; "" runs them (as does a reason that expands to nothing).
	Skip     string
	SkipPos  Pos
	Requires *Requires // requires:; nil when absent
	Files    []File    // files: written under ${work} before the steps

	// matrixVars are the matrix's names and the vars made of them, which
	// setup: does not see.
	matrixVars map[string]bool
	// uncalled are the groups of define: no call runs.
	uncalled []*definition
	// goldens are the equals_file: of the script, for Goldens.
	goldens []golden
}

// KV is a key and a value template from a mapping, with the position of
// the key.
type KV struct {
	Key   string
	Value string // may hold ${...} references
	Pos   Pos
}

// Axis is one key of a matrix and its values.
type Axis struct {
	Name   string
	Values []string
	Pos    Pos
}

// Command is what a run or spawn step starts: an argv (no shell) or a shell
// string run by sh -c. Exactly one of Argv and Shell is set.
type Command struct {
	Argv  []string // templates
	Shell string   // template
}

// ExitSpec is what exit status a run or wait step accepts. The zero value
// accepts exit code 0 only.
type ExitSpec struct {
	Codes   []int // accepted codes; empty means [0] unless Any or Nonzero
	Any     bool  // any status, including death by a signal
	Nonzero bool  // any exit code but 0
}

// OutputMatcher asserts on captured output. A nil *OutputMatcher asserts
// nothing; every field set must hold.
type OutputMatcher struct {
	Pos         Pos
	Contains    []string // templates
	NotContains []string // templates
	Equals      *string  // template
	Re          string   // template
	Empty       *bool
	Lines       *int
	JSON        []JSONCheck // json:, in the order written
	EqualsFile  string      // template: a golden file, relative to the script's directory
	// predicate says the matcher asks a question (if:, retry's when:)
	// rather than checks: --update rewrites no golden file of it.
	predicate bool
}

// templates returns the command's templates.
func (c Command) templates() []string { return append(append([]string(nil), c.Argv...), c.Shell) }

// templates returns the templates of m's checks; none when m is nil.
func (m *OutputMatcher) templates() []string {
	if m == nil {
		return nil
	}
	ts := append(append([]string{m.Re}, m.Contains...), m.NotContains...)
	if m.Equals != nil {
		ts = append(ts, *m.Equals)
	}
	for _, ch := range m.JSON {
		ts = append(append(ts, ch.Expr), jsonTemplates(ch.Want)...)
	}
	if m.EqualsFile != "" {
		ts = append(ts, m.EqualsFile)
	}
	return ts
}

// kvTemplates returns the value templates of kvs.
func kvTemplates(kvs []KV) []string {
	ts := make([]string, len(kvs))
	for i, kv := range kvs {
		ts[i] = kv.Value
	}
	return ts
}
