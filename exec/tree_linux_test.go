//go:build linux

package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests of this file rely on TestMain having made the test binary a
// subreaper, as drover's main does.

// startDaemon starts helperDaemon in mode ("exit" or "stay") with the
// daemon running helper args, and returns the starter and the daemon's
// pid, checking that the daemon escaped the starter's group and session
// and was handed to this program.
func startDaemon(t *testing.T, ctx context.Context, tty bool, mode string, helper ...string) (*Process, int) {
	t.Helper()
	helperUsed.Store("daemon-middle", true)
	helperUsed.Store(helper[0], true)
	c := helperCmd(t, "daemon", append([]string{mode}, helper...)...)
	c.TTY = tty
	p := mustStart(t, ctx, c)
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`daemon (\d+)\n`)})
	pid, err := strconv.Atoi(m.Groups[1])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // Should the test fail.
	st, err := readStat(pid)
	if err != nil {
		t.Fatalf("the daemon %d: %v", pid, err)
	}
	if st.pgrp == p.Pid || st.session == p.Pid {
		t.Fatalf("the daemon %d stayed in the group or session of %d: %+v", pid, p.Pid, st)
	}
	if st.ppid != os.Getpid() {
		t.Fatalf("the daemon's parent is %d, want the test binary %d, its subreaper", st.ppid, os.Getpid())
	}
	return p, pid
}

// reaped reports whether pid is gone entirely: dead and reaped, not a
// zombie waiting for a parent.
func reaped(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return errors.Is(err, fs.ErrNotExist)
}

// describePid says what /proc knows of pid, for messages.
func describePid(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// A daemon that double-forked out of the group and the session of the
// process that started it is ended with that process's tree, whether the
// process still runs or has exited, and reaped: nothing is left.
func TestTerminateDaemon(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, starter := range []string{"exit", "stay"} {
			for _, daemon := range []string{"hang", "ignore-term"} {
				t.Run(mode.name+"/"+starter+"/"+daemon, func(t *testing.T) {
					t.Parallel()
					ctx := testContext(t, 20*time.Second)
					p, pid := startDaemon(t, ctx, mode.tty, starter, daemon)
					if starter == "exit" {
						if st, err := p.Wait(ctx); err != nil {
							t.Fatalf("the starter: %v, %v; want exit 0", st, err)
						}
					}
					// A daemon that dies of SIGTERM must not cost the grace;
					// one that ignores it is killed once the grace is over.
					grace := time.Hour
					if daemon == "ignore-term" {
						grace = 200 * time.Millisecond
					}
					began := time.Now()
					if err := p.Terminate(ctx, grace); err != nil {
						t.Fatalf("Terminate: %v", err)
					}
					if ctx.Err() != nil {
						t.Fatalf("Terminate took %s", time.Since(began))
					}
					if !reaped(pid) {
						t.Fatalf("the daemon %d is left after Terminate: %s", pid, describePid(pid))
					}
				})
			}
		}
	}
}

// Children that started sessions of their own go with their parent's
// tree, though the parent ignores SIGTERM and lives through the grace.
func TestTerminateSetsidChildren(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 10*time.Second)
			c := helperCmd(t, "grandchildren", "ignore-term", "setsid", "ignore-term")
			c.TTY = mode.tty
			helperUsed.Store("ignore-term", true)
			p := mustStart(t, ctx, c)
			m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`pids (\d+) (\d+)\n`)})
			var pids []int
			for _, g := range m.Groups[1:] {
				pid, _ := strconv.Atoi(g)
				pids = append(pids, pid)
				t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // Should the test fail.
				if pgid, _ := syscall.Getpgid(pid); pgid == p.Pid {
					t.Fatalf("child %d is in the group of %d", pid, p.Pid)
				}
			}
			if err := p.Terminate(ctx, 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			for _, pid := range pids {
				if !reaped(pid) {
					t.Errorf("child %d is left after Terminate: %s", pid, describePid(pid))
				}
			}
		})
	}
}

