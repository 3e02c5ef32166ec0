package script

import (
	"fmt"
	"regexp"
	"time"
)

// Pos is a position in a script file. Line and Col count from 1; the zero
// Pos means "no position" and prints as the file name alone.
type Pos struct {
	File string
	Line int
	Col  int
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

// Step is one step of a script. Its concrete type is one of *Run, *Spawn,
// *Expect, *Send, *Wait, *Signal, *Terminate, *WaitPort, *FreePort,
// *Retry, *Sleep and *Log.
type Step interface {
	// Position is where the step starts in its file.
	Position() Pos
	// Kind is the step's key, such as "expect".
	Kind() string
}

// Command is what a run or spawn step starts: an argv (no shell) or a shell
// string run by sh -c. Exactly one of Argv and Shell is set.
type Command struct {
	Argv  []string // templates
	Shell string   // template
}

// Run starts a command, feeds it stdin, waits for it and checks its exit
// status and output.
type Run struct {
	Pos     Pos
	Cmd     Command
	Stdin   *string // template; nil means no input (stdin is /dev/null)
	Env     []KV
	Dir     string // template
	TTY     bool   // default false
	Timeout time.Duration
	Exit    ExitSpec
	Stdout  *OutputMatcher
	Stderr  *OutputMatcher
	Capture string        // name of a variable that receives stdout, trailing newlines trimmed
	Retry   *RetrySpec    // run again on failure; nil means once
	MaxDur  time.Duration // max_duration: fail if it took longer; 0 means no limit
}

// RetrySpec says how often to try a step, or a group of steps, again.
type RetrySpec struct {
	Attempts int           // in all, first try included; at least 2
	Delay    time.Duration // between attempts
}

// Retry runs a group of steps again, from the first, when one fails:
// a flaky part of a runbook retried on purpose. Processes the group
// spawned in a failed attempt are terminated before the next.
type Retry struct {
	Pos   Pos
	Spec  RetrySpec
	Steps []Step
}

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
	Dir          string // template
	TTY          bool   // default true
	StderrPipe   bool   // stderr: pipe
	StdinFrom    string // name of a process whose stdout feeds this one's stdin
	Rows, Cols   int    // size: RowsxCols; zero means 24x80
}

// Pattern is one thing an expect step waits for: exactly one of Text, Re
// and EOF is set.
type Pattern struct {
	Pos     Pos
	Text    string         // template, a substring
	Re      string         // template of a regular expression
	Regexp  *regexp.Regexp // Re compiled at parse time when it holds no ${...}
	EOF     bool
	Capture []string // variable names for Re's groups, in order
	Then    []Step   // steps run only when this pattern matched (any: only)
}

// Expect waits until output matches one of its patterns. With a single
// pattern (text, re or eof) Any is false; with any: each Pattern is one
// branch.
type Expect struct {
	Pos      Pos
	Patterns []Pattern
	Any      bool
	Stream   string // "stdout" (default), "stderr" or "both"
	Timeout  time.Duration
	Idle     time.Duration // idle_timeout: fail when no output arrives for this long
	On       string
}

// Send writes to a process's stdin (or its terminal).
type Send struct {
	Pos     Pos
	Text    string // template; a newline follows unless Raw
	Raw     bool   // raw: no newline is added
	Control byte   // control: a letter; the byte sent is letter&0x1f
	EOF     bool   // close stdin, or ^D on a tty
	Secret  bool
	On      string
}

// Wait waits for a process to exit and checks its status and the output no
// expect consumed.
type Wait struct {
	Pos     Pos
	Exit    ExitSpec
	Signal  string // TERM, KILL, ...: the process must die of it
	Timeout time.Duration
	Stdout  *OutputMatcher
	Stderr  *OutputMatcher
	On      string
	MaxDur  time.Duration // max_duration: fail if the exit took longer to come
}

// Signal sends a signal to a process's whole group.
type Signal struct {
	Pos Pos
	Sig string // without SIG, upper case: TERM, INT, HUP, ...
	On  string
}

// Terminate ends a process's whole tree: SIGHUP under a tty, SIGTERM,
// then SIGKILL after Grace.
type Terminate struct {
	Pos   Pos
	On    string
	Grace time.Duration // default 5s
}

// WaitPort waits until a TCP connection to Addr succeeds.
type WaitPort struct {
	Pos     Pos
	Addr    string // template, host:port
	Timeout time.Duration
}

// FreePort picks a port on 127.0.0.1 that is free for both TCP and UDP
// and sets the variable Var to it, so that jobs running side by side can
// each start their own server.
type FreePort struct {
	Pos Pos
	Var string
}

// Sleep pauses the script.
type Sleep struct {
	Pos Pos
	D   time.Duration
}

// Log prints a message for a runbook's reader.
type Log struct {
	Pos  Pos
	Text string // template
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
}

// Position and Kind implement Step.

func (s *Run) Position() Pos       { return s.Pos }
func (s *Spawn) Position() Pos     { return s.Pos }
func (s *Expect) Position() Pos    { return s.Pos }
func (s *Send) Position() Pos      { return s.Pos }
func (s *Wait) Position() Pos      { return s.Pos }
func (s *Signal) Position() Pos    { return s.Pos }
func (s *Terminate) Position() Pos { return s.Pos }
func (s *WaitPort) Position() Pos  { return s.Pos }
func (s *FreePort) Position() Pos  { return s.Pos }
func (s *Retry) Position() Pos     { return s.Pos }
func (s *Sleep) Position() Pos     { return s.Pos }
func (s *Log) Position() Pos       { return s.Pos }

func (*Run) Kind() string       { return "run" }
func (*Spawn) Kind() string     { return "spawn" }
func (*Expect) Kind() string    { return "expect" }
func (*Send) Kind() string      { return "send" }
func (*Wait) Kind() string      { return "wait" }
func (*Signal) Kind() string    { return "signal" }
func (*Terminate) Kind() string { return "terminate" }
func (*WaitPort) Kind() string  { return "wait_port" }
func (*FreePort) Kind() string  { return "free_port" }
func (*Retry) Kind() string     { return "retry" }
func (*Sleep) Kind() string     { return "sleep" }
func (*Log) Kind() string       { return "log" }
