package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// sizes are the parameters of one run of the suite.
type sizes struct {
	reps       int     // timed runs of each variant
	roundTrips int     // send/expect pairs in the round-trip workload
	bytes      int64   // output before the marker in the throughput workloads
	scale      []int64 // output sizes of the linearity workload
	bigSteps   int     // round trips of the long-script workload (peak RSS)
	fanN       []int   // /bin/true jobs in the fan-out workload, one size per row
	ptyJobs    int     // concurrent pty jobs under ulimit -n 1024
	queries    int     // A queries in the nslookup session, each of its own name
	lookups    int     // jobs of the setup workload, one nslookup each
}

var (
	full = sizes{reps: 5, roundTrips: 2000, bytes: 200e6, scale: []int64{1e6, 16e6, 256e6, 1e9}, bigSteps: 50000,
		fanN: []int{10, 100, 1000, 10000}, ptyJobs: 500, queries: 100, lookups: 100}
	// quick keeps the targets' sizes where a run is short, and stops the
	// fan-out at 1,000 jobs (GNU parallel takes a minute for 10,000).
	quick = sizes{reps: 3, roundTrips: 2000, bytes: 50e6, scale: []int64{1e6, 16e6, 256e6}, bigSteps: 50000,
		fanN: []int{10, 100, 1000}, ptyJobs: 500, queries: 100, lookups: 100}
	// warm is what each variant runs once, untimed, before its workload:
	// it loads the programs and the page cache.
	warm = sizes{reps: 1, roundTrips: 10, bytes: 1e6, scale: []int64{1e6}, bigSteps: 10, fanN: []int{10}, ptyJobs: 4, queries: 2, lookups: 4}
)

// shortRuns is how many times more the short, noisy workloads (a tenth
// of a second each) run than the others.
const shortRuns = 3

// workload is one task done by drover and by each peer.
type workload struct {
	name     string
	title    string
	unit     string // what ops counts: "round trip", "job", "query"; "" for throughput
	ops      int
	more     int // runs this many times the others: for short, noisy workloads
	variants []variant
}

// variant is one tool doing a workload.
type variant struct {
	tool  string   // drover, candidate, expect, pexpect, grep, xargs, parallel, floor
	label string   // the row's name in the table
	argv  []string // nil when the tool is not installed
	stdin string   // a file fed to stdin, or ""
	env   []string // added to the environment, as NAME=VALUE
	bytes int64    // output moved, for throughput
	ops   int      // operations done, when not the workload's ops
	// more, in a workload whose rows differ by orders of magnitude (the
	// fan-out from 10 to 10,000 jobs), runs a short row this many times
	// the workload's others: the extra rounds run only such rows.
	more int
	// tally, when set, counts the passed and all jobs in the output,
	// and a failing exit is a result, not an error; said is whether the
	// output says the concurrency was lowered.
	tally func(out []byte) (pass, total int, said bool, ok bool)
	why   string // why argv is nil
}

// work is what a variant's rate is counted in: bytes, or operations.
func (w *workload) work(v variant) float64 {
	if v.bytes > 0 {
		return float64(v.bytes)
	}
	if v.ops > 0 {
		return float64(v.ops)
	}
	return float64(w.ops)
}

// tools are the programs found on this machine.
type tools struct {
	drover    string
	candidate string // a second drover binary, or ""
	expect    string
	python    string // a python3 that imports pexpect
	floor     string // the Go read loop of floorSource, built into the work directory
	parallel  string
	xargs     string
	grep      string
	nslookup  string
	dnsmasq   string
	missing   map[string]string // tool -> the Debian package that has it
}

