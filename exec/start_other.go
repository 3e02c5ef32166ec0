//go:build !unix

package exec

import (
	"errors"
	"os"
	osexec "os/exec"
	"runtime"
	"sync"
)

// This file is start_unix.go for systems without terminals or process
// groups, such as Windows: processes run on pipes only, and ending one
// ends that process, not the processes it started. The pipe path is
// shared, in pipes.go.

// errNoTTY is the error of starting a process with Cmd.TTY here.
var errNoTTY = errors.New("tty: true is not supported on " + runtime.GOOS + "; use tty: false (pipes)")

// start starts c's process on pipes and the goroutines that read its
// output.
func start(c *Cmd) (*Process, error) {
	if c.TTY {
		return nil, errNoTTY
	}
	p, cmd, err := newProcess(c)
	if err != nil {
		return nil, err
	}
	if err = p.startPipes(c); err != nil {
		return nil, err
	}
	p.Pid = cmd.Process.Pid
	started.Lock()
	started.procs[p.Pid] = cmd.Process
	started.Unlock()
	register(p.Pid)
	return p, nil
}

// started is every process start started and no kill has found gone, by
// pid, for signalGroup: killing through the os.Process, which knows when
// its process has been waited for, never reaches a newer process that took
// the pid of a dead one.
var started = struct {
	sync.Mutex
	procs map[int]*os.Process
}{procs: map[int]*os.Process{}}

// ownGroup does nothing here: there are no process groups.
func ownGroup(*osexec.Cmd) {}
