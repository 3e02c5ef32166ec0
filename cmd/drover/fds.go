package main

import (
	"fmt"
	"io"
)

// The descriptors a running job needs, counted from exec: a spawn under
// a terminal holds the master (dup'ed once while it is opened) and the
// slave until the program starts, a pipe for stderr apart, the pipe
// os/exec reports a failed exec on, and the pidfd it keeps: 8 at its
// start, 2 after it. A spawn on pipes holds 3 pipes (6 descriptors) while
// it starts, the exec pipe and the pidfd: 9, then 4 (6 when a flood on
// both of its outputs has them read in bulk, each with an eventfd of its
// own: exec/bulk_linux.go). A job rarely starts
// two programs at the same instant, and the transient ones of one job
// cover the lasting ones of another, so 9 a job, 2 more with
// --transcripts (its .log and .cast).
const (
	fdsPerJob        = 9
	fdsPerTranscript = 2
	// fdsReserve is what drover keeps for itself beyond what it holds at
	// the start: reports, the scripts' files read, a setup:'s processes,
	// /proc reads of the process trees, the supervisor's pipes, and the two
	// kept open once first needed (run steps' /dev/null, the children file
	// Terminate reads).
	fdsReserve = 32
)

// fitJobs returns how many jobs may run at once under a limit of limit
// open descriptors, of which open are in use already: at most want, at
// least 1. A limit of 0 is no limit.
func fitJobs(want int, limit, open uint64, transcripts bool) int {
	if limit == 0 || want <= 1 {
		return want
	}
	per := uint64(fdsPerJob)
	if transcripts {
		per += fdsPerTranscript
	}
	used := open + fdsReserve
	if limit <= used+per {
		return 1
	}
	if n := (limit - used) / per; n < uint64(want) {
		return int(n)
	}
	return want
}

// fitWorkers lowers workers, the jobs to run at once, to what the limit
// of open files allows (see fitJobs) and says so on stderr when it does.
// Go raises the soft limit to the hard one at the start of drover (and
// gives the programs drover starts the limit it was started with), so
// the hard limit is the one that counts; "ulimit -n" sets both.
func fitWorkers(workers, jobs int, transcripts bool, stderr io.Writer) int {
	want := min(workers, jobs)
	if want <= 1 {
		return want // Nothing to lower: no need to count the open files.
	}
	limit, open := openFiles()
	n := fitJobs(want, limit, open, transcripts)
	if n < want {
		fmt.Fprintf(stderr, "drover: %d open files allowed: running at most %d jobs at once instead of %d\n", limit, n, want)
	}
	return n
}
