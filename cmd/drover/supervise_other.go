//go:build !linux

package main

import "os"

// supervise runs drover under a supervisor on Linux; see there. Here it
// reports that it cannot: drover runs as one process.
func supervise(map[os.Signal]bool) (code int, ok bool) { return 0, false }

// attachSupervisor reports whether this process is a supervisor's
// worker: never, here.
func attachSupervisor() bool { return false }

// workRoot is where the jobs' ${work} directories are made: "", the
// system's temporary directory, here.
var workRoot string
