// Command bench runs the same workloads through drover and through its
// peers (Tcl Expect, pexpect, grep, xargs, GNU parallel) where they are
// installed, alternating the tools run by run, and prints one table of
// medians, speed ratios and peak memory, then every target of DESIGN.md's
// "Performance targets" with its paired ratio and whether it is met. The
// floor of the throughput workloads is a bare Go read loop (floor.go),
// built into the work directory; that of the fan-out, from the same
// program, 2 Go workers starting /bin/true with its output on pipes read
// to the end. See RESULTS.md for a run and what limits each figure.
//
//	go run ./testdata/bench                 # 10 to 50 minutes on 2 cores (RESULTS.md)
//	go run ./testdata/bench -quick          # 3 to 6 minutes, smaller workloads
//	go run ./testdata/bench -only tty,roundtrip -reps 9
//	go run ./testdata/bench -drover bin/drover -candidate /tmp/new/drover
//
// The last form measures a second build beside the first, in the same
// alternation, to weigh a change: the table gets a "candidate" row after
// each drover one and the targets a column for it. Each run is timed from
// the start of the process to its end; its CPU is that of its whole tree,
// with the processes it leaves running without waiting for them (Tcl
// Expect leaves the program it drove), which the harness, their
// subreaper, waits for (reap.go); peak memory is the largest ru_maxrss of
// the tree.
//
// Peers come from Debian packages: expect, python3-pexpect, parallel
// (grep, xargs and sh are always there); the nslookup workload needs
// bind9-dnsutils and dnsmasq-base. A missing peer leaves its row empty.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command line's flags.
type options struct {
	quick             bool
	reps              int
	drover, candidate string
	only              string
	keep              bool
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == reapArg {
		os.Exit(reap(os.Args[2:]))
	}
	var o options
	flag.BoolVar(&o.quick, "quick", false, "smaller workloads and 3 runs each, for a check in about a minute")
	flag.IntVar(&o.reps, "reps", 0, "timed runs of each tool per workload (default 5, or 3 with -quick; 3 times as many for the short ones)")
	flag.StringVar(&o.drover, "drover", "", "the drover binary to measure (default: build ./cmd/drover into a temp dir)")
	flag.StringVar(&o.candidate, "candidate", "", "a second drover binary, measured beside the first in every workload (to weigh a change)")
	flag.StringVar(&o.only, "only", "", "run only these workloads, comma-separated: roundtrip,bigscript,pipe,tty,scale,fanout,ptyjobs,startup,nslookup,setup")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory with the generated drover scripts, and print its name")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sz := full
	if o.quick {
		sz = quick
	}
	if o.reps > 0 {
		sz.reps = o.reps
	}
	dir, err := os.MkdirTemp("", "drover-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "work directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	drover := o.drover
	if drover == "" {
		drover = filepath.Join(dir, "drover")
		fmt.Fprintln(os.Stderr, "building drover ...")
		args := []string{"build", "-o", drover}
		if runtime.GOOS == "linux" {
			args = append(args, "-ldflags=-E=drover_entry") // As make build.
		}
		build := osexec.Command("go", append(args, "./cmd/drover")...)
		build.Dir = filepath.Join(benchDir(), "..", "..")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // As make build: static.
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building drover: %v", err)
		}
	} else if drover, err = filepath.Abs(drover); err != nil {
		return err
	}
	t := findTools(drover)
	fmt.Fprintln(os.Stderr, "building the floor ...")
	if t.floor, err = buildFloor(dir); err != nil {
		return err
	}
	if o.candidate != "" {
		if t.candidate, err = filepath.Abs(o.candidate); err != nil {
			return err
		}
	}

	port := 0
	if t.dnsmasq != "" && t.nslookup != "" {
		var stopDNS func()
		table := filepath.Join(dir, "nslookup-hosts")
		if err := os.WriteFile(table, nslookupHosts(max(sz.queries, warm.queries)), 0o644); err != nil {
			return err
		}
		port, stopDNS, err = startDNS(ctx, t.dnsmasq, table)
		if err != nil {
			return fmt.Errorf("starting dnsmasq: %v", err)
		}
		defer stopDNS()
	}
	ws, err := workloads(t, sz, dir, port)
	if err != nil {
		return err
	}
	wws, err := workloads(t, warm, dir, port)
	if err != nil {
		return err
	}
	if o.only != "" {
		names := strings.Split(o.only, ",")
		ws = slices.DeleteFunc(ws, func(w *workload) bool { return !slices.Contains(names, w.name) })
		if len(ws) == 0 {
			return fmt.Errorf("-only %s: no such workload", o.only)
		}
	}

	began := time.Now()
	fmt.Println(machine(t))
	failed := false
	var results []*result
	for _, w := range ws {
		warmUp(ctx, wws, w, dir)
		r := measureAll(ctx, w, sz.reps*max(w.more, 1), dir)
		results = append(results, r)
		for _, row := range r.rows {
			failed = failed || row.err != nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	fmt.Println(table(results))
	fmt.Println(verdicts(results))
	fmt.Printf("%d timed runs of each tool (%d for the short round-trip and nslookup workloads and fan-out at N = 100, %d for start-up and fan-out at N = 10), alternated; whole-process wall time, median; CPU = user+sys of the whole tree, with what it left running, median; peak RSS = largest ru_maxrss of the runs (the biggest process of the tree); speed ratios and targets = median of the ratios of runs made in the same round (paired), per-op figures = medians. Took %s; load average %s at the end.\n",
		sz.reps, shortRuns*sz.reps, 3*shortRuns*sz.reps, time.Since(began).Round(time.Second), loadAverage())
	if failed {
		return errors.New("some runs failed; see above")
	}
	return nil
}

// warmUp runs each variant of w once on the small workload, untimed.
func warmUp(ctx context.Context, wws []*workload, w *workload, dir string) {
	for _, small := range wws {
		if small.name != w.name {
			continue
		}
		for _, v := range small.variants[:min(len(small.variants), len(w.variants))] {
			if v.argv != nil {
				_, _ = measure(ctx, v, dir) // A failure shows in the timed runs.
			}
		}
	}
}

// measureAll runs each installed variant of w reps times (reps times its
// more, for a short row), in a rotating order, so that no tool always
// runs first or after the same one. The rows of a round are paired.
func measureAll(ctx context.Context, w *workload, reps int, dir string) *result {
	r := &result{w: w, rows: make([]*row, len(w.variants))}
	rounds := reps
	for i, v := range w.variants {
		r.rows[i] = &row{v: v}
		rounds = max(rounds, reps*v.more)
	}
	for rep := range rounds {
		var line []string
		for k := range w.variants {
			i := (k + rep) % len(w.variants)
			row := r.rows[i]
			if row.v.argv == nil || row.err != nil || rep >= reps*max(row.v.more, 1) {
				continue
			}
			s, err := measure(ctx, row.v, dir)
			if err != nil {
				row.err = err
				fmt.Fprintf(os.Stderr, "%s/%s: %v\n", w.name, row.v.label, err)
				continue
			}
			row.samples = append(row.samples, s)
			line = append(line, fmt.Sprintf("%s %.3fs", row.v.label, s.wall.Seconds()))
		}
		fmt.Fprintf(os.Stderr, "%s %d/%d: %s\n", w.name, rep+1, rounds, strings.Join(line, ", "))
		if ctx.Err() != nil {
			break
		}
	}
	return r
}

// sample is one timed run.
type sample struct {
	wall, cpu   time.Duration
	rssKB       int64
	pass, total int  // jobs passed and run, when the variant tallies them
	said        bool // the output says the concurrency was lowered
}

// measure runs v once in its own process group, under the harness itself
// as its reaper (see reap): wall time from the start to the end of v's
// process, and the CPU and peak RSS of its whole tree, including what it
// left running without waiting for it.
func measure(ctx context.Context, v variant, dir string) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	out, err := os.CreateTemp(dir, "out-")
	if err != nil {
		return sample{}, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	res, w, err := os.Pipe()
	if err != nil {
		return sample{}, err
	}
	defer res.Close()
	cmd := osexec.CommandContext(ctx, self, append([]string{reapArg}, v.argv...)...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "LC_ALL=C", "TERM=dumb"), v.env...)
	cmd.Stdout, cmd.Stderr = out, out
	if v.stdin != "" {
		in, err := os.Open(v.stdin)
		if err != nil {
			return sample{}, err
		}
		defer in.Close()
		cmd.Stdin = in
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	_ = w.Close()              // The reaper has ended: its line is in the pipe.
	line, _ := io.ReadAll(res) // A short read fails parseFigures.
	var s sample
	if v.tally != nil && cmd.ProcessState != nil && ctx.Err() == nil {
		b, _ := os.ReadFile(out.Name()) // A short read fails the tally.
		var ok bool
		if s.pass, s.total, s.said, ok = v.tally(b); ok {
			err = nil // Failed jobs are the result.
		}
	}
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s", strings.Join(v.argv, " "), err, tail(out.Name()))
	}
	f, err := parseFigures(line)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v", strings.Join(v.argv, " "), err)
	}
	if f.left {
		return sample{}, fmt.Errorf("%s: part of its tree still ran %v after it ended", strings.Join(v.argv, " "), orphanWait)
	}
	s.wall, s.cpu, s.rssKB = f.wall, f.cpu, f.rssKB // Kilobytes on Linux.
	return s, nil
}

