//go:build unix

package exec

import (
	"fmt"
	"os"
	osexec "os/exec"
	"syscall"

	"github.com/creack/pty"
)

// start starts c's process in a session of its own (with the terminal as
// its controlling one under a tty) and the goroutines that read its output.
func start(c *Cmd) (*Process, error) {
	p, cmd, err := newProcess(c)
	if err != nil {
		return nil, err
	}
	if c.TTY {
		err = p.startTTY(c)
	} else {
		err = p.startPipes(c)
	}
	if err != nil {
		return nil, err
	}
	p.Pid = cmd.Process.Pid
	register(p.Pid)
	return p, nil
}

func (p *Process) startTTY(c *Cmd) error {
	if c.StdoutPipe {
		return fmt.Errorf("stdout cannot feed another process under a tty")
	}
	master, slave, err := openPTY(c)
	if err != nil {
		return err
	}
	cmd := p.cmd
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	var inR *os.File // the read end of a pipe fed from c.Stdin
	if c.Stdin != nil {
		if cmd.Stdin, inR, err = stdinFile(c.Stdin); err != nil {
			closeAll(master, slave)
			return err
		}
	}
	var errR, errW *os.File
	if c.SeparateStderr {
		if errR, errW, err = os.Pipe(); err != nil {
			closeAll(master, slave, inR)
			return err
		}
		cmd.Stderr = errW
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if c.Stdin != nil {
		// The terminal is still the controlling one, through stdout.
		cmd.SysProcAttr.Ctty = 1
	}
	if err := launch(cmd); err != nil {
		closeAll(master, slave, errR, errW, inR)
		return err
	}
	closeAll(slave, errW, inR)
	if c.Stdin == nil {
		p.stdin = master
	}
	p.out = newStream(c.BufferSize)
	p.out.file = master
	go p.out.read(master, &cooker{}, observer(c, Stdout))
	if errR != nil {
		p.errs = newStream(c.BufferSize)
		p.errs.file = errR
		go p.errs.read(errR, nil, observer(c, Stderr))
	}
	return nil
}

// openPTY opens a terminal pair sized for c. The master is made
// non-blocking so that reads and writes honour deadlines and Close.
func openPTY(c *Cmd) (master, slave *os.File, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	rows, cols := c.Rows, c.Cols
	if rows == 0 {
		rows = 24
	}
	if cols == 0 {
		cols = 80
	}
	if err := pty.Setsize(m, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		closeAll(m, s)
		return nil, nil, err
	}
	// Under ForkLock, as package os makes its descriptors: a process that
	// another goroutine starts between the dup and the close-on-exec would
	// inherit the master, and hold that terminal open after its own
	// process is gone.
	syscall.ForkLock.RLock()
	fd, err := syscall.Dup(int(m.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	closeAll(m)
	if err != nil {
		closeAll(s)
		return nil, nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd) // Best effort.
		closeAll(s)
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), s, nil
}

// ownGroup puts a process started on pipes in a session of its own, and
// so in a process group of its own, so that signals and Terminate reach
// its children too. The session has no controlling terminal: a program
// that opens /dev/tty to prompt (ssh, sudo, gpg) fails at once (ENXIO)
// instead of being stopped by SIGTTIN, for good, at its first read of the
// terminal this program may have.
func ownGroup(cmd *osexec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
