// Command rtproto is the bare-bones prototype behind the round-trip
// figures of issue 15: the send/expect round trip of the roundtrip
// workload (cat under a pty, echo off, N times "ping-I\r" sent and
// "ping-I\r\n" awaited) with nothing of drover but the way it waits.
//
//	rtproto chan N   a reader goroutine reads the master through the
//	                 runtime's poller and signals a channel, on which the
//	                 sender waits: drover's exec package
//	rtproto inline N the sender reads the master itself, through the poller
//	rtproto poll N   the sender waits in poll(2) and reads with read(2), its
//	                 thread blocked in the kernel as Tcl Expect's in select
//	rtproto raw N    chan as drover does it now: read(2) and write(2) called
//	                 directly (not waking sysmon), GOMAXPROCS=1 (one job),
//	                 and the reader yields to the sender it woke
//
// Compare their CPU with perf stat -r 10 beside expect roundtrip.exp N.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: rtproto chan|inline|poll|raw N"))
	}
	mode := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail(err)
	}
	m, fd := openPTY()
	var (
		mu     sync.Mutex
		buf    []byte
		notify = make(chan struct{}, 1)
		chunk  = make([]byte, 4096)
	)
	got := func(b []byte) {
		mu.Lock()
		buf = append(buf, b...)
		mu.Unlock()
	}
	read := func() { // One wait and read by the sender (inline, poll).
		if mode == "inline" {
			k, err := m.Read(chunk)
			if err != nil {
				fail(err)
			}
			got(chunk[:k])
			return
		}
		pfd := struct {
			fd      int32
			ev, rev int16
		}{fd: int32(fd), ev: 1} // POLLIN
		if _, _, e := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&pfd)), 1, 10000); e != 0 && e != syscall.EINTR {
			fail(e)
		}
		k, err := syscall.Read(fd, chunk)
		if err != nil && err != syscall.EAGAIN {
			fail(err)
		}
		if k > 0 {
			got(chunk[:k])
		}
	}
	switch mode {
	case "chan":
		go func() {
			b := make([]byte, 4096)
			for {
				k, err := m.Read(b)
				if err != nil {
					return
				}
				got(b[:k])
				select {
				case notify <- struct{}{}:
				default:
				}
			}
		}()
	case "raw":
		runtime.GOMAXPROCS(1)
		rc, err := m.SyscallConn()
		if err != nil {
			fail(err)
		}
		go func() {
			b := make([]byte, 4096)
			for {
				var k uintptr
				var e syscall.Errno
				if err := rc.Read(func(d uintptr) bool {
					k, _, e = syscall.RawSyscall(syscall.SYS_READ, d, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
					return e != syscall.EAGAIN
				}); err != nil || e != 0 || k == 0 {
					return
				}
				got(b[:k])
				select {
				case notify <- struct{}{}:
				default:
				}
				runtime.Gosched()
			}
		}()
	case "inline", "poll":
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	expect := func(want string) {
		for {
			mu.Lock()
			i := bytes.Index(buf, []byte(want))
			if i >= 0 {
				buf = append(buf[:0], buf[i+len(want):]...)
			}
			mu.Unlock()
			if i >= 0 {
				return
			}
			if mode == "chan" || mode == "raw" {
				<-notify
			} else {
				read()
			}
		}
	}
	cmd := exec.Command("sh", "-c", "stty -echo; echo ready; exec cat")
	slave := startOn(cmd, fd)
	_ = slave.Close()
	expect("ready\r\n")
	for i := range n {
		b := []byte(fmt.Sprintf("ping-%d\r", i))
		if mode == "raw" {
			if _, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b))); e != 0 {
				fail(e)
			}
		} else if _, err := syscall.Write(fd, b); err != nil {
			fail(err)
		}
		expect(fmt.Sprintf("ping-%d\r\n", i))
	}
	if _, err := syscall.Write(fd, []byte{4}); err != nil {
		fail(err)
	}
	if err := cmd.Wait(); err != nil {
		fail(err)
	}
}

// openPTY opens a pty master, non-blocking and in the runtime's poller
// (its Fd method, which would make it blocking, is never called), and
// returns it with its descriptor.
func openPTY() (*os.File, int) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		fail(err)
	}
	rc, err := m.SyscallConn()
	if err != nil {
		fail(err)
	}
	fd := -1
	if err := rc.Control(func(d uintptr) { fd = int(d) }); err != nil {
		fail(err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		fail(e)
	}
	return m, fd
}

// startOn starts cmd on the slave of master, whose descriptor is fd, and
// returns the slave.
func startOn(cmd *exec.Cmd, fd int) *os.File {
	var num uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&num))); e != 0 {
		fail(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", num), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		fail(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rtproto:", err)
	os.Exit(1)
}
