package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// setupMatrix returns a matrix axis n of 1 to count, as YAML.
func setupMatrix(count int) string {
	ns := make([]string, count)
	for i := range ns {
		ns[i] = fmt.Sprint(i + 1)
	}
	return "[" + strings.Join(ns, ", ") + "]"
}

// One dnsmasq, started by setup:, serves every job of a 24-job matrix of
// nslookup queries: its query log shows one start, one pid, and a query
// from each job; and no dnsmasq is left once drover has exited.
func TestSetupSharedServer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	need(t, "dnsmasq", "nslookup")
	t.Parallel()
	const jobs = 24
	dir := t.TempDir()
	var hosts strings.Builder
	for i := 1; i <= jobs; i++ {
		fmt.Fprintf(&hosts, "192.0.2.%d h%d.example.test\n", i, i)
	}
	writeScript(t, dir, "hosts", hosts.String())
	dnsLog := filepath.Join(dir, "dns.log")
	path := writeScript(t, dir, "shared.yaml", fmt.Sprintf(`name: shared
env: {LC_ALL: C}
matrix:
  n: %s
setup:
  - free_port: port
  - spawn:
      name: dns
      tty: false
      cmd: [dnsmasq, --no-daemon, --conf-file=/dev/null, --no-resolv, --no-hosts,
            --addn-hosts=hosts, --local=/example.test/, --log-queries, "--log-facility=%s",
            --listen-address=127.0.0.1, --bind-interfaces, "--port=${port}"]
  - wait_port: 127.0.0.1:${port}
steps:
  - wait_port: 127.0.0.1:${port}
  - run:
      cmd: [nslookup, "-port=${port}", "h${n}.example.test", 127.0.0.1]
      stdout: {contains: "Address: 192.0.2.${n}"}
`, setupMatrix(jobs), dnsLog))
	code, out, errs := droverRun(t, dir, "run", "-j", "4", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, fmt.Sprintf("%d passed, 0 failed", jobs)) {
		t.Errorf("summary:\n%s", out)
	}
	waitNoneLeft(t, dnsLog, out+errs)
	b, err := os.ReadFile(dnsLog)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if n := strings.Count(log, "started, version"); n != 1 {
		t.Errorf("dnsmasq started %d times, want once:\n%s", n, log)
	}
	pids := map[string]bool{}
	for _, m := range regexp.MustCompile(`dnsmasq\[(\d+)\]`).FindAllStringSubmatch(log, -1) {
		pids[m[1]] = true
	}
	if len(pids) != 1 {
		t.Errorf("the log shows %d dnsmasq pids, want 1: %v", len(pids), pids)
	}
	for i := 1; i <= jobs; i++ {
		if !strings.Contains(log, fmt.Sprintf("query[A] h%d.example.test ", i)) {
			t.Errorf("no query for h%d in the log:\n%s", i, log)
		}
	}
}

