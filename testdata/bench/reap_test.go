package main

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be the reaper measure starts (reap) and
// the programs it times (helper).
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == reapArg {
		os.Exit(reap(os.Args[2:]))
	}
	if h := os.Getenv("BENCH_TEST_HELPER"); h != "" {
		os.Exit(helper(h))
	}
	os.Exit(m.Run())
}

// burnCPU is the CPU the orphan helper's child uses before it ends.
const burnCPU = 200 * time.Millisecond

// helper is a program for measure to time: "orphan" starts "burn" in a
// session of its own, as a program under a pty is, and ends without
// waiting for it, as Tcl Expect leaves the program it drove; "burn"
// spins until it has used burnCPU of CPU; "exit3" exits with 3; "env"
// exits with 0 if BENCH_TEST_ENV is 1, else 4.
func helper(name string) int {
	switch name {
	case "orphan":
		self, _ := os.Executable()
		cmd := osexec.Command(self)
		cmd.Env = append(os.Environ(), "BENCH_TEST_HELPER=burn")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return 1
		}
		return 0
	case "burn":
		for {
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
				return 1
			}
			if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= burnCPU {
				return 0
			}
		}
	case "dns":
		// Starts the nslookup workload's dnsmasq, then waits to be killed.
		table := os.Getenv("BENCH_TEST_TABLE")
		if _, _, err := startDNS(context.Background(), os.Getenv("BENCH_TEST_DNSMASQ"), table); err != nil {
			os.Stdout.WriteString(err.Error() + "\n")
			return 1
		}
		os.Stdout.WriteString("started\n")
		select {}
	case "exit3":
		return 3
	case "env":
		if os.Getenv("BENCH_TEST_ENV") == "1" {
			return 0
		}
		return 4
	}
	return 2
}

func helperVariant(t *testing.T, name string) variant {
	t.Setenv("BENCH_TEST_HELPER", name)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return variant{tool: name, label: name, argv: []string{self}}
}

// The CPU of a run counts what it left running, which the harness waits
// for: a program that leaves the one it drove to init is not cheaper.
func TestMeasureCountsOrphans(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("orphans are reaped on Linux only")
	}
	s, err := measure(context.Background(), helperVariant(t, "orphan"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.cpu < burnCPU {
		t.Errorf("CPU %v, want at least the orphan's %v", s.cpu, burnCPU)
	}
	if s.wall <= 0 || s.rssKB <= 0 {
		t.Errorf("wall %v, peak RSS %d KiB", s.wall, s.rssKB)
	}
}

// A failed run fails with its exit status.
func TestMeasureExitStatus(t *testing.T) {
	_, err := measure(context.Background(), helperVariant(t, "exit3"), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err = %v, want exit status 3", err)
	}
}

// A variant's env reaches the timed program: the unsupervised drover
// rows are drover run with DROVER_NO_SUPERVISOR=1.
func TestMeasurePassesEnv(t *testing.T) {
	v := helperVariant(t, "env")
	if _, err := measure(context.Background(), v, t.TempDir()); err == nil || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("without env: err = %v, want exit status 4", err)
	}
	v.env = []string{"BENCH_TEST_ENV=1"}
	if _, err := measure(context.Background(), v, t.TempDir()); err != nil {
		t.Errorf("with env: %v", err)
	}
	if u := unsupervised(variant{tool: "drover"}); len(u.env) != 1 || u.env[0] != "DROVER_NO_SUPERVISOR=1" {
		t.Errorf("unsupervised env = %q", u.env)
	}
}

// The harness's dnsmasq dies with the harness, even when the harness is
// killed with SIGKILL and its clean-up never runs.
func TestDNSDiesWithHarness(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a server dies with its parent on Linux only (Pdeathsig)")
	}
	dnsmasq, err := osexec.LookPath("dnsmasq")
	if err != nil {
		dnsmasq, err = osexec.LookPath("/usr/sbin/dnsmasq")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("requires dnsmasq (dnsmasq-base), not installed")
		}
		t.Skip("requires dnsmasq (dnsmasq-base), not installed")
	}
	table := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(table, []byte("192.0.2.1 a.example.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	cmd := osexec.Command(self)
	cmd.Env = append(os.Environ(), "BENCH_TEST_HELPER=dns", "BENCH_TEST_DNSMASQ="+dnsmasq, "BENCH_TEST_TABLE="+table)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 256)
	n, _ := out.Read(line)
	if !strings.HasPrefix(string(line[:n]), "started") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the helper did not start dnsmasq: %s", line[:n])
	}
	var servers []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", cmd.Process.Pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		servers = append(servers, strings.Fields(string(b))...)
	}
	if len(servers) != 1 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("want the helper's one child, dnsmasq; found %v", servers)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	gone := func() bool {
		b, err := os.ReadFile("/proc/" + servers[0] + "/stat")
		return err != nil || strings.Contains(string(b), ") Z ")
	}
	for deadline := time.Now().Add(5 * time.Second); !gone() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !gone() {
		pid, _ := strconv.Atoi(servers[0])
		_ = syscall.Kill(pid, syscall.SIGKILL) // Leave the machine clean.
		t.Errorf("dnsmasq %s outlived the harness that started it, killed with SIGKILL", servers[0])
	}
}
