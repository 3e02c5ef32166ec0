//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package script

import "golang.org/x/sys/unix"

// openFilesLimit returns this process's limit of open files, 0 if it has
// none or cannot tell. It only reads it.
func openFilesLimit() uint64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return 0
	}
	return uint64(rl.Cur)
}
