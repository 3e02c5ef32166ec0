package script

// This file holds the types of the language's keys and the forms that
// are not a step's: the top level, output checks, any:'s branches and
// run's retry:. Each step kind's key table is its stepSpec, in its
// step_KIND.go, listed by builtinKinds. The parser checks every mapping
// against these tables (a key they do not list is an error) and Schema
// describes every key from them, so that the two cannot drift apart; the
// tests give the parser and the schema the same values of each type and
// fail where they disagree.
//
// A key added to the parser must be added to its table, with its type:
// until then the parser itself rejects it as unknown.

// valueType is the type of a value as the parser reads it. Each is a
// $defs entry of the JSON Schema, described in schema.go.
type valueType string

// The value types.
const (
	tNull      valueType = "nothing"        // no value at all: "- wait:"
	tText      valueType = "text"           // any scalar but null, kept as written; a template
	tPattern   valueType = "pattern"        // text that is not empty: what expect waits for
	tNonBlank  valueType = "nonblank"       // text that is not blank
	tArgv      valueType = "argv"           // a non-empty list of texts; the first not empty
	tTexts     valueType = "texts"          // text or a non-empty list of texts
	tLocks     valueType = "locks"          // texts, or nothing
	tBool      valueType = "bool"           // true or false
	tTrue      valueType = "true"           // only true means something: eof: true
	tDuration  valueType = "duration"       // a Go duration greater than 0, such as 10s
	tDuration0 valueType = "duration0"      // a Go duration, 0 allowed
	tExit      valueType = "exit"           // an exit code, a list of them, nonzero or any
	tSignal    valueType = "signal"         // a signal name such as TERM
	tVarName   valueType = "var_name"       // a variable a script defines
	tCaptures  valueType = "captures"       // a variable name or a list of them
	tProcess   valueType = "process"        // the name of a process spawned before
	tProcName  valueType = "process_name"   // the name spawn gives a process
	tSize      valueType = "size"           // ROWSxCOLS
	tStream    valueType = "stream"         // stdout, stderr or both
	tPipe      valueType = "pipe"           // the word pipe
	tControl   valueType = "control"        // a control key such as c
	tAddr      valueType = "addr"           // host:port
	tLines     valueType = "lines"          // a line count
	tAttempts  valueType = "attempts"       // a number of attempts
	tEnv       valueType = "env"            // environment variables
	tVars      valueType = "vars"           // variables and their values
	tMatrix    valueType = "matrix"         // variables and their lists of values, and matrixForm
	tEntries   valueType = "matrix_entries" // a list of mappings of variables to values, or nothing
	tCSVFile   valueType = "csv_file"       // a CSV file, relative to the script's directory
	tSteps     valueType = "steps"          // a non-empty list of steps
	tStepList  valueType = "step_list"      // a list of steps, maybe empty or nothing
	tMatcher   valueType = "output_check"   // text, or a mapping of matcherForm
	tBranches  valueType = "any"            // a list of texts or mappings of branchForm
	tRetrySpec valueType = "retry_options"  // a mapping of retrySpecForm
	tItems     valueType = "each_items"     // a list of texts, or of mappings of texts
	tDataFile  valueType = "data_file"      // a file read when the script is parsed
	tVarRef    valueType = "var_ref"        // the name of a variable defined before
	tSeen      valueType = "seen"           // text, or a mapping of seenForm: one pattern
	tSeenList  valueType = "seen_list"      // a non-empty list of tSeen
	tRetryWhen valueType = "retry_when"     // a mapping of retryWhenForm
	tDefines   valueType = "define"         // group names and their defineForm
	tImports   valueType = "import"         // a file or a list of files, or nothing
	tGroup     valueType = "group"          // the name of a group of define:
	tJSON      valueType = "json_checks"    // a mapping of jq expressions to JSON values
	tCapture   valueType = "capture"        // a variable name, or a mapping of variables to jq expressions
	tRequires  valueType = "requires"       // a mapping of requiresForm
	tOSNames   valueType = "os_names"       // a GOOS name or a non-empty list of them
	tReason    valueType = "reason"         // text that is not blank, nor true or false
	tFiles     valueType = "files"          // relative paths under ${work} and their contents
	tGolden    valueType = "golden_file"    // a golden file, relative to the script's directory
	tHex       valueType = "hex"            // bytes as pairs of hex digits, such as 80ff1b
	tEcho      valueType = "echo"           // on or off
	tCaret     valueType = "caret_key"      // a control key written ^X, such as ^]
)

// field is a key of a mapping, the type of its value and what it means.
type field struct {
	name string
	typ  valueType
	doc  string
}

// form is a mapping with fixed keys, such as the long form of a step: its
// keys and the rules that tie them together.
type form struct {
	fields    []field
	oneOf     []string          // exactly one of these keys must be given
	atMostOne []string          // at most one of these keys may be given
	required  []string          // keys that must be given
	missing   map[string]string // what each required key is, for the message that it is missing
	needs     map[string]string // a key, and the key that must be beside it
	nonEmpty  bool              // an empty mapping is an error
}

// names returns the keys of f in order: those the parser accepts.
func (f *form) names() []string {
	names := make([]string, len(f.fields))
	for i, fl := range f.fields {
		names[i] = fl.name
	}
	return names
}