// workloads returns the suite with sz's parameters; generated drover
// scripts and input lists go to dir. port is dnsmasq's, 0 if it is not
// running.
func workloads(t *tools, sz sizes, dir string, port int) ([]*workload, error) {
	self := benchDir()
	var ws []*workload

	// Round trip: cat under a pty with the echo off.
	rt := filepath.Join(dir, fmt.Sprintf("roundtrip-%d.yaml", sz.roundTrips))
	if err := os.WriteFile(rt, roundTripYAML(sz.roundTrips), 0o644); err != nil {
		return nil, err
	}
	n := strconv.Itoa(sz.roundTrips)
	ws = append(ws, &workload{
		name:  "roundtrip",
		title: fmt.Sprintf("round trip under a pty: %d × send ping-N, expect ping-N", sz.roundTrips),
		unit:  "round trip", ops: sz.roundTrips, more: shortRuns,
		variants: []variant{
			{tool: "drover", argv: []string{t.drover, "run", rt}},
			t.variant("expect", t.expect, filepath.Join(self, "roundtrip.exp"), n),
			t.variant("pexpect", t.python, filepath.Join(self, "peers.py"), "roundtrip", n),
		},
	})

	// The same with a long script: drover's peak RSS, and its time,
	// against Tcl Expect's (pexpect would add a minute and no target).
	big := filepath.Join(dir, fmt.Sprintf("roundtrip-%d.yaml", sz.bigSteps))
	if err := os.WriteFile(big, roundTripYAML(sz.bigSteps), 0o644); err != nil {
		return nil, err
	}
	ws = append(ws, &workload{
		name:  "bigscript",
		title: fmt.Sprintf("a long script under a pty: %d × send ping-N, expect ping-N", sz.bigSteps),
		unit:  "round trip", ops: sz.bigSteps,
		variants: []variant{
			{tool: "drover", argv: []string{t.drover, "run", big}},
			t.variant("expect", t.expect, filepath.Join(self, "roundtrip.exp"), strconv.Itoa(sz.bigSteps)),
		},
	})

	// Throughput on pipes and under a pty.
	size := strconv.FormatInt(sz.bytes, 10)
	// Grouped, so that the reader behind it reads the lines and the
	// marker: "yes | head; echo MARKER | grep" would feed grep 7 bytes.
	producer := fmt.Sprintf("{ yes '%s' | head -c %s; echo MARKER; }", line, size)
	ws = append(ws, &workload{
		name:  "pipe",
		title: fmt.Sprintf("throughput on pipes: %s of lines, then a marker", mb(sz.bytes)),
		variants: moving(sz.bytes,
			variant{tool: "drover", argv: []string{t.drover, "run", "--var", "size=" + size, filepath.Join(self, "throughput-pipe.yaml")}},
			behind(producer, t.variant("grep", t.grep, "-c", "MARKER")),
			labelled("floor: Go read loop", behind(producer, t.variant("floor", t.floor, "pipe", size))),
		),
	})
	ws = append(ws, &workload{
		name:  "tty",
		title: fmt.Sprintf("throughput under a pty: %s of lines, then a marker", mb(sz.bytes)),
		variants: moving(sz.bytes,
			variant{tool: "drover", argv: []string{t.drover, "run", "--var", "size=" + size, filepath.Join(self, "throughput-tty.yaml")}},
			t.variant("expect", t.expect, filepath.Join(self, "throughput.exp"), size),
			t.variant("pexpect", t.python, filepath.Join(self, "peers.py"), "throughput", size),
			labelled("floor: Go read loop", t.variant("floor", t.floor, "pty", size)),
		),
	})

	// Linearity: drover alone on pipes, from 1 MB up.
	lin := &workload{name: "scale", title: "drover on pipes, 1 MB up: MB/s and memory should stay flat"}
	for _, b := range sz.scale {
		s := strconv.FormatInt(b, 10)
		lin.variants = append(lin.variants, variant{
			tool: "drover", label: "drover " + mb(b), bytes: b,
			argv: []string{t.drover, "run", "--var", "size=" + s, filepath.Join(self, "throughput-pipe.yaml")},
		})
	}
	ws = append(ws, lin)

	// Fan-out: N jobs of /bin/true on 2 workers, one row per tool and N.
	fanw := &workload{name: "fanout", title: "fan-out: N jobs of /bin/true on 2 workers", unit: "job"}
	for _, jobs := range sz.fanN {
		fan := filepath.Join(dir, fmt.Sprintf("fanout-%d.yaml", jobs))
		if err := os.WriteFile(fan, fanOutYAML(jobs), 0o644); err != nil {
			return nil, err
		}
		list := filepath.Join(dir, fmt.Sprintf("jobs-%d.txt", jobs))
		if err := os.WriteFile(list, jobList(jobs), 0o644); err != nil {
			return nil, err
		}
		xargs := t.variant("xargs", t.xargs, "-P2", "-n1", "/bin/true")
		xargs.stdin = list
		parallel := t.variant("parallel", t.parallel, "--will-cite", "-j2", "/bin/true")
		parallel.stdin = list
		// The floor: what drover does for each job at the least.
		floor := labelled("floor: Go, captured pipes", t.variant("floor", t.floor, "fanout", strconv.Itoa(jobs)))
		n := fmt.Sprintf(" N=%d", jobs)
		vs := []variant{{tool: "drover", argv: []string{t.drover, "run", "-j", "2", fan}}, xargs, parallel, floor}
		if jobs <= 10 {
			// Where the start is most of the run: drover's two processes.
			vs = append(vs, labelled("floor: Go, captured pipes, supervisor and worker", t.variant("floor", t.floor, "supfanout", strconv.Itoa(jobs))))
		} else {
			// Where the jobs are most of the run: what no orphan outliving
			// its job costs them, a SIGCHLD caught for each.
			vs = append(vs, labelled("floor: Go, captured pipes, orphan reaper", t.variant("floor", t.floor, "reapfanout", strconv.Itoa(jobs))))
		}
		for _, v := range vs {
			if v.label == "" {
				v.label = v.tool
			}
			v.label, v.ops = v.label+n, jobs
			switch {
			case jobs <= 10: // A few milliseconds, as the start-up's runs.
				v.more = 3 * shortRuns
			case jobs <= 100: // A tenth of a second at most.
				v.more = shortRuns
			}
			fanw.variants = append(fanw.variants, v)
		}
	}
	ws = append(ws, fanw)

	// 500 concurrent jobs under a pty with 1024 descriptors: how many
	// pass. GNU parallel has no pty per job (--tty runs one at a time):
	// its row shows the same concurrency on pipes, which it lowers.
	many := filepath.Join(dir, fmt.Sprintf("ptyjobs-%d.yaml", sz.ptyJobs))
	if err := os.WriteFile(many, ptyJobsYAML(sz.ptyJobs), 0o644); err != nil {
		return nil, err
	}
	manyList := filepath.Join(dir, fmt.Sprintf("jobs-%d.txt", sz.ptyJobs))
	if err := os.WriteFile(manyList, jobList(sz.ptyJobs), 0o644); err != nil {
		return nil, err
	}
	j := strconv.Itoa(sz.ptyJobs)
	ulimited := func(v variant) variant {
		if v.argv != nil {
			v.argv = append([]string{"sh", "-c", `ulimit -n 1024 && exec "$@"`, "sh"}, v.argv...)
		}
		return v
	}
	par := ulimited(t.variant("parallel", t.parallel, "--will-cite", "-j"+j, "sh", "-c", "'sleep 1; echo ok'"))
	par.stdin, par.tally = manyList, countOK(sz.ptyJobs)
	ws = append(ws, &workload{
		name:  "ptyjobs",
		title: fmt.Sprintf("%d concurrent jobs (sleep 1; echo ok) under ulimit -n 1024, drover's under a pty each", sz.ptyJobs),
		unit:  "job", ops: sz.ptyJobs,
		variants: []variant{
			ulimited(variant{tool: "drover", argv: []string{t.drover, "run", "-j", j, many}, tally: droverTally}),
			par,
		},
	})

	// Start-up: a one-step script against expect's one-liner.
	one := filepath.Join(dir, "startup.yaml")
	if err := os.WriteFile(one, []byte("# Generated by testdata/bench: the start-up workload.\nname: start-up\nsteps:\n  - spawn: [true]\n"), 0o644); err != nil {
		return nil, err
	}
	ws = append(ws, &workload{
		name:  "startup",
		title: "start-up: a one-step script (spawn true) against expect -c 'spawn true; expect eof'",
		unit:  "run", ops: 1, more: 3 * shortRuns,
		variants: []variant{
			{tool: "drover", argv: []string{t.drover, "run", one}},
			unsupervised(variant{tool: "drover", argv: []string{t.drover, "run", one}}),
			t.variant("expect", t.expect, "-c", "spawn true; expect eof"),
			labelled("floor: Go, supervisor and worker", t.variant("floor", t.floor, "startup")),
			labelled("floor: Go, one process", t.variant("floor", t.floor, "startup1")),
		},
	})

	// nslookup: one interactive session against the driver's dnsmasq,
	// asking for each name of a table and checking its address.
	table := filepath.Join(dir, fmt.Sprintf("nslookup-%d.csv", sz.queries))
	if err := os.WriteFile(table, nslookupCSV(sz.queries), 0o644); err != nil {
		return nil, err
	}
	ns := filepath.Join(dir, fmt.Sprintf("nslookup-%d.yaml", sz.queries))
	if err := os.WriteFile(ns, nslookupYAML(sz.queries, table), 0o644); err != nil {
		return nil, err
	}
	p := strconv.Itoa(port)
	nsIn := filepath.Join(dir, fmt.Sprintf("nslookup-%d.txt", sz.queries))
	if err := os.WriteFile(nsIn, nslookupInput(port, sz.queries), 0o644); err != nil {
		return nil, err
	}
	nsFloor := labelled("floor: nslookup < file", t.variant("floor", t.nslookup))
	nsFloor.stdin = nsIn
	nsw := &workload{
		name:  "nslookup",
		title: fmt.Sprintf("nslookup: %d names of a csv table, each A answer checked, in one interactive session, loopback dnsmasq", sz.queries),
		unit:  "query", ops: sz.queries, more: shortRuns,
		variants: []variant{
			{tool: "drover", argv: []string{t.drover, "run", "--var", "port=" + p, ns}},
			unsupervised(variant{tool: "drover", argv: []string{t.drover, "run", "--var", "port=" + p, ns}}),
			t.variant("expect", t.expect, filepath.Join(self, "nslookup.exp"), p, table),
			t.variant("pexpect", t.python, filepath.Join(self, "peers.py"), "nslookup", p, table),
			nsFloor,
		},
	}
	if port == 0 {
		for i := range nsw.variants {
			nsw.variants[i].argv = nil
			nsw.variants[i].why = "no dnsmasq or nslookup"
		}
	}
	ws = append(ws, nsw)

	// setup: a matrix of nslookup jobs, one per row of a table of names
	// and addresses, sharing one setup: dnsmasq, against the same with a
	// dnsmasq started by each job.
	hosts := filepath.Join(dir, fmt.Sprintf("lookups-%d.hosts", sz.lookups))
	rows := filepath.Join(dir, fmt.Sprintf("lookups-%d.csv", sz.lookups))
	if err := os.WriteFile(hosts, nslookupHosts(sz.lookups), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(rows, nslookupCSV(sz.lookups), 0o644); err != nil {
		return nil, err
	}
	shared := filepath.Join(dir, fmt.Sprintf("setup-shared-%d.yaml", sz.lookups))
	perJob := filepath.Join(dir, fmt.Sprintf("setup-perjob-%d.yaml", sz.lookups))
	if err := os.WriteFile(shared, lookupsYAML(rows, t.dnsmasq, hosts, true), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(perJob, lookupsYAML(rows, t.dnsmasq, hosts, false), 0o644); err != nil {
		return nil, err
	}
	sw := &workload{
		name:  "setup",
		title: fmt.Sprintf("setup: a matrix of %d nslookup jobs (csv: name,address) on 2 workers, one dnsmasq for all", sz.lookups),
		unit:  "job", ops: sz.lookups,
		variants: []variant{
			{tool: "drover", argv: []string{t.drover, "run", "-j", "2", shared}},
			{tool: "drover-perjob", label: "drover, a dnsmasq per job", argv: []string{t.drover, "run", "-j", "2", perJob}},
		},
	}
	if t.dnsmasq == "" || t.nslookup == "" {
		for i := range sw.variants {
			sw.variants[i].argv = nil
			sw.variants[i].why = "no dnsmasq or nslookup"
		}
	}
	ws = append(ws, sw)
	for _, w := range ws {
		for i := range w.variants {
			if w.variants[i].label == "" {
				w.variants[i].label = w.variants[i].tool
			}
		}
		if t.candidate != "" {
			w.variants = withCandidate(w.variants, t)
		}
	}
	return ws, nil
}

// variant returns the argv that runs tool, or a variant that says which
// package is missing when prog is empty.
func (t *tools) variant(tool, prog string, args ...string) variant {
	if prog == "" {
		return variant{tool: tool, why: "not installed (apt-get install " + t.missing[tool] + ")"}
	}
	return variant{tool: tool, argv: append([]string{prog}, args...)}
}

// withCandidate adds after each drover variant the same run of the
// candidate binary: the drover binary replaced wherever the argv names
// it, not only first (a run under sh -c 'ulimit ...; exec "$@"' starts
// with sh).
func withCandidate(vs []variant, t *tools) []variant {
	var out []variant
	for _, v := range vs {
		out = append(out, v)
		if v.tool == "drover" && v.argv != nil {
			c := v
			c.tool, c.label = "candidate", strings.Replace(v.label, "drover", "candidate", 1)
			c.argv = make([]string, len(v.argv))
			for i, a := range v.argv {
				if a == t.drover {
					a = t.candidate
				}
				c.argv[i] = a
			}
			out = append(out, c)
		}
	}
	return out
}

// moving says that each of vs moves n bytes: its rate is in bytes.
func moving(n int64, vs ...variant) []variant {
	for i := range vs {
		vs[i].bytes = n
	}
	return vs
}

// labelled names v's row.
// unsupervised is drover's variant v run as one process, without the
// supervisor that ends every process of a script when drover is killed
// (DROVER_NO_SUPERVISOR=1): the row shows what that guarantee costs.
func unsupervised(v variant) variant {
	v.tool, v.label = "drover-unsupervised", "drover, unsupervised (DROVER_NO_SUPERVISOR=1)"
	v.env = append(v.env, "DROVER_NO_SUPERVISOR=1")
	return v
}

func labelled(label string, v variant) variant {
	v.label = label
	return v
}

// behind makes v read the output of the shell pipeline producer, as the
// drover script's spawned program does: sh -c "producer | v".
func behind(producer string, v variant) variant {
	if v.argv != nil {
		v.argv = []string{"sh", "-c", producer + " | " + strings.Join(v.argv, " ") + " >/dev/null"}
	}
	return v
}

// line is the text the throughput workloads print, over and over.
const line = "the quick brown fox jumps over the lazy dog 0123456789"

// roundTripYAML is the drover side of the round-trip workload, as
// roundtrip.exp does it: n steps of send, n of expect.
func roundTripYAML(n int) []byte {
	var b strings.Builder
	b.WriteString("# Generated by testdata/bench: the drover side of the round-trip workload.\n")
	fmt.Fprintf(&b, "name: round trip x%d\ntimeout: 10m\nsteps:\n", n)
	b.WriteString("  - spawn: [sh, -c, \"stty -echo; echo ready; exec cat\"]\n")
	b.WriteString("  - expect: \"ready\\n\"\n")
	for i := range n {
		fmt.Fprintf(&b, "  - send: ping-%d\n  - expect: \"ping-%d\\n\"\n", i, i)
	}
	b.WriteString("  - send: {eof: true}\n  - wait:\n")
	return []byte(b.String())
}

// tableName and tableAddr are the i-th name of the nslookup workload's
// table and its address: one name per query, in 198.18.0.0/15, the range
// RFC 2544 sets aside for benchmarks.
func tableName(i int) string { return fmt.Sprintf("q%04d.example.test", i) }
func tableAddr(i int) string { return fmt.Sprintf("198.18.%d.%d", (i+1)/256, (i+1)%256) }

// nslookupHosts is the hosts file of the driver's dnsmasq: the n names of
// the table. It is written before dnsmasq starts.
func nslookupHosts(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s %s\n", tableAddr(i), tableName(i))
	}
	return []byte(b.String())
}

// nslookupCSV is the table the nslookup workload's variants read: the
// first n names and their addresses, with a header row.
func nslookupCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("name,address\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,%s\n", tableName(i), tableAddr(i))
	}
	return []byte(b.String())
}

