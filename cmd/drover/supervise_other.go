//go:build !linux

package main

import "github.com/drover-dev/drover/cmd/drover/internal/launch"

// supervise runs drover under a supervisor on Linux; see there. Here
// launch never starts a worker: it is never called.
func supervise(*launch.Worker) int { panic("drover: no supervisor here") }

// attachSupervisor reports whether this process is a supervisor's
// worker: never, here.
func attachSupervisor() bool { return false }

// workRoot is where the jobs' ${work} directories are made: "", the
// system's temporary directory, here.
var workRoot string

// leave, at a worker's end, cleans its work root: never called here.
func leave(int) {}