// exitingOrphan starts a daemon, an orphan handed to this program, and
// has it exit by itself: it returns its pid.
func exitingOrphan(t *testing.T, ctx context.Context) int {
	t.Helper()
	p, pid := startDaemon(t, ctx, false, "exit", "write", "ready\n", "<sig>")
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil { // It exits 0.
		t.Fatal(err)
	}
	return pid
}

// An orphan that exits by itself is reaped by the subreaper, not left a
// zombie, with no process of this package ending after it (the reaper's
// sweep, not the one at a process's end). Not parallel: another test's
// process ending would reap it.
func TestOrphanReaped(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	pid := exitingOrphan(t, ctx)
	for !reaped(pid) {
		select {
		case <-ctx.Done():
			t.Fatalf("the orphan %d was never reaped: %s", pid, describePid(pid))
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// An orphan that exited is reaped as soon as a process started here
// ends, not a sweep of the reaper later (it catches no SIGCHLD). Not
// parallel: another test's process ending would reap it first.
func TestOrphanReapedAtProcessEnd(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	pid := exitingOrphan(t, ctx)
	for !isZombie(pid) && !reaped(pid) {
		select {
		case <-ctx.Done():
			t.Fatalf("the orphan %d never exited: %s", pid, describePid(pid))
		case <-time.After(time.Millisecond):
		}
	}
	helperUsed.Store("exit", true)
	if _, err := mustStart(t, ctx, helperCmd(t, "exit", "0")).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !reaped(pid) {
		t.Errorf("the orphan %d is still a zombie once another process ended: %s", pid, describePid(pid))
	}
}

// The orphan reaper leaves alone the children that a program starts with
// os/exec directly: their Wait still gets their status.
func TestReaperSparesForeignChildren(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	helperUsed.Store("exit", true)
	p := mustStart(t, ctx, helperCmd(t, "spawn-foreign", "7"))
	m, err := p.Expect(ctx, Stdout, Pattern{Regexp: regexp.MustCompile(`foreign (.*)\n`)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Groups[1] != "exit 7" {
		t.Errorf("the foreign child's Wait: %q, want exit 7", m.Groups[1])
	}
	if st, err := p.Wait(ctx); err != nil {
		t.Errorf("Wait = %v, %v; stderr %q", st, err, p.Recent(Stderr))
	}
}

// A daemon with a clean environment cannot be told from a stranger's, and
// outlives Terminate; KillAll, for a program about to exit, ends it.
func TestKillAllEndsCleanDaemon(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	helperUsed.Store("daemon", true)
	helperUsed.Store("daemon-middle", true)
	p := mustStart(t, ctx, helperCmd(t, "kill-all"))
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`survived Terminate: (\w+)\n`)})
	t.Logf("the clean daemon survived Terminate: %s", m.Groups[1])
	expect(t, ctx, p, Stdout, text("gone\n"))
	if st, err := p.Wait(ctx); err != nil {
		t.Errorf("Wait = %v, %v; stderr %q", st, err, p.Recent(Stderr))
	}
}

// Without BecomeSubreaper, a daemon's orphan is handed to another
// process: KillAll finds it by its marker.
func TestKillAllEndsMarkedOrphanWithoutSubreaper(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	helperUsed.Store("daemon", true)
	helperUsed.Store("daemon-middle", true)
	p := mustStart(t, ctx, helperCmd(t, "kill-all", "plain"))
	m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`survived Terminate: (\w+)\n`)})
	if m.Groups[1] != "true" {
		t.Errorf("the orphan did not survive Terminate: the test shows nothing")
	}
	expect(t, ctx, p, Stdout, text("gone\n"))
	if st, err := p.Wait(ctx); err != nil {
		t.Errorf("Wait = %v, %v; stderr %q", st, err, p.Recent(Stderr))
	}
}

