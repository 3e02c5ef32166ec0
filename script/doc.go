// Package script is drover's script language: a YAML file that says which
// programs to start, what to type into them, what to wait for and how they
// must end. [Parse] turns a file into a validated [Script]; the interpreter
// runs it.
//
// # Files
//
// A script is one YAML document, a mapping with these keys:
//
//	name: nslookup answers     # default: the file's base name without .yaml
//	timeout: 30s               # the whole script; default 10m
//	env: {LC_ALL: C}           # added to every process's environment
//	vars: {port: "5353"}       # variables, ${port}
//	matrix:                    # one job per combination of values
//	  host: [a.example.test, b.example.test]
//	  csv: cases.csv           # one more axis: the rows of a CSV file
//	  exclude: [{host: b.example.test, name: www}]
//	  include: [{host: c.example.test, name: mail}]
//	locks: [dns-port]          # jobs sharing a lock never run at once
//	setup: [...]               # run once before the jobs, shared by them
//	import: [lib/login.yaml]   # files whose define: groups call may run
//	define: {NAME: {params: [...], steps: [...]}}
//	steps: [...]               # required, at least one step
//	finally: [...]             # steps run even when a step failed
//	skip: flaky on CI          # skip every job, with this reason
//	requires: {os: [linux], programs: [jq, "${client}"]}  # else skip
//	files: {conf/app.ini: "port = ${port}"}  # written in ${work} first
//
// Unknown keys are errors, and so are values of the wrong type: a list
// where a duration is wanted, "yes" where true or false is. Keys that
// hold a mapping or a list (env, vars, matrix, finally) may be left empty.
// Values of vars, env and matrix may be written as numbers or booleans;
// they are kept as text, exactly as written ("05" stays "05").
//
// A file that is not valid YAML, holds a second document (after ---) or
// nothing at all is an error. Anchors, aliases and merge keys work
// (spawn: {<<: *server, name: b}), within limits: aliases may expand to at
// most 100,000 nodes and 1 MB of text, an alias may not sit inside its own
// anchor's value, and lists and mappings nest at most 100 deep. The same
// key twice in one mapping is an error.
//
// # Skips
//
// A job that its script's skip: or requires: skips runs nothing: [Job.Run]
// returns a [Skipped] result whose Reason says why and whose SkipPos is
// the key that says it, before the script's setup: starts (so a setup
// whose jobs all skip never runs). skip: is the reason, a template; one
// that expands to nothing runs the job, so that a matrix can skip some
// combinations. requires: os: lists Go's names of operating systems
// (GOOS; an unknown one is an error when parsed); on another, the job is
// skipped ("requires linux or darwin, not windows"). requires: programs:
// are templates, each looked up in the PATH of the job's processes (the
// script's env: included); a missing one skips the job ("requires jq, not
// installed"), and [Script.Preflight] does not report a program that
// requires: names literally. [Options.NoSkip] (drover run --no-skip) fails
// such a job instead, saying which skip it was.
//
// # Matrix
//
// Each key of matrix is an axis, a variable and its non-empty list of
// values, but three. csv names a CSV file, relative to the script's
// directory, whose header row names variables: it is one more axis, the
// last, whose values are its rows (at most 64 MiB; a UTF-8 byte order mark
// is skipped; a row of another length than the header is an error at the
// row's file:line). The axes make one combination per choice of a value
// of each, the last varying fastest. exclude, a list of mappings of axes
// or columns to values they have, removes every combination that has all
// the values of one entry. include, a list of mappings, then extends, in
// order, every combination that agrees with an entry on the axes and
// columns it names, adding its other variables (replacing what an
// earlier entry added); an entry that extends none is a job of its own,
// with only its values, after the combinations. A matrix of include alone
// is one job per entry. The whole may make at most 100,000 jobs and at
// least one, counted without making any; the entries may select at most
// 10,000,000 combinations in all. Jobs are named "name [k=v ...]", their
// values in the order the matrix first names them. A --var of a matrix
// variable sets it in every job. Of an axis, only the jobs the matrix
// makes with that value are left: an include entry with another value of
// the axis neither extends a job nor is one. A value the matrix names
// nowhere is the axis's only one. A csv column or include key takes the
// value in every job, and jobs left alike run once.
//
// # Errors
//
// Parse reports every problem it finds, sorted by position, as an
// [ErrorList] of [*Error] (at most 20; with more, the last says so), each
// printed as
//
//	file:line:col: step: what is wrong and what was wanted
//
// The position is that of the value at fault, or of the step's key when
// the step as a whole is. An unknown step kind suggests the nearest known
// one ("did you mean "expect"?").
//
// A parsed step is a value of one of the step types ([Send], [Expect],
// ...), behind the [Step] interface. As a script of a hundred thousand
// steps holds that many, the settings few steps set are apart: the Extra
// of a [Send], an [Expect] or a [Pattern] is nil unless one of them is
// set ([SendExtra], [ExpectExtra], [PatternExtra]), and a [Pos] counts its
// lines and columns in 32 bits.
//
// # Steps
//
// Each step is a mapping with one key, the step's kind. A scalar value is
// the short form; a mapping is the long form with the keys listed.
// Timeouts and the like are Go durations greater than 0: 500ms, 10s,
// 1m30s.
//
// run starts a command and waits for it to end. Short form: a list (the
// argv, no shell) or a string (a shell command line, run by sh -c). Long
// form: cmd (a list; a string is an error, use shell), shell, stdin, env,
// dir, tty (default false), timeout (default: none beyond the script's),
// exit, stdout, stderr (not with tty: true, where stderr is the terminal)
// and capture (a variable that receives stdout, trailing newlines
// trimmed; or, on JSON output, {var: JQ-EXPR}: each variable receives the
// one value its jq expression yields, a string as it is and any other
// value as compact JSON, keys sorted). Exactly one of cmd and shell.
//
// spawn starts a process in the background for later steps to drive.
// Short form: a list (argv) or a string (shell). Long form: name, cmd,
// shell, env, dir, tty (default true), stderr: pipe (under a tty, keep
// stderr apart on its own pipe), stdin_from (the name of a process spawned
// before with tty: false, whose stdout feeds this one's stdin) and size
// (ROWSxCOLS such as 24x80, each 1 to 1000, only with a tty). The name
// defaults to the base name of argv[0], or sh for a shell line; names are
// letters, digits, _, . and -. Spawning a name again replaces the process
// under that name.
// fail_on (Expect's expect_before) is a list of texts or mappings with
// text or re: output that fails the job at once when an expect on the
// process sees it, on any stream the expect reads, naming the pattern and
// showing its line; a pattern of the expect starting at the same place or
// earlier wins. Output no expect consumed stays for the next one to see.
// prompt (text or a mapping with text or re) is the program's prompt: an
// expect whose patterns have not matched when the program prints it again
// and waits there fails at once. Only a prompt printed after the last
// send, with nothing after it for 50ms, counts: the prompt the program
// waited at when the line was sent never does, nor one that the echo of a
// line typed ahead follows. An expect that
// awaits the prompt itself (a text the prompt holds or its re matches, or
// a re that matches the prompt's text) is not cut short by it; one with a
// timeout branch takes that branch.
//
// expect waits until the process's output matches. Short form: text, a
// substring. Long form: exactly one of text, re (a Go regular expression,
// RE2 syntax), eof: true and any (a list of alternatives), plus stream
// (stdout, the default, stderr or both), capture (with re: names for its
// groups, in order; a single name may be written without a list), timeout
// (default 10s), idle_timeout, before and on. before: NAME sets the
// variable to the output consumed before the match (pexpect's .before);
// beside eof: true it is an error. Each alternative of any is text, or a
// mapping with exactly one of text, re, eof and timeout: true, an optional
// capture, and then: steps run only when that alternative matched first.
// The timeout alternative, at most one, runs when nothing matched by the
// step's timeout or idle_timeout, instead of failing; before then holds
// the output left unconsumed. Outside any, timeout is a duration. A regular expression without
// ${...} is compiled when the script is parsed, so a bad one is reported
// then, and so are more capture names than it has groups. Empty text is an
// error: it would match at once.
//
// expect: {echo: off} waits, instead of for output, until the process's
// terminal stops echoing input, which a program reading a password does
// before it reads (text sent earlier would be echoed, or flushed); echo:
// on waits until it echoes again. It takes timeout and on only, and reads
// no output (fail_on and prompt do not apply); it fails at once on a
// process on pipes (drover check warns), and when the process exits
// first. The terminal's modes change without an event to wait on, so this
// expect reads them every 5ms (exec.EchoPoll).
//
// send writes to the process. Short form: text, followed by Enter (\r on a
// tty, \n on pipes); send: "" sends just Enter, while a missing value is
// an error. Long form: exactly one of text, raw (no Enter added), control
// and eof: true (close stdin, ^D on a tty), plus secret: true (never
// printed or reported: the value, and every run of 8 or more of its
// characters, is masked in every output; each variable in the text is
// secret for the whole job, from its first byte, in the forms its filters
// make of it too) and on. control is a letter (c sends ^C, case does
// not matter) or one of @ [ \ ] ^ _ and ?, optionally written with a
// leading ^ (^C): its caret name. The byte sent is the character's code
// AND 0x1f, and 0x7f (DEL, what Backspace sends) for ?. In the parsed Send
// it is both Control and a Raw Text of that one byte. hex sends exact
// bytes, given as pairs of hex digits (80ff1b, spaces between pairs
// allowed), decoded when the script is parsed: no ${...}, no Enter;
// secret: true masks them as it masks text. pace
// (a duration, with text, raw or hex) pauses between characters (runes;
// bytes for hex) and before the Enter, as a slow typist, for programs
// that drop input typed ahead; the script's timeout or Ctrl-C cuts it
// short.
//
// wait waits for the process to end. Short form: nothing (- wait:), exit
// 0 within 10s. Long form: exit (a code 0-255, a list of codes, nonzero or
// any; default 0), signal (the process must die of it; not with exit),
// timeout (default 10s), stdout and stderr (checks on the output no expect
// consumed) and on.
//
// signal sends a signal to the process's group. Short form: the name.
// Long form: sig, on. Names are those of every signal the system has,
// with or without SIG, in any case: TERM, SIGTERM and term are the same.
// On Linux they are HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2
// PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM
// PROF WINCH IO PWR SYS; other systems have their own (macOS and the BSDs
// add EMT and INFO and lack STKFLT), and a script that names a signal its
// system lacks is an error there; drover schema lists this system's.
// wait's signal takes the same names.
//
// resize gives the process's terminal a new size. Short form: ROWSxCOLS
// (each 1 to 1000). Long form: size, on. The process's foreground group
// gets SIGWINCH; a .cast recording gets a resize event. A process on
// pipes has no terminal: it fails (drover check warns).
//
// terminate ends a process's whole tree: SIGHUP first under a tty (and
// 0.1s to exit), SIGTERM, then SIGKILL after a grace period. Short form:
// nothing (the last process spawned) or a process name. Long form: on,
// grace (default 5s; signal: KILL kills at once).
//
// wait_port waits until a TCP connection succeeds. Short form: host:port.
// Long form: addr, timeout (default 10s). An address without ${...} must
// be host:port with a port from 1 to 65535.
//
// free_port picks a port of 127.0.0.1 that is free for both TCP and UDP
// and sets the variable it names, so that jobs running side by side can
// each start their own server. Two jobs of one drover never get the same
// port.
//
// sleep pauses for a duration (0s or more). log prints its text for the
// reader of a runbook: in the job's result, and to Options.Live as it
// happens.
//
// confirm asks its text, followed by " [y/N] ", on Options.Terminal
// (drover's own, taken by one job at a time) and reads a line: y or yes,
// in any case, goes on; anything else, or the end of input, fails the job
// with "not confirmed: TEXT". Options.Yes (--yes) answers yes without
// asking, noting it in the job's log. Without a terminal and without Yes
// it fails at once.
//
// ask sets the variable var (which it declares; one of vars: or matrix:
// is an error) to a line read on the terminal after its prompt (default
// "var: "); with secret: true the terminal does not echo it and the
// variable is secret for the whole job from its start, as one feeding a
// secret send. A value of Options.Vars (--var) for it answers without
// asking; without a terminal and without one, it fails at once.
//
// interact hands drover's own terminal (Options.Terminal, taken with
// Acquire) to a process under a tty: the operator's keys go to it, its
// raw output to the terminal, which is in raw mode meanwhile and restored
// however the step ends. Short form: nothing (- interact:). Long form:
// escape (a key written with a caret, ^] by default; it ends the step and
// is not sent), until (text or {text: ...} or {re: ...}: ends the step
// when the output shows it, consumed up to the end of the match),
// optional (without a terminal, skip the step with the log line
// "interact skipped: no terminal" instead of failing) and on. The
// process's exit ends it too, and the step passes: a later wait checks
// the exit. Output shown during interact counts as consumed. The keys
// typed are recorded in the log and the .cast, but those typed while the
// process's terminal did not echo, which are written as ******.
//
// retry runs its steps again, from the first, when one fails: attempts
// (in all, 2 to 1000), delay, steps; run's retry: takes attempts and
// delay. Both take when:, which retries only the failures it matches,
// every key given holding: exit (the failed program's exit status, as
// run's exit:), stdout and stderr (output checks on what the failed
// step's program last printed; for an expect, stdout is what it read) and
// error (an output check on the failure's message). A failure it does
// not match fails at once.
//
// call runs a group of define: as if its steps were written in its
// place: short form, the group's name; long form, name and with (a value
// for each of the group's params, each a template of the caller). The
// group's steps act on the caller's processes and what they capture is
// the caller's after the call; the params are variables within the group
// only. A call is checked where it is, the group's steps with the
// caller's variables and processes and its params: a param missing or
// unknown, an undefined group and a group calling itself are errors, and
// an error inside a group is reported at the call, naming the step in
// the group at its own file:line:col. import: names files, relative to
// the importing one, holding define: (and import:) only; an import cycle
// or a missing file is an error.
//
// each runs its steps (required) once per item, in order, in the same
// job. The items come from exactly one of in (a list of texts, or of
// mappings with the same keys), lines (a file, one item per line that is
// not blank), csv (a file whose header row names the variables, one item
// per row) and split (a template, one item per line of its value at run
// time). Files are relative to the script's directory, read when the
// script is parsed (at most 16 MiB and 100,000 items), and their names
// cannot hold ${...}; a row with more or fewer fields than the header is
// an error naming the csv's line. An item that is text sets the variable
// as names (default item); a mapping or a row sets one variable per key,
// and as is an error there. ${each.index} counts from 0. The item's
// variables and ${each.index} hold inside the steps only; what the steps
// capture holds after the loop. A failure inside names the item first:
// "each[37] host=api: file:line:col: step: ...".
//
// if takes a condition: var, a variable defined before (or each.index,
// match.index, env.NAME), and the keys of
// an output check (contains, not_contains, equals, re, empty, lines, json; at
// least one, all of which must hold) applied to its value. then (required)
// and else are keys beside if, in the same mapping, the one step with
// more than one key; then runs when the condition holds, else otherwise,
// and what either defines is defined after the step. assert takes the same
// condition and fails unless it holds, with the value (masked if secret)
// and what was wanted. fail fails the job with its text, a template.
//
// A condition may check a file instead: file (a template; relative to
// the script's directory, ${work}/NAME in the work directory) in place of
// var, with exists (true or false) or the output checks on its content
// (which it must then exist for; at most 64 MiB is read).
//
// # The work directory
//
// Every job has ${work}, a fresh directory of its own (os.MkdirTemp,
// 0700), removed when the job ends: after finally:, and after its
// processes are terminated. It is made when a template first looks it
// up, or at the job's start with files: or KeepWork: a job that never
// uses it makes none, and its [Result].Vars have no work. [Options].KeepWork keeps it, and
// [Result].Work names it. setup: has a ${work} of its own, removed when
// its processes end. files:, beside steps, maps paths to contents
// (templates) written there before the steps, 0644, directories made as
// needed, never through a symbolic link; a path is literal text, relative
// and without .., or Parse reports it. Processes still start in the
// script's directory: dir: ${work} runs one in the work directory.
//
// # Setup
//
// setup: runs once for all the jobs of a script (those selected), before
// the first of them, with vars:, --var and the environment but not the
// matrix (a matrix value there is an error). What it defines (captures,
// free_port) is a variable of every job; the processes it spawns live
// until the last of those jobs ends, when they are terminated with their
// trees, and a job may not act on them (an error naming the process). If
// setup fails, every job fails with its error and none runs. [Job.Setup],
// from [ShareSetups], says which setup a job shares.
//
// Steps that act on a process (expect, send, wait, signal, terminate) take
// the last process spawned unless on names one; either way a spawn must
// come before them in the script (finally: may use any process spawned in
// steps).
//
// # Output checks
//
// The stdout and stderr keys of run and wait take a string, which the
// output must contain, or a mapping whose every key must hold: contains
// and not_contains (a string or a list), equals (trailing newlines aside,
// as a YAML block scalar adds one), re (multi-line: ^ and $ match at each
// line's start and end) and lines (the number of lines, 0 or more),
// empty (true or false), and equals_file (a golden file, relative to the
// script's directory, the output equals as equals does, with a unified
// diff on mismatch). wait checks the output no expect consumed.
// [Options].Update rewrites a golden file whose check fails, or creates a
// missing one, atomically (a temporary file renamed over it), instead of
// failing, and [Result].Updated names it; an if: or a retry's when: only
// compares. Jobs of one run that share a golden file must print the same.
// [Script.Goldens] reports the golden files that are missing.
// contains, not_contains and lines see all of it, even what was dropped
// past the 4 MiB kept (for wait, with the values its variables have when
// the process is spawned; a text changed later cannot be judged on dropped
// output, and fails saying so); equals, re and json fail when output was
// dropped.
//
// json maps jq expressions (github.com/itchyny/gojq) to the values they
// yield on the output read as one JSON document, compared as JSON: by type
// (42 is not "42"), objects whatever their key order, arrays in order,
// numbers by value as in jq (1 is 1.0), a missing key as null (has("k")
// tells them apart). An expression that yields other than one value is
// compared, as the list of its values, with a list, and fails otherwise.
// Each expression is compiled when the script is parsed, one with ${...}
// when the step runs. Output that is not one JSON value fails, showing its
// start quoted.
//
// # Matching
//
// Each expect consumes the output up to the end of its match; the next
// one starts after it. With any:, the pattern whose match starts first
// wins, and of two starting at the same place the first listed. Output
// is scanned as it arrives, each byte once: a regular expression match
// may span at most 64 KiB, however the output arrived (an anchored one, ^
// or \A, matches only at the start of the unconsumed output); a failure
// for want of a shorter match says so. A timeout or an interrupt stops
// even a costly regular expression at once. Under a tty, matching sees
// "\r\n" folded to "\n", ANSI escape sequences removed and no "\r" at
// the start of a line, and the text of a pattern is folded the same way.
// A process keeps at most 4 MiB of output no expect consumed; past that
// the oldest is dropped.
//
// # Processes
//
// Processes start in the directory that holds the script; a relative dir
// is taken from there too. A program, and sh for a shell command, is
// looked up in the PATH of its own environment: the one env sets (the
// script's or the step's), else drover's. Under a tty, TERM is "dumb"
// unless env sets it, so that programs print plain text wherever drover
// runs. Every process runs in a session and a process group of its own;
// on pipes it has no controlling terminal, so a program that opens
// /dev/tty to prompt (ssh, sudo) fails at once instead of waiting for its
// timeout. signal and terminate reach the whole group, and at the end of
// the script every process still running is terminated with its group.
//
// # Variables
//
// Text values are templates: ${name} is replaced by a variable, ${env.NAME}
// by an environment variable, and $$ by one $. A $ followed by anything
// else is kept as it is, so shell lines such as "echo $HOME" need no
// escaping; but ${HOME} in a shell line means drover's variable, and the
// shell's is written $${HOME}. An unterminated ${ or a name that is not
// letters, digits and _ (joined by dots, as in env.HOME) is an error.
//
// A filter quotes a value for where it goes: ${host|re} inside a regular
// expression (regexp.QuoteMeta: it matches the value literally),
// ${file|sh} inside a shell line (one word in POSIX single quotes, so a
// captured value can never run a command) and ${name|json} as a JSON
// string with its quotes (control characters escaped, invalid UTF-8 as
// U+FFFD). Filters apply left to right (${body|json|sh}) and work on
// ${env.NAME} too; an unknown filter is an error. Parse reckons a
// filtered value at the most the filter can make of it: |sh 4 bytes a
// byte, |json 6, |re 3.
//
// Variable names are letters, digits and _, not starting with a digit;
// env, match, each and work are reserved. Variables come from vars (whose values may
// use the environment, matrix names and the vars before them), matrix (its
// axes, csv columns and include keys; a name may not be in vars too), the
// capture of run and expect, the before of expect, and
// ${match.index}, which an expect with any: sets to the number of the
// alternative that matched, from 0. Which fields are templates: the
// arguments and shell line of run and spawn, stdin, dir, the values of
// env and vars, the text and re of expect, the text and raw of send, the
// output checks, the address of wait_port and the text of log. Matrix
// values, names, durations and numbers are not templates.
//
// Every ${name} must be defined before the step that uses it, in the
// order of the file: by vars or matrix, or by a capture in an earlier
// step. A value may be at most 1 MiB once expanded: Parse reports a
// template that the values of vars and matrix would make longer, and a
// step whose variables (a capture) make one longer fails. A matrix may
// make at most 100,000 jobs. A capture inside a then: branch counts as defined inside that
// branch after it, and after the expect step; ${match.index} likewise
// after an expect with any:. The steps of finally: may use whatever any
// step defines. An undefined name is an error that lists the names that
// are defined there.
package script
