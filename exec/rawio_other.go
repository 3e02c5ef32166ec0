//go:build unix && !linux

package exec

import "syscall"

// nonblocking reports false: elsewhere than on Linux reads and writes go
// through the syscall package (see rawio_linux.go).
func nonblocking(fd uintptr) bool { return false }

// rawRead is not called where nonblocking is false.
func rawRead(fd uintptr, b []byte) (int, syscall.Errno) { panic("exec: rawRead off Linux") }

// rawWrite is not called where nonblocking is false.
func rawWrite(fd uintptr, b []byte) (int, syscall.Errno) { panic("exec: rawWrite off Linux") }