// Every process gets MarkerVar, added to any value it inherits.
func TestMarkerEnv(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	tok := regexp.QuoteMeta(instance) + `\.\d+`
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"fresh", nil, `^` + tok + `$`},
		{"inherited", []string{MarkerVar + "=abc.1"}, `^abc\.1,` + tok + `$`},
		{"empty", []string{MarkerVar + "="}, `^` + tok + `$`},
	}
	for _, tt := range tests {
		c := helperCmd(t, "where", MarkerVar)
		c.Env = append(c.Env, tt.env...)
		p := mustStart(t, ctx, c)
		m := expect(t, ctx, p, Stdout, Pattern{Regexp: regexp.MustCompile(`env (.*)\n`)})
		if !regexp.MustCompile(tt.want).MatchString(m.Groups[1]) {
			t.Errorf("%s: %s=%q, want /%s/", tt.name, MarkerVar, m.Groups[1], tt.want)
		}
		if !markedWith([]byte("A=1\x00"+MarkerVar+"="+m.Groups[1]+"\x00"), func(s string) bool { return s == p.marker }) {
			t.Errorf("%s: markedWith does not find %q in %q", tt.name, p.marker, m.Groups[1])
		}
	}
	// A nil Env is this program's, with PWD as os/exec sets it.
	env := markedEnv(&Cmd{Dir: "/tmp"}, "x.1")
	if env[len(env)-1] != MarkerVar+"=x.1" || !strings.Contains(strings.Join(env, "\n"), "\nPWD=/tmp\n") {
		t.Errorf("markedEnv with a nil Env: %q", env)
	}
}

func TestReadStat(t *testing.T) {
	t.Parallel()
	st, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != os.Getppid() || st.pgrp != syscall.Getpgrp() || st.state == 'Z' {
		t.Errorf("readStat(self) = %+v; ppid %d, pgrp %d", st, os.Getppid(), syscall.Getpgrp())
	}
	if _, err := readStat(1 << 30); err == nil {
		t.Error("readStat of no process succeeded")
	}
}

// The orphans are read anew at each look from the children file kept
// open: those that came since are seen, those reaped since are not,
// however many there are (more than the first read's 512 bytes).
func TestOrphansReadAnew(t *testing.T) {
	t.Parallel()
	// sh starts n sleeps and exits: they are orphans, handed to the
	// test binary, a subreaper, and in a group of their own, which its
	// reaper reaps once they die.
	orphans := func(n int) []int {
		t.Helper()
		sh := osexec.Command("sh", "-c", fmt.Sprintf(`i=0; while [ $i -lt %d ]; do sleep 60 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`, n))
		sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := sh.Output()
		if err != nil {
			t.Fatal(err)
		}
		var pids []int
		for _, f := range strings.Fields(string(out)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		}
		return pids
	}
	var k kin
	listed := func(pids []int) (in, out []int) {
		seen := map[int]bool{}
		for _, pid := range k.orphans() {
			seen[pid] = true
		}
		for _, pid := range pids {
			if seen[pid] {
				in = append(in, pid)
			} else {
				out = append(out, pid)
			}
		}
		return in, out
	}
	first := orphans(2)
	if _, out := listed(first); len(out) > 0 {
		t.Fatalf("orphans %v are not listed", out)
	}
	more := orphans(150)
	if _, out := listed(append(more, first...)); len(out) > 0 {
		t.Fatalf("%d of %d orphans are not listed once more came: %v", len(out), len(more)+len(first), out)
	}
	for _, pid := range first {
		_ = syscall.Kill(pid, syscall.SIGKILL) // The reaper reaps them.
	}
	ctx := testContext(t, 10*time.Second)
	for {
		in, _ := listed(first)
		if len(in) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("orphans %v are still listed after they were killed: %s", in, describePid(in[0]))
		case <-time.After(5 * time.Millisecond):
		}
	}
	if _, out := listed(more); len(out) > 0 {
		t.Fatalf("%d of %d orphans still running are not listed: %v", len(out), len(more), out)
	}
}
