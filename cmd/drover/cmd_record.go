package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/exec"
	"golang.org/x/term"
)

const recordUsage = `Usage: drover record [-o FILE] -- CMD [ARG...]

Runs CMD under a pseudo-terminal on your terminal, as if you had started
it yourself, and when it exits writes the script that replays the
session to FILE (default session.yaml, replaced if it exists; written to
a new file that is then renamed, so never through a symbolic link):

  - spawn: CMD, with your terminal's size when it is not 24x80;
  - before each line you type, an expect of the tail of the last line the
    program printed (its prompt, or the last line of its answer);
  - each line typed, up to Enter, a send of the line as edited with
    backspace; a control key a send of control (^C is {control: c}); an
    arrow or function key a raw send of its escape sequence;
  - a change of your terminal's size, a resize step to the new size;
  - keys typed while the terminal hid them (a password prompt turns echo
    off) a secret send of a variable, secret1, secret2, ..., declared
    empty in vars: their value is never written anywhere; pass each with
    --var secret1=... when you replay;
  - the end, a wait for the program's exit status.

Keys go to the program, Ctrl-C included, until it exits; your terminal's
modes are restored whatever happens. drover record needs a terminal on
its stdin. Review the script before you run it: a prompt that shows the
time or a directory may need a shorter expect.

Exit codes: 0 recorded, 2 usage error (no command, FILE a directory or
in a missing one, stdin not a terminal, CMD not found), 128+N stopped
by signal N (nothing is written).

Flags:
`

// defaultRecording is the file drover record writes without -o.
const defaultRecording = "session.yaml"

// cmdRecord is "drover record".
func cmdRecord(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("record", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	help := fs.BoolP("help", "h", false, "show this help")
	out := fs.StringP("output", "o", defaultRecording, "write the script to `FILE`")
	fs.SetInterspersed(false)
	fs.Usage = func() {}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "drover record: "+format+"\n\n%s%s", append(a, recordUsage, fs.FlagUsages())...)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return bad("%v", err)
	}
	if *help {
		fmt.Fprintf(stdout, "%s%s", recordUsage, fs.FlagUsages())
		return exitOK
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return bad("no command given: drover record [-o FILE] -- CMD [ARG...]")
	}
	path := *out
	if path == "" {
		return bad("-o wants a file name")
	}
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return bad("%s is a directory: -o wants a file", path)
	}
	in, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return bad("stdin is not a terminal: drover record records what you type")
	}
	_, err := osexec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "drover record: program %q is not installed (not found in PATH)\n", argv[0])
		return exitUsage
	}
	// The file is made before the program starts, so that a file that
	// cannot be written is said before the session, not after it.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		fmt.Fprintf(stderr, "drover record: cannot write %s: %v\n", path, plainErr(err))
		return exitUsage
	}
	written := false
	defer func() {
		if !written {
			_ = tmp.Close()           // Best effort: it is removed.
			_ = os.Remove(tmp.Name()) // Best effort: a temporary file.
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	outFile, _ := stdout.(*os.File)
	if outFile == nil {
		outFile = in
	}
	rows, cols := uint16(24), uint16(80)
	if ws, err := pty.GetsizeFull(in); err == nil && ws.Rows > 0 && ws.Cols > 0 {
		rows, cols = ws.Rows, ws.Cols
	}
	rec := newRecorder(int(rows), int(cols))
	var mu sync.Mutex // the recorder hears keys and output from two goroutines
	c := &exec.Cmd{Args: argv, TTY: true, Rows: rows, Cols: cols, Observe: func(_ exec.Stream, b []byte) {
		mu.Lock()
		defer mu.Unlock()
		rec.output(b)
	}}
	// Not ctx: a signal ends Interact, which restores the terminal, and
	// then the program is hung up.
	p, err := exec.Start(context.Background(), c)
	if err != nil {
		if runtime.GOOS == "windows" { // exec runs nothing under a tty there
			err = errNoPTY
		}
		fmt.Fprintf(stderr, "drover record: cannot run %s: %v\n", argv[0], plainErr(err))
		return exitUsage
	}
	input := func(b []byte, echo bool) {
		canon, err := p.Canonical()
		m := ptyModes{Echo: echo, Canon: canon || err != nil} // Unknown: a line, as a terminal edits by default.
		mu.Lock()
		defer mu.Unlock()
		rec.keys(b, m)
	}
	resized := func(rows, cols uint16) {
		mu.Lock()
		defer mu.Unlock()
		rec.resize(int(rows), int(cols))
	}
	_, _, err = p.Interact(ctx, in, outFile, exec.InteractOptions{Input: input, Resized: resized})
	if err != nil || ctx.Err() != nil {
		// Hung up, then ended with what it started, as drover ends a
		// spawned process. After a clean exit what it left running in
		// the background is left alone, as a shell would.
		_ = p.Terminate(context.Background(), hangupGrace)
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "drover record: cannot run %s: %v\n", argv[0], plainErr(err))
		return exitUsage
	}
	if ctx.Err() != nil {
		n := 130
		select {
		case s := <-sigs:
			n = 128 + int(s.(syscall.Signal))
		default:
		}
		fmt.Fprintf(stderr, "drover record: stopped by a signal; %s not written\n", path)
		return n
	}
	st, _ := p.Wait(context.Background()) // Its status, with any error: an exit not 0.
	exit, signaled := strconv.Itoa(st.Code), false
	if st.Signal != 0 {
		exit, signaled = signalOf(st.Signal)
	}
	src := rec.script(path, argv, int(rows), int(cols), exit, signaled)
	if err := writeRecording(tmp, path, src); err != nil {
		fmt.Fprintf(stderr, "drover record: cannot write %s: %v\n", path, plainErr(err))
		return exitFailed
	}
	written = true
	fmt.Fprintf(stderr, "drover record: %s exited %s; the session is in %s: replay it with drover run",
		argv[0], exitWords(exit, signaled), path)
	for i := 1; i <= rec.secrets; i++ {
		fmt.Fprintf(stderr, " --var secret%d=...", i)
	}
	fmt.Fprintf(stderr, " %s\n", path)
	return exitOK
}

// writeRecording writes src to tmp and renames it to path: a file or
// symbolic link already there is replaced, never written through.
func writeRecording(tmp *os.File, path string, src []byte) error {
	if _, err := tmp.Write(src); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// hangupGrace is how long a program that a signal to drover record hung
// up has to exit before it is killed (Terminate sends SIGTERM in between).
const hangupGrace = 2 * time.Second

// signalOf is the name wait: {signal: ...} takes for s, and true; or
// any, and false, for a signal without one (wait: {exit: any}).
func signalOf(s syscall.Signal) (string, bool) {
	if name := exec.SignalName(s); strings.HasPrefix(name, "SIG") {
		return strings.TrimPrefix(name, "SIG"), true
	}
	return "any", false
}

// exitWords says how the program ended.
func exitWords(exit string, signaled bool) string {
	if signaled || exit == "any" {
		return "by signal " + exit
	}
	return "with status " + exit
}

// errNoPTY is the error of drover record on a system without ptys.
var errNoPTY = errors.New("this system has no pseudo-terminals drover can use")

// plainErr is err without Go's wrapping of the system call, nor exec's
// naming of the operation and program, which the message says.
func plainErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
