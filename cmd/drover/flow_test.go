//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nslookupTable is a script that starts dnsmasq on a free port and looks
// up each name of cases.csv in one interactive nslookup session,
// asserting the address the csv gives.
const nslookupTable = `name: nslookup table
timeout: 1m
env: {LC_ALL: C}
steps:
  - free_port: port
  - spawn:
      name: dns
      tty: false
      cmd: [dnsmasq, --no-daemon, --conf-file=/dev/null, --no-resolv, --no-hosts,
            --addn-hosts=hosts, --local=/example.test/, --listen-address=127.0.0.1,
            --bind-interfaces, "--port=${port}", --log-facility=-, --log-queries]
  - wait_port: 127.0.0.1:${port}
  - spawn: {name: ns, cmd: [nslookup]}
  - expect: "> "
  - send: server 127.0.0.1
  - expect: "> "
  - send: set port=${port}
  - expect: "> "
  - each:
      csv: cases.csv
      steps:
        - send: ${name}
        - expect: {re: 'Name:\s+${name}\nAddress: (\S+)\n', capture: [addr]}
        - expect: "> "
        - assert: {var: addr, equals: "${address}"}
        - log: ${each.index} ${name} ${addr}
  - send: exit
  - wait:
  - terminate: dns
  - expect: {on: dns, stream: stderr, re: '(?s)(query\[A\] .*){%d}', timeout: 5s}
`

// writeTable writes hosts (dnsmasq's) and cases.csv (the script's) for n
// names; wrong, if not negative, is a row whose csv address is not the
// one dnsmasq serves.
func writeTable(t *testing.T, dir string, n, wrong int) {
	var hosts, cases strings.Builder
	cases.WriteString("name,address\n")
	for i := range n {
		name := fmt.Sprintf("h%d.example.test", i)
		addr := fmt.Sprintf("192.0.2.%d", i+1)
		fmt.Fprintf(&hosts, "%s %s\n", addr, name)
		if i == wrong {
			addr = "198.51.100.7"
		}
		fmt.Fprintf(&cases, "%s,%s\n", name, addr)
	}
	writeScript(t, dir, "hosts", hosts.String())
	writeScript(t, dir, "cases.csv", cases.String())
}

// TestEachNslookupTable drives 30 lookups from a csv through one nslookup
// session against one dnsmasq, each answer asserted, and checks from
// dnsmasq's log that it served them all.
func TestEachNslookupTable(t *testing.T) {
	need(t, "nslookup", "dnsmasq")
	t.Parallel()
	dir := t.TempDir()
	writeTable(t, dir, 30, -1)
	f := writeScript(t, dir, "table.yaml", fmt.Sprintf(nslookupTable, 30))
	code, out, errs := droverRun(t, dir, "run", "-v", f)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"0 h0.example.test 192.0.2.1\n", "29 h29.example.test 192.0.2.30\n", "1 passed, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestEachNamesFailingItem: a wrong row fails the job at the assert,
// naming the item (its index and values), the assert's file:line:col,
// what the variable was and what was wanted; the rows after it never run.
func TestEachNamesFailingItem(t *testing.T) {
	need(t, "nslookup", "dnsmasq")
	t.Parallel()
	dir := t.TempDir()
	writeTable(t, dir, 4, 1)
	f := writeScript(t, dir, "table.yaml", fmt.Sprintf(nslookupTable, 4))
	code, out, errs := droverRun(t, dir, "run", f)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	want := fmt.Sprintf(`each[1] name=h1.example.test address=198.51.100.7: %s:25:11: assert: ${addr} is "192.0.2.2", want "198.51.100.7"`, f)
	if !strings.Contains(out, want) {
		t.Errorf("output lacks\n%s\n:\n%s", want, out)
	}
	if !strings.Contains(out, "0 h0.example.test") || strings.Contains(out, "2 h2.example.test") {
		t.Errorf("the loop did not stop at the failing row:\n%s", out)
	}
}

// TestIfAssertFailBc drives bc: if/else on each answer, assert on a
// computed value, and fail with a templated message for a wrong answer.
func TestIfAssertFailBc(t *testing.T) {
	need(t, "bc")
	t.Parallel()
	dir := t.TempDir()
	src := `name: calc
timeout: 30s
vars: {bad: "3"}
steps:
  - spawn: {cmd: [bc, -q], tty: false}
  - each:
      in:
        - {expr: "6*7", want: "42"}
        - {expr: "2^10", want: "1024"}
        - {expr: "7/2", want: "${bad}"}
      steps:
        - send: ${expr}
        - expect: {re: '(-?\d+)\n', capture: [got]}
        - if: {var: got, equals: "${want}"}
          then: [{log: "ok ${expr} = ${got}"}]
          else: [{fail: "bc says ${expr} = ${got}, the table ${want}"}]
  - send: "scale=2; 10/4"
  - expect: {re: '([\d.]+)\n', capture: [q]}
  - assert: {var: q, re: '^2\.50?$'}
  - send: quit
  - wait:
`
	f := writeScript(t, dir, "calc.yaml", src)
	code, out, errs := droverRun(t, dir, "run", "--var", "bad=3", f)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "ok 6*7 = 42") || !strings.Contains(out, "ok 7/2 = 3") {
		t.Errorf("output:\n%s", out)
	}
	code, out, errs = droverRun(t, dir, "run", "--var", "bad=3.5", f)
	want := fmt.Sprintf("each[2] expr=7/2 want=3.5: %s:16:19: fail: bc says 7/2 = 3, the table 3.5", f)
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 1 and\n%s\n:\n%s%s", code, want, out, errs)
	}
}