// nslookupYAML asks for each name of the csv table in one session and
// asserts its address, as examples/nslookup-table.yaml does and as
// nslookup.exp and peers.py do: send the name, capture the address after
// its Name: line, wait for the prompt, compare. prompt: fails a wrong or
// missing answer once nslookup is back at its prompt; the peers have the
// same "> " alternative.
func nslookupYAML(n int, table string) []byte {
	var b strings.Builder
	b.WriteString("# Generated by testdata/bench: the drover side of the nslookup workload.\n")
	fmt.Fprintf(&b, "name: nslookup x%d\ntimeout: 5m\nvars: {port: \"53\"}\nsteps:\n", n)
	b.WriteString(`  - spawn: {cmd: [nslookup], prompt: "> "}
  - expect: "> "
  - send: server 127.0.0.1
  - expect: "> "
  - send: set port=${port}
  - expect: "> "
  - each:
      csv: "` + table + `"
      steps:
        - send: ${name}
        - expect:
            re: 'Name:\s+${name|re}\nAddress: (\S+)\n'
            capture: [addr]
        - expect: "> "
        - assert: {var: addr, equals: "${address}"}
  - send: exit
  - wait: {exit: 0}
`)
	return []byte(b.String())
}

// lookupsYAML is a matrix of jobs, one per row of the csv table rows,
// each one nslookup of the row's name checked against its address, asking
// a dnsmasq serving hosts: one started by setup: when shared, else one per
// job.
func lookupsYAML(rows, dnsmasq, hosts string, shared bool) []byte {
	server := fmt.Sprintf(`  - free_port: port
  - spawn:
      tty: false
      cmd: ["%s", --no-daemon, --conf-file=/dev/null, --no-resolv, --no-hosts,
            "--addn-hosts=%s", --local=/example.test/,
            --listen-address=127.0.0.1, --bind-interfaces, "--port=${port}"]
  - wait_port: 127.0.0.1:${port}
`, dnsmasq, hosts)
	var b strings.Builder
	b.WriteString("# Generated by testdata/bench: the setup workload.\n")
	fmt.Fprintf(&b, "name: lookups\ntimeout: 5m\nenv: {LC_ALL: C}\nmatrix:\n  csv: \"%s\"\n", rows)
	if shared {
		b.WriteString("setup:\n" + server + "steps:\n")
	} else {
		b.WriteString("steps:\n" + server)
	}
	b.WriteString(`  - run:
      cmd: [nslookup, "-port=${port}", "${name}", 127.0.0.1]
      stdout: {contains: "Address: ${address}\n"}
`)
	return []byte(b.String())
}

// nslookupInput is the same session typed in advance, for nslookup to
// read from a pipe: the floor, with no waiting for answers or prompts.
func nslookupInput(port, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "server 127.0.0.1\nset port=%d\n", port)
	for i := range n {
		fmt.Fprintf(&b, "%s\n", tableName(i))
	}
	b.WriteString("exit\n")
	return []byte(b.String())
}

// mb formats a byte count the way the issue does: 200 MB, 1 GB.
func mb(n int64) string {
	if n >= 1e9 && n%1e9 == 0 {
		return fmt.Sprintf("%d GB", n/1e9)
	}
	return fmt.Sprintf("%d MB", n/1e6)
}
