package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/script"
)

const checkUsage = `Usage: drover check FILE|DIR...

Parses and validates scripts without running anything: unknown keys, wrong
types, bad durations and regular expressions, undefined variables and
processes, unknown filters (${x|sh}), a matrix of more than 100000 jobs
or of none (include:, exclude: and csv: counted), a csv: file missing or
with a ragged row, a value that would expand past 1 MiB, a call of an
undefined group or without its params, an import cycle or a missing
import, a job driving a process of setup:, a files: path outside
${work}, a golden file of equals_file: that is missing. Each error names
file:line:col (a CSV file's own, for a bad row). A FILE of - is a script
read from stdin, named <stdin>.

It also warns, as file:line:col: warning: ..., of what is valid but almost
certainly a mistake: a step that fails whenever it runs, so that the steps
after it never run (a send after the process ended or its stdin was
closed, an expect after the output ended or on a stream drover never
sees), a capture that no later step uses, a group of define: that no call
runs, and a regular expression that needs a "\r" next to a "\n" on a
terminal, whose output is matched with "\r\n" folded to "\n". Warnings do
not change the exit code.

Like drover run, it looks up every program a run or spawn names
literally in the PATH the process will get (the script's or the step's
env: PATH when it sets one): a missing one is an error at its step.

Exit codes: 0 all valid, 2 any error.

Flags:
`

// cmdCheck is "drover check".
func cmdCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "drover check: %v\n\n%s%s", err, checkUsage, fs.FlagUsages())
		return exitUsage
	}
	if *help {
		fmt.Fprintf(stdout, "%s%s", checkUsage, fs.FlagUsages())
		return exitOK
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "drover check: no scripts given\n\n%s%s", checkUsage, fs.FlagUsages())
		return exitUsage
	}
	scripts, code := loadFrom(fs.Args(), stdin, stderr)
	if code != exitOK {
		return code
	}
	code = exitOK
	for _, s := range scripts {
		for _, w := range s.Warnings() {
			fmt.Fprintln(stderr, script.VisibleLines(warning(w)))
		}
		// The same check as drover run's before anything starts: a
		// script that run refuses is not ok.
		if err := s.Preflight(nil); err != nil {
			printErr(stderr, err)
			code = exitUsage
			continue
		}
		if err := s.Goldens(); err != nil {
			printErr(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "ok  %s\n", s.File)
	}
	return code
}

// warning formats w as "file:line:col: warning: step: what".
func warning(w *script.Error) string {
	pos := w.Pos.String()
	return pos + ": warning: " + strings.TrimPrefix(w.Error(), pos+": ")
}

// stdinName is the file name of a script read from stdin. Its processes
// start in the current directory, filepath.Dir(stdinName).
const stdinName = "<stdin>"

// loadFrom expands the arguments into script files and parses them all;
// a "-" is the script on stdin. It prints every error and returns
// exitUsage if there is any.
func loadFrom(args []string, stdin io.Reader, stderr io.Writer) ([]*script.Script, int) {
	files, err := scriptFiles(args)
	if err != nil {
		fmt.Fprintf(stderr, "drover: %v\n", err)
		return nil, exitUsage
	}
	var scripts []*script.Script
	bad := false
	var size int64 // of the scripts read so far and the next, for tightenGC
	for _, f := range files {
		var s *script.Script
		if f == "-" {
			var src []byte
			if src, err = io.ReadAll(stdin); err != nil {
				err = fmt.Errorf("%s: %w", stdinName, err)
			} else {
				size += int64(len(src))
				tightenGC(size)
				s, err = script.Parse(stdinName, src)
			}
		} else {
			if fi, err := os.Stat(f); err == nil {
				size += fi.Size()
				tightenGC(size)
			}
			s, err = script.ParseFile(f)
		}
		if err != nil {
			printErr(stderr, err)
			bad = true
			continue
		}
		scripts = append(scripts, s)
	}
	if bad {
		return nil, exitUsage
	}
	return scripts, exitOK
}

// errNoScripts is the error of an argument that names no script.
var errNoScripts = errors.New("no scripts found")

// scriptFiles expands FILE, DIR and GLOB arguments: a directory stands
// for the *.yaml and *.yml files directly in it, in name order; a glob for
// the files it matches, in name order.
func scriptFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		if a == "-" {
			if slices.Contains(files, "-") {
				return nil, errors.New("- (stdin) is given twice")
			}
			files = append(files, a)
			continue
		}
		fi, err := os.Stat(a)
		if err != nil && strings.ContainsAny(a, "*?[") {
			// A glob the shell left alone, quoted: drover expands it.
			m, gerr := filepath.Glob(a)
			if gerr != nil {
				return nil, fmt.Errorf("%s: %v", a, gerr)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: %w", a, errNoScripts)
			}
			files = append(files, m...)
			continue
		}
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, err := filepath.Glob(filepath.Join(a, pat))
			if err != nil {
				return nil, err
			}
			found = append(found, m...)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: %w (a directory must hold *.yaml files)", a, errNoScripts)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}
