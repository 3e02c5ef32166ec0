//go:build unix

package exec

import (
	"io"
	"os"
	"syscall"
)

// polledReader reads a file the runtime polls as f.Read does, with the
// same results and errors, but with read(2) called directly when the file
// is non-blocking, which does not wake sysmon (see rawio_linux.go).
type polledReader struct {
	f  *os.File
	rc syscall.RawConn // nil: f.Read
}

func newPolledReader(f *os.File) polledReader {
	r := polledReader{f: f}
	rc, err := f.SyscallConn()
	if err != nil {
		return r
	}
	raw := false
	if err := rc.Control(func(fd uintptr) { raw = nonblocking(fd) }); err == nil && raw {
		r.rc = rc
	}
	return r
}

// Read is f.Read.
func (r polledReader) Read(b []byte) (int, error) {
	if r.rc == nil || len(b) == 0 {
		return r.f.Read(b)
	}
	var n int
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		n, errno = rawRead(fd, b)
		return errno != syscall.EAGAIN // Else wait in the poller.
	})
	switch {
	case err != nil:
		// Closed, or past the read deadline: f.Read says so, in its
		// own words, and reads if the deadline moved meanwhile.
		return r.f.Read(b)
	case errno != 0:
		return 0, &os.PathError{Op: "read", Path: r.f.Name(), Err: errno}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
