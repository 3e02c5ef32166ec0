//go:build !linux

package early

// IsWorker reports whether this process is a supervisor's worker: never,
// here.
func IsWorker() bool { return false }
