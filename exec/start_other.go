//go:build !unix

package exec

import (
	"errors"
	"io"
	"os"
	osexec "os/exec"
	"runtime"
	"sync"
)

// This file is start_unix.go for systems without terminals or process
// groups, such as Windows: processes run on pipes only, and ending one
// ends that process, not the processes it started. Keep its pipe path in
// step with start_unix.go's.

// errNoTTY is the error of starting a process with Cmd.TTY here.
var errNoTTY = errors.New("tty: true is not supported on " + runtime.GOOS + "; use tty: false (pipes)")

// start starts c's process on pipes and the goroutines that read its
// output.
func start(c *Cmd) (*Process, error) {
	if c.TTY {
		return nil, errNoTTY
	}
	cmd := osexec.Command(c.Args[0], c.Args[1:]...)
	marker := newMarker()
	cmd.Env = markedEnv(c, marker)
	cmd.Dir = c.Dir
	p := &Process{
		cmd:       cmd,
		marker:    marker,
		tty:       false,
		grace:     c.grace(),
		waitDelay: c.waitDelay(),
		reaped:    make(chan struct{}),
	}
	if cmd.Err != nil {
		return nil, cmd.Err
	}
	if err := p.startPipes(c); err != nil {
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

func (p *Process) startPipes(c *Cmd) error {
	cmd := p.cmd
	var closeAfter []*os.File
	fail := func(err error) error {
		closeAll(closeAfter...)
		return err
	}
	var inW *os.File
	if c.Stdin != nil {
		var inR *os.File
		var err error
		if cmd.Stdin, inR, err = stdinFile(c.Stdin); err != nil {
			return err
		}
		closeAfter = append(closeAfter, inR)
	} else {
		inR, w, err := os.Pipe()
		if err != nil {
			return err
		}
		cmd.Stdin, inW = inR, w
		closeAfter = append(closeAfter, inR)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	closeAfter = append(closeAfter, outW)
	cmd.Stdout = outW
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(outR)
		return fail(err)
	}
	closeAfter = append(closeAfter, errW)
	cmd.Stderr = errW
	if err := launch(cmd); err != nil {
		closeAll(outR, errR, inW)
		return fail(err)
	}
	closeAll(closeAfter...)
	if inW != nil {
		p.stdin = inW
	}
	if c.StdoutPipe {
		p.stdoutR = outR
	} else {
		p.out = newStream(c.BufferSize)
		p.out.file = outR
		go p.out.read(outR, nil, observer(c, Stdout))
	}
	p.errs = newStream(c.BufferSize)
	p.errs.file = errR
	go p.errs.read(errR, nil, observer(c, Stderr))
	return nil
}

// launch starts cmd and records its pid among those os/exec waits for.
func launch(cmd *osexec.Cmd) error {
	starting.RLock()
	defer starting.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	waiting.Lock()
	waiting.pids[cmd.Process.Pid] = true
	waiting.Unlock()
	return nil
}

// stdinFile is as in start_unix.go: r itself if it is a file, else the
// read end of a pipe that a goroutine fills from r, also returned for the
// caller to close once the process has started.
func stdinFile(r io.Reader) (stdin io.Reader, pipe *os.File, err error) {
	if f, ok := r.(*os.File); ok {
		return f, nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	go func() {
		_, _ = io.Copy(pw, r) // A broken pipe once the process has gone: nothing to tell.
		_ = pw.Close()        // The process sees the end of r.
	}()
	return pr, pr, nil
}

func observer(c *Cmd, s Stream) func([]byte) {
	if c.Observe == nil {
		return nil
	}
	return func(b []byte) { c.Observe(s, b) }
}
