//go:build linux

package exec

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// readProc reads a file of /proc whole, as os.ReadFile does, with fewer
// system calls: open, read until the end, close. Its size is not known
// beforehand (stat says 0), and os.File would try to add it to the
// poller, in vain. Terminate reads one after every job while other jobs
// run.
func readProc(path string) ([]byte, error) {
	fd, err := openProc(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = syscall.Close(fd) }() // Read only.
	b, err := readFrom(fd, func(fd int, b []byte, _ int64) (int, error) { return syscall.Read(fd, b) })
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// openProc opens a file of /proc for reading, close-on-exec.
func openProc(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// rereadProc reads whole, from its start, a file of /proc that fd holds
// open: what it says now, as if it were opened again. A file of /proc
// is made anew by each read that starts at offset 0, and pread never
// moves fd's offset, so that concurrent calls do not disturb each other.
func rereadProc(fd int) ([]byte, error) { return readFrom(fd, syscall.Pread) }

// readFrom reads fd to its end with read, which reads into b what is at
// offset off, the bytes read so far (read(2) ignores it).
func readFrom(fd int, read func(fd int, b []byte, off int64) (int, error)) ([]byte, error) {
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := read(fd, b[len(b):cap(b)], int64(len(b)))
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, err
		case n == 0:
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// stat is what /proc/PID/stat says of a process.
type stat struct {
	state   byte // R, S, D, Z, T...
	ppid    int
	pgrp    int
	session int
}

var errBadStat = errors.New("unreadable /proc/PID/stat")

func readStat(pid int) (stat, error) {
	b, err := readProc("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	// The command name, in parentheses, may hold anything: the fields
	// that follow it are "state ppid pgrp session ...".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, errBadStat
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 || len(f[0]) != 1 {
		return stat{}, errBadStat
	}
	var st stat
	st.state = f[0][0]
	if st.ppid, err = strconv.Atoi(f[1]); err != nil {
		return stat{}, errBadStat
	}
	if st.pgrp, err = strconv.Atoi(f[2]); err != nil {
		return stat{}, errBadStat
	}
	if st.session, err = strconv.Atoi(f[3]); err != nil {
		return stat{}, errBadStat
	}
	return st, nil
}

// allPids lists every process.
func allPids() []int {
	var pids []int
	for _, name := range dirNames("/proc/") {
		if pid, err := strconv.Atoi(name); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// dirNames lists a directory; nil if it is gone.
func dirNames(dir string) []string {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1) // What was read before an error is still of use.
	_ = d.Close()                  // Read only.
	return names
}

// appendPids appends the space-separated pids of b to pids.
func appendPids(pids []int, b []byte) []int {
	for f := range strings.FieldsSeq(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
