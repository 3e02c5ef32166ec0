//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package script

import (
	"context"
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// readAnswer reads a line from the terminal in, giving up when ctx is
// done; with secret, echo is off while it reads, and restored however the
// read ends. It polls, so that a job stopped at its prompt leaves no read
// behind that would take the next line the operator types.
func readAnswer(ctx context.Context, in *os.File, secret bool) (string, error) {
	fd := int(in.Fd())
	if secret {
		old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
		if err != nil {
			return "", err
		}
		quiet := *old
		quiet.Lflag &^= unix.ECHO
		quiet.Lflag |= unix.ICANON | unix.ISIG
		if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
			return "", err
		}
		defer unix.IoctlSetTermios(fd, ioctlSetTermios, old) //nolint:errcheck // Nothing better to do with a terminal gone.
	}
	var b [1]byte
	return readLine(func() (byte, error) {
		for {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, 100)
			if errors.Is(err, unix.EINTR) || err == nil && n == 0 {
				continue
			}
			if err != nil {
				return 0, err
			}
			// Readable, or hung up: read says which.
			m, err := unix.Read(fd, b[:])
			switch {
			case m == 1:
				return b[0], nil
			case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
				continue
			case err != nil && !errors.Is(err, unix.EIO):
				return 0, err
			}
			return 0, io.EOF // 0 bytes (Ctrl-D), or EIO: the terminal is gone.
		}
	})
}
