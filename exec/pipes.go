package exec

import (
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
)

// newProcess prepares c's command, marked for the tree it will start, and
// the Process that will own it; the caller starts it.
func newProcess(c *Cmd) (*Process, *osexec.Cmd, error) {
	var cmd *osexec.Cmd
	if path, ok := envPath(c.Env); ok && path != os.Getenv("PATH") && filepath.Base(c.Args[0]) == c.Args[0] {
		// Looked up in the process's PATH, not this program's, as a shell
		// would and pexpect does (and only there: Command would look in
		// this program's too).
		lp, err := lookPath(c.Args[0], path)
		cmd = &osexec.Cmd{Path: c.Args[0], Args: c.Args, Err: err}
		if lp != "" {
			cmd.Path = lp
		}
	} else {
		cmd = osexec.Command(c.Args[0], c.Args[1:]...)
	}
	if cmd.Err != nil {
		return nil, nil, cmd.Err // Not found in PATH, say.
	}
	marker := newMarker()
	cmd.Env = markedEnv(c, marker)
	cmd.Dir = c.Dir
	return &Process{
		cmd:       cmd,
		marker:    marker,
		tty:       c.TTY,
		grace:     c.grace(),
		waitDelay: c.waitDelay(),
		reaped:    make(chan struct{}),
	}, cmd, nil
}

// startPipes starts p's command with stdin, stdout and stderr on pipes
// (or stdin from Cmd.Stdin), and the goroutines that read its output.
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
		inR, w, err := childPipe(false)
		if err != nil {
			return err
		}
		cmd.Stdin, inW = inR, w
		closeAfter = append(closeAfter, inR)
	}
	var outR, outW *os.File
	var err error
	if c.StdoutPipe {
		// Its read end goes to another process, for which os/exec makes
		// it blocking only if package os made it non-blocking itself.
		outR, outW, err = os.Pipe()
	} else {
		outR, outW, err = childPipe(true)
	}
	if err != nil {
		return fail(err)
	}
	closeAfter = append(closeAfter, outW)
	cmd.Stdout = outW
	errR, errW, err := childPipe(true)
	if err != nil {
		closeAll(outR)
		return fail(err)
	}
	closeAfter = append(closeAfter, errW)
	cmd.Stderr = errW
	ownGroup(cmd)
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

// launch starts cmd and records its pid among those os/exec waits for,
// holding the orphan reaper off in between: a child that exits at once
// must not look like an orphan to it.
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

// stdinFile returns the process's stdin for Cmd.Stdin r: r itself if it
// is a file; else the read end of a pipe that a goroutine fills from r,
// also returned for the caller to close once the process has started.
// Unlike os/exec's copy, Wait does not wait for that goroutine, so that a
// Reader that never ends cannot keep Wait or Terminate from returning; it
// ends with r, or at its next write once the process has gone.
func stdinFile(r io.Reader) (stdin io.Reader, pipe *os.File, err error) {
	if f, ok := r.(*os.File); ok {
		return f, nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	go func() {
		_, _ = io.Copy(pw, r) // EPIPE once the process has gone: nothing to tell.
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
