//go:build !linux

package exec

import "os"

// childPipe returns a pipe for a child, as os.Pipe makes it. (Linux's
// pipes_linux.go keeps the child's end off the poller.)
func childPipe(bool) (r, w *os.File, err error) { return os.Pipe() }