// typeOf returns the type of f's key name, or "" if f has no such key.
func (f *form) typeOf(name string) valueType {
	for _, fl := range f.fields {
		if fl.name == name {
			return fl.typ
		}
	}
	return ""
}

// stepSpec is one kind of step: the types of its short form and its long
// form.
type stepSpec struct {
	kind  string
	doc   string
	short []valueType // the types the short form may have; nil: none
	long  *form       // the long form; nil: none
}

// Keys that several forms share.
var (
	fCmd     = field{"cmd", tArgv, "the program and its arguments, a list (no shell)"}
	fShell   = field{"shell", tNonBlank, "a shell command line, run by sh -c"}
	fEnv     = field{"env", tEnv, "variables added to this process's environment"}
	fDir     = field{"dir", tText, "the working directory; relative to the script's directory"}
	fOn      = field{"on", tProcess, "the process to act on; default: the last one spawned"}
	fTimeout = field{"timeout", tDuration, "how long to wait; default 10s"}
	fMaxDur  = field{"max_duration", tDuration, "fail when it took longer than this"}
	fAttempt = field{"attempts", tAttempts, "how many times to try in all, the first included"}
	fDelay   = field{"delay", tDuration0, "the pause between attempts; default 0"}
)

// scriptForm is the top level of a script.
var scriptForm = form{
	fields: []field{
		{"name", tNonBlank, "the script's name in reports and for --run; default: the file's base name"},
		{"timeout", tDuration, "the time limit of the whole script; default 10m"},
		{"env", tEnv, "variables added to the environment of every process"},
		{"vars", tVars, "variables and their default values, as ${name}; --var name=value overrides"},
		{"matrix", tMatrix, "one job per combination of values; each key is a variable, but include, exclude and csv"},
		{"locks", tLocks, "names of locks: jobs that share a lock never run at once"},
		{"setup", tSteps, "steps run once before all the jobs; their processes live until the last job ends, their variables are every job's"},
		{"import", tImports, "files whose define: groups this script may call, relative to it"},
		{"define", tDefines, "named groups of steps with params, run by call"},
		{"steps", tSteps, "the steps, run in order; the first failure ends the script"},
		{"finally", tStepList, "steps that run even when a step failed or timed out"},
		{"skip", tReason, "the reason to skip the job: it is reported as skipped, with this reason, and nothing of it runs; --no-skip makes it a failure"},
		{"requires", tRequires, "what the job needs to run: os, programs; a job without it is skipped, saying what is missing"},
		{"files", tFiles, "files written under ${work}, the job's own directory, before the steps: paths relative to it, and their contents"},
	},
	required: []string{"steps"},
}

// matrixForm is the keys of matrix: that are not axes (each other key is
// a variable and its list of values).
var matrixForm = form{
	fields: []field{
		{"include", tEntries, "extra jobs: each entry adds its variables to the combinations that agree with it, or is a job of its own"},
		{"exclude", tEntries, "each entry removes the combinations that agree with it"},
		{"csv", tCSVFile, "a CSV file (relative to the script's directory) whose header names variables: one more axis whose values are its rows"},
	},
}

// matcherForm is the long form of an output check (stdout:, stderr:).
var matcherForm = form{
	fields: []field{
		{"contains", tTexts, "text the output contains, or a list of them"},
		{"not_contains", tTexts, "text the output does not contain, or a list of them"},
		{"equals", tText, "the output, exactly"},
		{"re", tText, "a regular expression the output matches"},
		{"empty", tBool, "the output is empty (true) or not (false)"},
		{"lines", tLines, "the number of lines of the output"},
		{"json", tJSON, "the output is one JSON document; each jq expression yields the value given, compared as JSON"},
		{"equals_file", tGolden, "a golden file (relative to the script's directory) the output equals, trailing newlines aside; drover run --update rewrites it"},
	},
	nonEmpty: true,
}

// branchForm is one alternative of expect's any: in its long form.
var branchForm = form{
	fields: []field{
		{"text", tPattern, "a substring to wait for"},
		{"re", tPattern, "a regular expression to wait for (RE2 syntax)"},
		{"eof", tTrue, "wait for the end of the output"},
		{"timeout", tTrue, "the branch taken when nothing matched by the expect's timeout; at most one"},
		{"capture", tCaptures, "variables for the groups of re, in order"},
		{"then", tStepList, "steps run only when this alternative matched first"},
	},
	oneOf: []string{"text", "re", "eof", "timeout"},
	needs: map[string]string{"capture": "re"},
}

// seenForm is a pattern of spawn's fail_on: and prompt: in its long form.
var seenForm = form{
	fields: []field{
		{"text", tPattern, "a substring"},
		{"re", tPattern, "a regular expression (RE2 syntax)"},
	},
	oneOf: []string{"text", "re"},
}

// retrySpecForm is the retry: key of a run step.
var retrySpecForm = form{
	fields:   []field{fAttempt, fDelay, fWhen},
	required: []string{"attempts"},
	missing:  map[string]string{"attempts": "how many times to try in all"},
}

// streams are the values of expect's stream:.
var streams = []string{"stdout", "stderr", "both"}

// The keys of the forms that are not a step's, in the order the parser's
// messages list them.
var (
	topKeys     = scriptForm.names()
	branchKeys  = branchForm.names()
	matcherKeys = matcherForm.names()
)
