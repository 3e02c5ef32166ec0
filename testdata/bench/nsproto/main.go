// Command nsproto is the bare-bones prototype behind the nslookup figures
// of issue 15: the session of the nslookup workload (nslookup.exp, and
// drover's nslookupYAML) with nothing of drover. One goroutine starts
// nslookup on the slave of a pty, sends each name of the table, reads the
// master with read(2) (blocking, no poller, no reader goroutine), folds
// "\r\n" to "\n", waits for the address after the name's Name: line with a
// regular expression compiled for the row, as drover does, then for the
// prompt, and compares the address with the table's.
//
//	nsproto PORT TABLE
//
// It prints how long the session's queries took, per query, apart from
// the start (nslookup's own included) and the end: what any driver pays
// for a query at the least. Run it beside drover and Tcl Expect on the
// same dnsmasq (go run ./testdata/bench -keep -only nslookup keeps the
// table; TERM=dumb as the harness sets it), e.g. with a table of 1 and of
// 100 rows: the difference is the cost of 99 queries, the rest the start.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: nsproto PORT TABLE")
		os.Exit(2)
	}
	port, table := os.Args[1], os.Args[2]
	rows, err := readTable(table)
	if err != nil {
		fail(err)
	}
	m, s := openPTY()
	cmd := exec.Command("nslookup")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	_ = s.Close() // nslookup has it.
	d := &driver{fd: int(m.Fd()), rb: make([]byte, 4096)}
	d.expect("> ", nil)
	d.send("server 127.0.0.1")
	d.expect("> ", nil)
	d.send("set port=" + port)
	d.expect("> ", nil)
	began := time.Now()
	for i, row := range rows {
		d.send(row[0])
		re := regexp.MustCompile(`Name:\s+` + regexp.QuoteMeta(row[0]) + `\nAddress: (\S+)\n`)
		addr := d.expect("", re)
		d.expect("> ", nil)
		if addr != row[1] {
			fail(fmt.Errorf("row %d %s: address %s, want %s", i, row[0], addr, row[1]))
		}
	}
	took := time.Since(began)
	d.send("exit")
	if err := cmd.Wait(); err != nil {
		fail(err)
	}
	_ = m.Close() // Read to the end; kept open until nslookup was gone.
	fmt.Printf("%d queries in %v: %.0f µs/query\n", len(rows), took.Round(time.Microsecond),
		float64(took.Microseconds())/float64(max(len(rows), 1)))
}

// driver reads and writes the pty master fd; buf is the output read and
// not yet consumed, with "\r\n" folded to "\n".
type driver struct {
	fd  int
	rb  []byte
	buf []byte
}

func (d *driver) send(line string) {
	if _, err := syscall.Write(d.fd, []byte(line+"\r")); err != nil {
		fail(err)
	}
}

// expect reads until buf holds text, or a match of re, consumes it and
// returns re's first group.
func (d *driver) expect(text string, re *regexp.Regexp) string {
	for {
		if re != nil {
			if loc := re.FindSubmatchIndex(d.buf); loc != nil {
				group := string(d.buf[loc[2]:loc[3]])
				d.buf = d.buf[loc[1]:]
				return group
			}
		} else if i := bytes.Index(d.buf, []byte(text)); i >= 0 {
			d.buf = d.buf[i+len(text):]
			return ""
		}
		n, err := syscall.Read(d.fd, d.rb)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n == 0 {
			fail(fmt.Errorf("waiting for %q: %v (read %q)", text, err, d.buf))
		}
		d.buf = append(d.buf, bytes.ReplaceAll(d.rb[:n], []byte("\r\n"), []byte("\n"))...)
	}
}

// readTable reads the csv table of name,address with a header row.
func readTable(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][2]string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		name, addr, ok := strings.Cut(sc.Text(), ",")
		if first || !ok {
			continue
		}
		rows = append(rows, [2]string{name, addr})
	}
	return rows, sc.Err()
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
	fmt.Fprintln(os.Stderr, "nsproto:", err)
	os.Exit(1)
}
