// Command drover drives programs from YAML scripts: it starts them under a
// pseudo-terminal or on pipes, types into them, waits for what they print,
// checks how they exit, and fans scripts out across a pool of workers.
//
// Usage:
//
//	drover run [flags] FILE|DIR...
//	drover check FILE|DIR...
//	drover schema
//	drover completion bash|zsh|fish
//	drover record [-o FILE] -- CMD [ARG...]
//	drover report merge -o FILE [--junit FILE] REPORT...
//	drover version
//
// Run "drover help" or "drover COMMAND --help" for details.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
	"github.com/drover-dev/drover/exec"
)

// awaitSupervisor waits, in a worker, until it may start processes: its
// supervisor relays the stop signals, and the worker catches them (see
// attachSupervisor). drover run calls it before its jobs start, so that
// the parse of the scripts overlaps the wait. Elsewhere it returns at
// once.
var awaitSupervisor = func() {}

// Exit codes, as DESIGN.md fixes them.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	ignored := launch.IgnoredAtStart
	worker := attachSupervisor()
	if !worker && launch.Started != nil {
		os.Exit(supervise(launch.Started)) // Else there is none: do the work here.
	}
	// Linux: orphans of the scripts' processes come back to drover, to be
	// ended and reaped; elsewhere process groups do.
	_ = exec.BecomeSubreaper()
	if !worker {
		// A closed stdout (drover run | head) must not kill drover before
		// it ends its scripts' processes: with SIGPIPE caught, the write
		// fails with EPIPE instead. Caught, not ignored, so children still
		// get the default disposition. A worker has it caught before main
		// (launch.Caught).
		signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	}
	keepIgnored(ignored, worker)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	exec.KillAll() // What escaped every script's clean-up, such as a daemon with a cleared environment.
	if worker {
		leave(code)
	}
	os.Exit(code)
}

const usage = `drover drives programs from YAML scripts: it starts them under a
pseudo-terminal or on pipes, types into them, waits for what they print,
checks how they exit, and fans scripts out over a pool of workers.

Usage:
  drover run [flags] FILE|DIR...   run scripts (a DIR means its *.yaml)
  drover check FILE|DIR...         parse and validate only
  drover schema                    print the JSON Schema of the language
  drover completion bash|zsh|fish  print a shell completion script
  drover record [-o FILE] -- CMD   run CMD on this terminal and write the
                                   script that replays the session
  drover report merge -o FILE REPORT...
                                   join the JSON reports of shards into one
  drover version                   print the version

A FILE of - is a script read from stdin.

Run "drover COMMAND --help" for a command's flags.

Exit codes: 0 all passed, 1 some job failed, 2 usage error or invalid
script, 128+N stopped by signal N: 130 SIGINT (Ctrl-C), 143 SIGTERM,
129 SIGHUP, 131 SIGQUIT.
`

// run is the whole program, callable from tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdin, stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stdin, stdout, stderr)
	case "schema":
		return cmdSchema(args[1:], stdout, stderr)
	case "completion":
		return cmdCompletion(args[1:], stdout, stderr)
	case "record":
		return cmdRecord(args[1:], stdin, stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "drover", version())
		return exitOK
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run([]string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "drover: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// version is drover's version from the build info: the module version
// (v0.3.0 when built by go install ...@v0.3.0, "(devel)" from a checkout)
// then, when the build recorded it and the version does not already end
// in it, the VCS revision's first 12 hex digits, "+dirty" if the tree had
// changes: "(devel) 3bc8ef2a91c0+dirty".
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is version for one build info, nil for none.
func versionOf(bi *debug.BuildInfo) string {
	v := "(devel)"
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v = bi.Main.Version
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" || strings.Contains(v, rev) {
		// A pseudo-version (v0.0.0-20261130...-3bc8ef2a91c0+dirty)
		// names its revision already.
		return v
	}
	if dirty {
		rev += "+dirty"
	}
	return v + " " + rev
}
