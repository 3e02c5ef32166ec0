package exec

import (
	"context"
	"io"
	"os"
	"time"
)

// Cmd describes a process to start. The zero value is not runnable: Args
// must hold at least the program. A Cmd may be reused after Start.
type Cmd struct {
	// Args is the program and its arguments. Args[0] is looked up in PATH
	// when it holds no slash: the PATH Env sets, if it sets one, else this
	// program's (see LookPath).
	Args []string

	// Env is the environment, as KEY=VALUE strings. If nil, the process
	// gets drover's own environment. Either way MarkerVar is added.
	Env []string

	// Dir is the working directory. If empty, the process gets drover's.
	Dir string

	// TTY starts the process in a session of its own with a new
	// pseudo-terminal as its controlling terminal and its stdin, stdout and
	// stderr. Output read from the terminal is matched with "\r\n" folded
	// to "\n" and ANSI escape sequences removed.
	TTY bool

	// Rows and Cols are the terminal's size under TTY; zero means 24x80.
	Rows, Cols uint16

	// SeparateStderr, under TTY, gives stderr a pipe of its own instead of
	// the terminal, so that Expect can tell the two apart.
	SeparateStderr bool

	// Stdin, if not nil, is the process's standard input, for instance the
	// Stdout of another Process. Send then fails. An *os.File is passed
	// to the process as it is; another Reader is copied in by os/exec.
	Stdin io.Reader

	// StdoutPipe sends stdout (on pipes only) to a pipe whose read end
	// Process.Stdout returns, to feed another process; Expect cannot read
	// it then.
	StdoutPipe bool

	// Observe, if not nil, receives each chunk of raw output as it is read,
	// from the reader goroutine of its stream. It must not keep b.
	Observe func(s Stream, b []byte)

	// BufferSize bounds the unconsumed output kept per stream. Zero means
	// DefaultBufferSize.
	BufferSize int

	// Watch lists texts that Output.Contains must judge in all of each
	// stream's unconsumed output, the part dropped past BufferSize
	// included: they are looked for in those bytes as they are dropped.
	Watch []string

	// CountLines makes Output.Lines count the lines of the part dropped
	// past BufferSize too; without it, Lines cannot tell once bytes were
	// dropped. It costs a pass over those bytes.
	CountLines bool

	// Grace is how long Terminate and a cancelled Start context wait after
	// SIGTERM before SIGKILL. Zero means 5 seconds.
	Grace time.Duration

	// WaitDelay is how long Wait waits, after the process exited, for its
	// output to end: a grandchild may hold the pipe or terminal open. After
	// it, the output is closed. Zero means 1 second.
	WaitDelay time.Duration
}

// Start starts c. When ctx is done before the process ends, the process
// and its whole tree are terminated, as Terminate does with c.Grace. The
// returned Process must be waited for, or terminated, to release its
// resources. The process's environment gets MarkerVar.
func Start(ctx context.Context, c *Cmd) (*Process, error) {
	if len(c.Args) == 0 {
		return nil, &Error{Op: "start", Err: errNoArgs}
	}
	p, err := start(c)
	if err != nil {
		return nil, &Error{Op: "start", Name: c.Args[0], Err: err}
	}
	for _, st := range []*stream{p.out, p.errs} {
		if st != nil {
			st.setWatch(c.Watch, c.CountLines)
		}
	}
	p.stopAfter = context.AfterFunc(ctx, func() {
		p.ended.Store(true)
		_ = p.Terminate(context.Background(), p.grace)
	})
	go p.reap()
	return p, nil
}

func (c *Cmd) grace() time.Duration {
	if c.Grace > 0 {
		return c.Grace
	}
	return 5 * time.Second
}

func (c *Cmd) waitDelay() time.Duration {
	if c.WaitDelay > 0 {
		return c.WaitDelay
	}
	return time.Second
}

// closeAll closes files, ignoring nils.
func closeAll(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			_ = f.Close() // Best effort: the process is gone or never started.
		}
	}
}
