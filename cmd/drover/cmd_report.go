package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/script/report"
)

const reportUsage = `Usage: drover report merge -o FILE [--junit FILE] [--rerun REPORT]... REPORT...

Commands:
  merge   join JSON reports of drover run into one

Run "drover report merge --help" for its flags.
`

const mergeUsage = `Usage: drover report merge -o FILE [--junit FILE] [--rerun REPORT]... REPORT...

Joins the JSON reports (--report json=PATH) of the shards of one run
(--shard K/N on N machines) into one report, with every job once, and
writes it as JSON (-o) and JUnit XML (--junit). The summary is counted
again; its duration is the longest report's, the shards having run side
by side.

A job (its script file and its name, which holds its matrix values) in
two reports is an error (exit 1) naming it. Each report records its shard
and the number of jobs of its run: a shard missing or given twice, or
shards that do not add up to that number, is an error too (exit 1).
Reports that record no shard (a run without --shard) are merged as they
are, and a note says a missing one could not be told.

--rerun REPORT lays the report of "drover run --rerun-failed" over the
merge: each of its jobs replaces the job of the same file and name, which
must be in the reports (else exit 1); given again, later ones win. Its
duration is added to the summary's. -o may name one of the reports, to
update it in place.

A report that cannot be read, is not JSON or is not drover's is an error
naming it (exit 2). The files are written to a new file beside each path,
then renamed there: a symbolic link in the way is replaced, never written
through. The exit code says whether the merge succeeded, not whether the
jobs passed: 0 merged, 1 a duplicate or missing job or shard, 2 bad
usage or input.

Flags:
`

// cmdReport is "drover report".
func cmdReport(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "drover report: want a command: merge\n\n%s", reportUsage)
		return exitUsage
	}
	switch args[0] {
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, reportUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "drover report: unknown command %q: want merge\n\n%s", args[0], reportUsage)
	return exitUsage
}

// cmdMerge is "drover report merge".
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	var out, junit string
	var reruns []string
	var help bool
	fs := pflag.NewFlagSet("report merge", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVarP(&out, "output", "o", "", "write the merged JSON report to `FILE`")
	fs.StringVar(&junit, "junit", "", "also write it as JUnit XML to `FILE`")
	fs.StringArrayVar(&reruns, "rerun", nil, "lay the `REPORT` of a --rerun-failed run over the merge (repeatable, later ones win)")
	fs.BoolVarP(&help, "help", "h", false, "show this help")
	fs.Usage = func() {}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "drover report merge: "+format+"\n", args...)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return usageErr("%v\n\n%s%s", err, mergeUsage, fs.FlagUsages())
	}
	if help {
		fmt.Fprintf(stdout, "%s%s", mergeUsage, fs.FlagUsages())
		return exitOK
	}
	if out == "" {
		return usageErr("-o FILE is required\n\n%s%s", mergeUsage, fs.FlagUsages())
	}
	if fs.NArg() == 0 {
		return usageErr("no reports given\n\n%s%s", mergeUsage, fs.FlagUsages())
	}
	if junit != "" && samePath(out, junit) {
		return usageErr("-o and --junit both write %s", out)
	}
	read := func(paths []string) ([]report.Input, bool) {
		ok := true
		var ins []report.Input
		for _, p := range paths {
			in, err := report.Read(p)
			if err != nil {
				fmt.Fprintf(stderr, "drover report merge: %s\n", show(err.Error()))
				ok = false
				continue
			}
			ins = append(ins, in)
		}
		return ins, ok
	}
	base, ok1 := read(fs.Args())
	over, ok2 := read(reruns)
	if !ok1 || !ok2 {
		return exitUsage
	}
	merged, err := report.Merge(base, over)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "drover report merge: %s\n", show(line))
		}
		return exitFailed
	}
	merged.Version = version() // The drover that merged them.
	if !report.Sharded(base) && len(base) > 1 {
		fmt.Fprintln(stderr, "drover report merge: note: the reports record no shard (run without --shard): merged as they are; a missing one cannot be told")
	}
	if err := writeAtomic(out, func(w io.Writer) error { return report.WriteJSON(w, merged) }); err != nil {
		return usageErr("%v", err)
	}
	if junit != "" {
		if err := writeAtomic(junit, func(w io.Writer) error { return report.JUnitReport(w, merged) }); err != nil {
			return usageErr("%v", err)
		}
	}
	s := merged.Summary
	line := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	for _, c := range []struct {
		n    int
		what string
	}{{s.Stopped, "stopped"}, {s.Skipped, "skipped"}, {s.Interrupted, "interrupted"}} {
		if c.n > 0 {
			line += fmt.Sprintf(", %d %s", c.n, c.what)
		}
	}
	what := counted(len(base), "report")
	if len(over) > 0 {
		what += " and " + counted(len(over), "rerun")
	}
	fmt.Fprintf(stdout, "merged %s into %s: %d jobs, %s\n", what, show(out), len(merged.Jobs), line)
	return exitOK
}

// counted says n of a noun: "1 report", "2 reports".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// samePath reports whether two paths name one file.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// writeAtomic writes a file by writing a new file beside path, then
// renaming it there: a reader never sees half of it, and whatever had the
// name, a symbolic link included, is replaced, never written through.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name()) // Best effort: the error is reported.
		}
	}()
	err = write(f)
	if err == nil {
		err = f.Chmod(0o644) // A report holds no secret; CreateTemp makes 0600.
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapLink(err))
	}
	return nil
}
