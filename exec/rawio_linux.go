package exec

import (
	"syscall"
	"unsafe"
)

// The reader's reads and Send's writes on a descriptor the runtime polls
// call read(2) and write(2) directly, not through syscall.Read and Write.
// Those tell the scheduler that the thread enters the kernel, and when
// every P was idle that wakes the runtime's monitor thread (sysmon), which
// then naps 20 µs at a time until all are idle again. A round trip with a
// program (write, wait, read) starts from idle every time: each paid a
// futex wake-up of sysmon and its naps, a third of the context switches
// of a round trip. Read and write on a non-blocking descriptor never wait
// in the kernel, so the scheduler need not know.

// nonblocking reports whether fd is in non-blocking mode: rawRead and
// rawWrite may be used on it only then (on a blocking one the thread
// would hold its P while it waits).
func nonblocking(fd uintptr) bool {
	fl, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	return e == 0 && fl&syscall.O_NONBLOCK != 0
}

// rawRead is read(2) on a non-blocking fd, retried on EINTR; 0 bytes
// on an error.
func rawRead(fd uintptr, b []byte) (int, syscall.Errno) { return rawIO(syscall.SYS_READ, fd, b) }

// rawWrite is write(2) on a non-blocking fd, retried on EINTR; 0
// bytes on an error.
func rawWrite(fd uintptr, b []byte) (int, syscall.Errno) { return rawIO(syscall.SYS_WRITE, fd, b) }

// rawIO is the system call trap, read(2) or write(2), on fd and b,
// retried on EINTR; 0 bytes on an error.
func rawIO(trap, fd uintptr, b []byte) (int, syscall.Errno) {
	for {
		n, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
		if e == 0 {
			return int(n), 0
		}
		if e != syscall.EINTR {
			return 0, e
		}
	}
}