// A setup that fails fails every job of its script with the setup's
// error, at its file:line:col, and none of their steps runs; what the
// setup spawned is ended.
func TestSetupFailsEveryJob(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	dir := t.TempDir()
	marker := uniqueSleep()
	path := writeScript(t, dir, "broken.yaml", fmt.Sprintf(`name: broken
matrix:
  n: [1, 2, 3, 4, 5]
setup:
  - spawn: {name: server, cmd: [sleep, "%s"], tty: false}
  - run: {shell: "echo no database >&2; exit 3"}
steps:
  - run: {shell: "touch ran-${n}"}
`, marker))
	js := filepath.Join(dir, "r.json")
	code, out, errs := droverRun(t, dir, "run", "--report", "json="+js, path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	if n := strings.Count(out, "setup failed: "+path+":6:5: run: want exit 0, got exit 3"); n != 5 {
		t.Errorf("%d jobs name the setup's failure, want 5:\n%s", n, out)
	}
	if !strings.Contains(out, "0 passed, 5 failed") {
		t.Errorf("summary:\n%s", out)
	}
	if ran, _ := filepath.Glob(filepath.Join(dir, "ran-*")); len(ran) > 0 {
		t.Errorf("jobs ran after their setup failed: %v", ran)
	}
	for _, j := range readJSON(t, js).Jobs {
		if j.Status != "failed" || j.Error == nil || j.Error.Line != 6 || !strings.Contains(j.Error.Message, "setup failed") {
			t.Errorf("report of %s: %+v %+v", j.Name, j, j.Error)
		}
	}
	waitNoneLeft(t, "sleep\x00"+marker, out+errs)
}

// --run selecting none of a script's jobs runs none of its setup.
func TestSetupNotRunUnselected(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeScript(t, dir, "a.yaml", `name: a
setup:
  - run: {shell: "touch setup-ran"}
steps:
  - run: {shell: "true"}
`)
	writeScript(t, dir, "b.yaml", `name: b
steps:
  - run: {shell: "true"}
`)
	code, out, errs := droverRun(t, dir, "run", "--run", "^b$", "a.yaml", "b.yaml")
	if code != 0 || !strings.Contains(out, "1 passed, 0 failed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "setup-ran")); err == nil {
		t.Errorf("the setup of a script none of whose jobs was selected ran")
	}
	code, out, errs = droverRun(t, dir, "run", "--run", "^a$", "a.yaml", "b.yaml")
	if _, err := os.Stat(filepath.Join(dir, "setup-ran")); code != 0 || err != nil {
		t.Errorf("selected, the setup did not run: exit %d, %v\n%s%s", code, err, out, errs)
	}
}

// Ctrl-C while setup runs ends it and its processes; a second one, while
// jobs run beside a setup process that ignores SIGTERM, kills that too:
// no setup process outlives drover.
func TestSetupInterrupted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	for _, twice := range []bool{false, true} {
		t.Run(fmt.Sprintf("twice=%v", twice), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			marker := uniqueSleep()
			steps := `  - run: {shell: "sleep 60"}`
			setupEnd := `  - expect: {text: never, timeout: 1m}`
			if twice {
				setupEnd = ""
			}
			path := writeScript(t, dir, "int.yaml", fmt.Sprintf(`name: interrupted
matrix:
  n: [1, 2, 3]
setup:
  - spawn: {name: server, cmd: [sh, -c, "trap '' TERM; sleep %s & echo up; wait"], tty: false}
  - expect: up
%s
steps:
%s
`, marker, setupEnd, steps))
			cmd, out := startDrover(t, dir, "run", "-j", "2", path)
			awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
			began := time.Now()
			_ = cmd.Process.Signal(os.Interrupt)
			if twice {
				time.Sleep(100 * time.Millisecond)
				_ = cmd.Process.Signal(os.Interrupt)
			}
			awaitExit(t, cmd, out)
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, out.String())
			}
			if twice && time.Since(began) > 3*time.Second {
				t.Errorf("a second interrupt took %v: it waited out the grace", time.Since(began))
			}
			waitNoneLeft(t, "sleep\x00"+marker, out.String())
		})
	}
}

// The setup's processes are ended as a job's are, after the script's last
// job: terminated, gracefully, so that a server may leave its state
// behind; not killed at drover's exit.
func TestSetupEndedAfterLastJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "graceful.yaml", `name: graceful
matrix:
  n: [1, 2, 3]
setup:
  - spawn: {name: server, cmd: [sh, -c, "trap 'echo jobs: $(ls job-* | wc -l) > ended; exit 0' TERM; echo up; while :; do sleep 0.05; done"], tty: false}
  - expect: up
steps:
  - run: {shell: "touch job-${n}"}
`)
	code, out, errs := droverRun(t, dir, "run", "-j", "1", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ended"))
	if err != nil || strings.TrimSpace(string(b)) != "jobs: 3" {
		t.Errorf("the setup's server was not terminated after the last job: %q, %v", b, err)
	}
}

// A program setup: needs that is not installed stops the run before
// anything starts, as one a job needs does.
func TestSetupPreflight(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "missing.yaml", `setup:
  - spawn: {cmd: [no-such-server-drover], tty: false}
steps:
  - run: {shell: "true"}
`)
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 2 || !strings.Contains(errs, path+`:2:5: spawn: program "no-such-server-drover" is not installed`) {
		t.Errorf("exit %d, want 2 naming the program\n%s%s", code, out, errs)
	}
}

// The setup's interaction goes to -v and to a transcript of its own,
// under the script's name and "(setup)", which goes on until the setup's
// processes end, after the last job.
func TestSetupTranscript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "tr.yaml", `name: tr
matrix:
  n: [1, 2]
setup:
  - run: {shell: "echo preparing", capture: word}
steps:
  - log: ${word} ${n}
`)
	trans := filepath.Join(dir, "t")
	code, out, errs := droverRun(t, dir, "run", "-v", "--transcripts", trans, path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "tr (setup) | -- setup done") || !strings.Contains(out, "preparing 2") {
		t.Errorf("-v lacks the setup, or a job its capture:\n%s%s", out, errs)
	}
	b, err := os.ReadFile(filepath.Join(trans, "tr__setup.log"))
	if err != nil || !strings.Contains(string(b), "-- setup of tr") || !strings.Contains(string(b), "preparing") ||
		!strings.Contains(string(b), "-- setup ended") {
		t.Errorf("setup transcript: %q, %v", b, err)
	}
}