// tail returns the end of a run's output, for an error message; from
// drover, its first failed job and what follows, which the end of the
// output of a 100-job matrix would not show.
func tail(name string) string {
	b, _ := os.ReadFile(name) // Only for the message.
	if i := bytes.Index(b, []byte("\nFAIL  ")); i >= 0 {
		b = b[i+1:]
		if len(b) > 2000 {
			b = b[:2000]
		}
		return string(b)
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// findTools looks up the peers, naming the Debian package of each one
// that is missing.
func findTools(drover string) *tools {
	t := &tools{drover: drover, missing: map[string]string{
		"expect": "expect", "pexpect": "python3-pexpect", "parallel": "parallel",
		"xargs": "findutils", "grep": "grep", "nslookup": "bind9-dnsutils", "dnsmasq": "dnsmasq-base",
	}}
	look := func(names ...string) string {
		for _, n := range names {
			if p, err := osexec.LookPath(n); err == nil {
				return p
			}
		}
		return ""
	}
	t.expect = look("expect")
	t.parallel = look("parallel")
	t.xargs = look("xargs")
	t.grep = look("grep")
	t.nslookup = look("nslookup")
	t.dnsmasq = look("dnsmasq", "/usr/sbin/dnsmasq")
	// Debian's python3-pexpect is for /usr/bin/python3; another python3
	// first in PATH may have its own.
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p := look(py); p != "" && osexec.Command(p, "-c", "import pexpect").Run() == nil {
			t.python = p
			break
		}
	}
	return t
}

// startDNS starts dnsmasq as examples/nslookup.yaml does, on a free port
// of 127.0.0.1, without --log-queries (its log would go nowhere), with
// the names of examples/nslookup/hosts and of the hosts file table, and
// returns the port once it accepts connections.
func startDNS(ctx context.Context, dnsmasq, table string) (int, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // Only its number was wanted.
	hosts := filepath.Join(benchDir(), "..", "..", "examples", "nslookup", "hosts")
	cmd := osexec.CommandContext(ctx, dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		"--addn-hosts="+hosts, "--addn-hosts="+table, "--local=/example.test/", "--mx-host=example.test,mail.example.test,10",
		"--listen-address=127.0.0.1", "--bind-interfaces", fmt.Sprintf("--port=%d", port), "--log-facility=-")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = diesWithHarness()
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	stopDNS := func() {
		_ = cmd.Process.Kill() // It has no state worth a clean exit.
		_ = cmd.Wait()         // Killed: the error says so.
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = c.Close() // Only the connection mattered.
			return port, stopDNS, nil
		}
		if time.Now().After(deadline) {
			stopDNS()
			return 0, nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// benchDir is the directory of this program's sources, where the peer
// scripts and checked-in workloads are.
// Built with -trimpath, the path is not a real one: then the directory is
// taken from the working directory, the repository's root.
func benchDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(dir, "peers.py")); err == nil {
			return dir
		}
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "bench")) // An error leaves it relative.
	return dir
}

