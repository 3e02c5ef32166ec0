package exec

import (
	"os"
	"syscall"
)

// childPipe returns a pipe whose one end is for this program and the
// other for a child: the read end when childWrites, else the write end.
// Both are close-on-exec from their creation. Ours is non-blocking, on
// the runtime's poller, as os.Pipe makes both, so that deadlines and
// Close end its reads and writes; the child's stays blocking and off the
// poller, as os/exec passes it anyway: os.Pipe's would be added to the
// poller and made non-blocking, only to be made blocking again for the
// child and removed from the poller when closed, four system calls more
// for each of a process's pipes.
func childPipe(childWrites bool) (r, w *os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	ours := fds[1]
	if childWrites {
		ours = fds[0]
	}
	if err := syscall.SetNonblock(ours, true); err != nil {
		_ = syscall.Close(fds[0]) // Best effort: unused.
		_ = syscall.Close(fds[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	// NewFile puts a non-blocking descriptor on the poller, and leaves a
	// blocking one off it.
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}
