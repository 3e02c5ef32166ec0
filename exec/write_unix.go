//go:build unix

package exec

import (
	"io"
	"syscall"
)

// tryWrite writes as much of b as w takes without blocking, when w is a
// file the runtime polls. It reports how much it wrote and whether that
// was all of it with no error; on false the caller writes the rest (and
// meets any error) the slow way.
func tryWrite(w io.Writer, b []byte) (int, bool) {
	sc, ok := w.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	written := 0
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		raw := nonblocking(fd) // Without waking sysmon: see rawio_linux.go.
		for written < len(b) {
			var n int
			var err error
			if raw {
				var e syscall.Errno
				if n, e = rawWrite(fd, b[written:]); e != 0 {
					err = e
				}
			} else {
				n, err = syscall.Write(int(fd), b[written:])
			}
			if n > 0 {
				written += n
			}
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				werr = err
				return true // EAGAIN included: do not wait here.
			}
		}
		return true
	})
	return written, err == nil && werr == nil && written == len(b)
}
