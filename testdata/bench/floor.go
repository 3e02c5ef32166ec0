package main

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
)

// floorSource is the floor of the throughput workloads: a bare read loop
// in Go, with raw read(2) calls (no poller, no matching), on the same
// stream as drover's. "floor pipe SIZE" reads its stdin, the end of the
// producer's pipe; "floor pty SIZE" runs the producer on the slave of a
// pty it opens with the standard library alone, and reads the master
// until every slave is closed. Either way it fails unless it read at
// least SIZE bytes and the stream ended with the marker: a floor that did
// not read the stream would prove nothing.
//
// It is also the floor of the start-up workload, what drover run of a
// one-step script does at the least: "floor startup" is drover's two
// processes on Linux, a child subreaper that starts itself again as the
// worker, with a pipe whose end of file tells the worker it is gone, and
// waits for it, then reaps what is left; the worker, "floor startup1"
// (alone: drover as one process), runs true on the slave of a new pty,
// reads the master until every slave is closed, and waits for it.
//
// And it is the floor of the fan-out workload, what drover run -j 2 of a
// matrix of one-step jobs does at the least: "floor fanout N" runs N jobs
// of /bin/true on 2 workers, each started in a new session with
// os.StartProcess, its stdout and stderr on pipes that goroutines read to
// the end, then waited for; a job that fails fails the floor. "floor
// supfanout N" is the same worker under the start-up floor's supervisor,
// which drover run is on Linux: it shows what a run of few jobs costs at
// the least with the supervisor (at N = 10, most of it is the start).
// "floor reapfanout N" is "floor fanout N" with what no orphan outliving
// its job costs at the least, as drover does it on Linux: a child
// subreaper that catches SIGCHLD and at each one looks, without reaping
// (waitid WNOWAIT), whether a child has exited, its orphan reaper's path
// when no orphan came.
const floorSource = `package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

const line = "the quick brown fox jumps over the lazy dog 0123456789"

func main() {
	switch os.Args[1] {
	case "startup":
		supervise("startup1", "worker")
		return
	case "supfanout":
		supervise("fanout", os.Args[2], "worker")
		return
	case "startup1":
		spawnTrue()
		return
	case "fanout", "reapfanout":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fail(err)
		}
		if len(os.Args) > 3 { // Under supervise.
			followSupervisor()
		}
		if os.Args[1] == "reapfanout" {
			catchOrphans()
		}
		fanOut(n)
		return
	}
	size, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		fail(err)
	}
	fd := 0
	var cmd *exec.Cmd
	if os.Args[1] == "pty" {
		m, s := openPTY()
		cmd = exec.Command("sh", "-c", fmt.Sprintf("yes '%s' | head -c %d; echo MARKER", line, size))
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		if err := cmd.Start(); err != nil {
			fail(err)
		}
		s.Close()
		fd = int(m.Fd())
	}
	buf := make([]byte, 65536)
	var n int64
	var tail []byte
	for {
		k, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || k <= 0 { // EIO under a pty: every slave is closed.
			break
		}
		n += int64(k)
		tail = append(tail, buf[:k]...)
		if len(tail) > 64 {
			tail = append(tail[:0], tail[len(tail)-64:]...)
		}
	}
	if n < size || !bytes.Contains(tail, []byte("MARKER")) {
		fail(fmt.Errorf("read %d bytes, want %d and the marker at the end", n, size))
	}
	if cmd != nil {
		if err := cmd.Wait(); err != nil {
			fail(err)
		}
	}
	fmt.Println(n, "bytes")
}

// followSupervisor ends the worker at the end of file of its supervisor's
// pipe.
func followSupervisor() {
	go func() {
		f := os.NewFile(3, "supervisor")
		b := make([]byte, 1)
		for {
			if _, err := f.Read(b); err != nil {
				os.Exit(137)
			}
		}
	}()
}

func supervise(args ...string) {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, 36, 1, 0); e != 0 { // PR_SET_CHILD_SUBREAPER
		fail(e)
	}
	r, w, err := os.Pipe()
	if err != nil {
		fail(err)
	}
	p, err := os.StartProcess("/proc/self/exe", append([]string{os.Args[0]}, args...), &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, r}})
	if err != nil {
		fail(err)
	}
	r.Close()
	st, err := p.Wait()
	if err != nil {
		fail(err)
	}
	for { // The orphans of the worker's tree: none here.
		var ws syscall.WaitStatus
		if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
			break
		}
	}
	w.Close()
	os.Exit(st.ExitCode())
}

func spawnTrue() {
	if len(os.Args) > 2 { // Under supervise.
		followSupervisor()
	}
	m, s := openPTY()
	cmd := exec.Command("true")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	s.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := m.Read(buf); err != nil { // EIO: every slave is closed.
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		fail(err)
	}
}

// catchOrphans makes this process a child subreaper, and looks at each
// SIGCHLD, without reaping, whether a child has exited.
func catchOrphans() {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, 36, 1, 0); e != 0 { // PR_SET_CHILD_SUBREAPER
		fail(e)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	go func() {
		var si [128]byte
		for range sigs {
			const pAll = 0
			syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&si)), syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT|syscall.WALL, 0, 0)
		}
	}()
}

func fanOut(n int) {
	jobs := make(chan int)
	var workers sync.WaitGroup
	for range 2 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for range jobs {
				job()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	workers.Wait()
	fmt.Println(n, "jobs")
}

// job runs /bin/true with its stdout and stderr on pipes read to the end.
func job() {
	null, err := os.Open(os.DevNull)
	if err != nil {
		fail(err)
	}
	or, ow, err := os.Pipe()
	if err != nil {
		fail(err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		fail(err)
	}
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{
		Files: []*os.File{null, ow, ew},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		fail(err)
	}
	null.Close()
	ow.Close()
	ew.Close()
	var readers sync.WaitGroup
	for _, r := range []*os.File{or, er} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			if _, err := io.Copy(io.Discard, r); err != nil {
				fail(err)
			}
			r.Close()
		}()
	}
	st, err := p.Wait()
	if err != nil {
		fail(err)
	}
	readers.Wait()
	if !st.Success() {
		fail(fmt.Errorf("/bin/true: %v", st))
	}
}

func openPTY() (*os.File, *os.File) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		fail(err)
	}
	var unlock int32
	var num uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		fail(e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&num))); e != 0 {
		fail(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", num), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		fail(err)
	}
	return m, s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "floor:", err)
	os.Exit(1)
}
`

// buildFloor builds floorSource into dir and returns the binary's path.
func buildFloor(dir string) (string, error) {
	src := filepath.Join(dir, "floor-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module floor\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(floorSource), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "floor")
	build := osexec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the floor: %v\n%s", err, out)
	}
	return bin, nil
}