// loadAverage is the 1, 5 and 15 minute load average: on a shared
// machine, what else was running.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg") // Only informative.
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// machine describes where the figures come from.
func machine(t *tools) string {
	var b strings.Builder
	cpu := "?"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(info), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease") // Only informative.
	fmt.Fprintf(&b, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- machine: %s, %d CPUs, Linux %s, load average %s at the start\n",
		cpu, runtime.NumCPU(), strings.TrimSpace(string(kernel)), loadAverage())
	version := func(argv ...string) string {
		if argv[0] == "" {
			return "not installed"
		}
		out, err := osexec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return "?"
		}
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return first
	}
	fmt.Fprintf(&b, "- drover: %s (%s)\n", version(t.drover, "version"), runtime.Version())
	if t.candidate != "" {
		fmt.Fprintf(&b, "- candidate: %s\n", t.candidate)
	}
	fmt.Fprintf(&b, "- expect: %s\n", version(t.expect, "-v"))
	fmt.Fprintf(&b, "- pexpect: %s\n", version(t.python, "-c", "import pexpect, sys; print(pexpect.__version__, 'on python', sys.version.split()[0])"))
	fmt.Fprintf(&b, "- parallel: %s\n", version(t.parallel, "--version"))
	fmt.Fprintf(&b, "- xargs: %s; grep: %s\n", version(t.xargs, "--version"), version(t.grep, "--version"))
	return b.String()
}
