// Command maxrss runs a command and writes its peak resident set size, in
// KiB, to a file, as /usr/bin/time -f %M would; it passes on the
// command's output and exit code.
//
//	maxrss FILE COMMAND [ARG...]
//
// A test cannot ask for the rusage of a child it starts itself: Go starts
// children with vfork, and Linux counts the parent's memory, as it was at
// the fork, in the child's peak once the child execs. This small program
// stands between: what it adds to the figure is its own few megabytes.
package main

import (
	"fmt"
	"os"
	osexec "os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: maxrss FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := osexec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(2)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "maxrss: no rusage")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(fmt.Sprint(ru.Maxrss)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(2)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