// TestCheckFlow: drover check warns of an each over nothing and an else
// that never runs (exit 0), and stops at a missing csv or a ragged row
// (exit 2), naming the script's file:line:col and the csv's line.
func TestCheckFlow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "ragged.csv", "name,address\nwww,192.0.2.1\napi\n")
	ok := writeScript(t, dir, "warn.yaml", `vars: {mode: fast}
steps:
  - each: {in: [], steps: [{log: "${item}"}]}
  - if: {var: mode, equals: fast}
    then: [{log: fast}]
    else: [{log: slow}]
`)
	code, out, errs := droverRun(t, dir, "check", ok)
	if code != 0 || !strings.Contains(out+errs, "warn.yaml:3:5: warning: each: each over an empty list: its steps never run") ||
		!strings.Contains(out+errs, "warn.yaml:4:5: warning: if: the condition always holds") {
		t.Errorf("check: exit %d\n%s%s", code, out, errs)
	}
	bad := writeScript(t, dir, "bad.yaml", `steps:
  - each: {csv: ragged.csv, steps: [{log: "${name}"}]}
  - each: {lines: missing.txt, steps: [{log: "${item}"}]}
`)
	code, out, errs = droverRun(t, dir, "check", filepath.Base(bad))
	for _, want := range []string{
		"bad.yaml:2:17: each: csv: ragged.csv:3: the row has 1 fields, the header 2 (name,address)",
		"bad.yaml:3:19: each: lines: missing.txt: cannot read it: no such file or directory",
	} {
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("check: exit %d, want 2 and %q\n%s%s", code, want, out, errs)
		}
	}
}

// TestEachInterrupted: SIGTERM in the middle of a loop stops it at once,
// the item's process tree ended, and the report names the item it was at.
func TestEachInterrupted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	marker := uniqueSleep()
	dir := t.TempDir()
	f := writeScript(t, dir, "loop.yaml", `name: loop
steps:
  - each:
      in: [a, b, c]
      steps:
        - spawn: {cmd: [sh, -c, "echo up; exec sleep `+marker+`"], tty: false}
        - expect: up
        - log: started ${item}
        - wait: {timeout: 1m}
`)
	began := time.Now()
	cmd, out := startDroverWith(t, dir, nil, "run", f)
	awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	awaitExit(t, cmd, out)
	if exitStatus(cmd) != "exit 143" {
		t.Errorf("%s, want exit 143\n%s", exitStatus(cmd), out)
	}
	// The signal comes once sleep runs: the job is then at the log step
	// or in the wait, whichever it has reached; the report names item a.
	if want := regexp.MustCompile(`each\[0\] item=a: ` + regexp.QuoteMeta(f) + `:(8:11: log|9:11: wait: sh did not exit): interrupted \(SIGTERM\)`); !want.MatchString(out.String()) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(out.String(), "started b") {
		t.Errorf("the loop went on:\n%s", out)
	}
	waitNoneLeft(t, "sleep\x00"+marker, out.String())
	if took := time.Since(began); took > 20*time.Second {
		t.Errorf("took %v: the wait's minute was not cut short", took)
	}
}
