package main

import (
	"bufio"
	"fmt"
	"os"
	osexec "os/exec"
	"syscall"
	"time"
)

// reapArg, first on the harness's command line, makes it the reaper of
// one timed run instead: "bench -reap-tree PROG ARG..." (see reap).
const reapArg = "-reap-tree"

// orphanWait is how long the reaper waits, once the timed process has
// ended, for the rest of its tree to end.
const orphanWait = 10 * time.Second

// reap runs argv as one timed run and returns the exit code to leave
// with. It is the parent of the timed process and, where the system has
// them (Linux), a child subreaper: what the process leaves running when
// it ends without waiting for it becomes the reaper's child instead of
// init's, and the reaper waits for it too. Tcl Expect leaves the program
// it drove (cat, nslookup) to init; drover waits for it. Counted from
// the harness with wait4, that program's CPU went to drover's figure and
// not to Expect's: the reaper counts it for both.
//
// It writes its figures on descriptor 3, one line of numbers: the wall
// time from the start to the timed process's end (ns), the CPU (user +
// sys) of every process of the tree (ns, RUSAGE_CHILDREN once all are
// reaped; not the reaper's own), the largest ru_maxrss (KiB), and 1 if
// part of the tree still ran orphanWait after the process ended, else 0.
// Its exit code is the process's, or 128+N when signal N ended it.
func reap(argv []string) int {
	syscall.CloseOnExec(3) // The tree must not hold the harness's pipe open.
	figures := os.NewFile(3, "figures")
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: reaper:", err)
		return 127
	}
	cmd := osexec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	began := time.Now()
	err := cmd.Run()
	wall := time.Since(began)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "bench: reaper:", err)
		return 127
	}
	left := !reapOrphans(orphanWait)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "bench: reaper:", err)
		return 127
	}
	w := bufio.NewWriter(figures)
	fmt.Fprintf(w, "%d %d %d %d\n", wall.Nanoseconds(), ru.Utime.Nano()+ru.Stime.Nano(), ru.Maxrss, btoi(left))
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: reaper:", err)
		return 127
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		fmt.Fprintf(os.Stderr, "bench: reaper: %s: %v\n", argv[0], err)
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// figures are what reap writes for one run.
type figures struct {
	wall, cpu time.Duration
	rssKB     int64
	left      bool // part of the tree outlived orphanWait
}

// parseFigures reads reap's line.
func parseFigures(b []byte) (figures, error) {
	var f figures
	var wall, cpu, left int64
	if _, err := fmt.Sscanf(string(b), "%d %d %d %d\n", &wall, &cpu, &f.rssKB, &left); err != nil {
		return figures{}, fmt.Errorf("no figures from the reaper (%q): %v", b, err)
	}
	f.wall, f.cpu, f.left = time.Duration(wall), time.Duration(cpu), left != 0
	return f, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
