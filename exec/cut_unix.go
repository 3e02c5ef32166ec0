//go:build unix

package exec

import (
	"io"
	"os"
	"syscall"
)

// readNow reads what f holds now, without waiting: io.EOF when it holds
// nothing (EAGAIN), or at its end (a pty master's EIO included).
func readNow(f *os.File, b []byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	if err := rc.Read(func(fd uintptr) bool {
		for {
			var rerr error
			n, rerr = syscall.Read(int(fd), b)
			if rerr != syscall.EINTR {
				return true // Never wait.
			}
		}
	}); err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, io.EOF
	}
	return n, nil
}
