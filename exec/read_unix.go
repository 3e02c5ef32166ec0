//go:build unix

package exec

import (
	"io"
	"os"
	"syscall"
)

// polledReader reads a file the runtime polls as f.Read does, with the
// same results and errors, but with read(2) called directly when the file
// is non-blocking, which does not wake sysmon (see rawio_linux.go). Its
// one closure serves every read: a new one would be an allocation a read.
type polledReader struct {
	f  *os.File
	rc syscall.RawConn // nil: f.Read

	b     []byte // the read's buffer, for readFD
	n     int
	errno syscall.Errno
	read  func(fd uintptr) bool // readFD
}

func newPolledReader(f *os.File) *polledReader {
	r := &polledReader{f: f}
	rc, err := f.SyscallConn()
	if err != nil {
		return r
	}
	raw := false
	if err := rc.Control(func(fd uintptr) { raw = nonblocking(fd) }); err == nil && raw {
		r.rc = rc
		r.read = r.readFD
	}
	return r
}

// readFD reads fd into r.b for rc.Read: false, to wait in the poller,
// when nothing is there.
func (r *polledReader) readFD(fd uintptr) bool {
	r.n, r.errno = rawRead(fd, r.b)
	return r.errno != syscall.EAGAIN
}

// Read is f.Read.
func (r *polledReader) Read(b []byte) (int, error) {
	if r.rc == nil || len(b) == 0 {
		return r.f.Read(b)
	}
	r.b, r.n, r.errno = b, 0, 0
	err := r.rc.Read(r.read)
	n, errno := r.n, r.errno
	r.b = nil
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
