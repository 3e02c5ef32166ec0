package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drover-dev/drover/cmd/drover/internal/launch/early"
	"github.com/drover-dev/drover/script/scripttest"
)

// drover is the path of the binary built for the end-to-end tests, as
// make build makes it: started at drover_entry where it can be.
// droverExec is the same program linked without drover_entry: its worker
// is started by package early's init (Linux); drover where that is how
// make build makes it anyway.
var drover, droverExec string

func TestMain(m *testing.M) {
	if os.Getenv(helperVar) != "" {
		os.Exit(m.Run()) // A helper process of a test: it builds nothing.
	}
	// dnsmasq lives in /usr/sbin, which not every user has on PATH.
	os.Setenv("PATH", os.Getenv("PATH")+":/usr/local/sbin:/usr/sbin:/sbin")
	dir, err := os.MkdirTemp("", "drover-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	drover = filepath.Join(dir, "drover")
	droverExec = drover
	build := []string{"build", "-o", drover}
	if early.HasEntry(runtime.GOOS, runtime.GOARCH) {
		build = append(build, "-ldflags="+early.EntryFlag)
		droverExec = filepath.Join(dir, "drover-exec")
	}
	builds := [][]string{append(build, ".")}
	if droverExec != drover {
		builds = append(builds, []string{"build", "-o", droverExec, "."})
	}
	for _, args := range builds {
		if out, err := osexec.Command("go", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building drover: %v\n%s", err, out)
			os.Exit(2)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir) // Best effort: a temporary directory.
	os.Exit(code)
}

// helperVar, set in this test binary's environment, makes it a helper
// process of a test instead (TestHelperProcess, Linux): the value says
// which, the arguments after "--" what it runs.
const helperVar = "DROVER_TEST_HELPER"

// need skips t when a program is missing, and fails it under CI=true, so
// that CI never skips silently.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := osexec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true forbids skipping (install it in .ci/run)", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
}

// droverRun runs the built binary with a deadline and returns its exit
// code and output.
func droverRun(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, drover, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DROVER="+drover)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("drover %s: still running after 2m\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.String(), e.String())
	}
	code = 0
	if ee, ok := err.(*osexec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// exampleNeeds lists the programs each example drives beyond POSIX tools.
var exampleNeeds = map[string][]string{
	"nslookup.yaml":        {"nslookup", "dnsmasq"},
	"nslookup-matrix.yaml": {"nslookup", "dnsmasq"},
	"nslookup-table.yaml":  {"nslookup", "dnsmasq"},
	"nslookup-setup.yaml":  {"nslookup", "dnsmasq"},
	"bc.yaml":              {"bc"},
	"ipc.yaml":             {"socat", "bc"},
	"ssh-runbook.yaml":     {"sshd", "ssh", "ssh-keygen"},
	"sqlite3.yaml":         {"sqlite3"},
}

// exampleArgs are the flags an example needs without a terminal, as CI
// runs it: the answers to its confirm: and ask: steps.
var exampleArgs = map[string][]string{
	"ssh-runbook.yaml": {"--yes", "--var", "passphrase=correct horse battery"},
}

// TestExamples runs every examples/*.yaml through the binary: each must
// pass.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			need(t, exampleNeeds[name]...)
			if name != "nslookup.yaml" { // It holds a fixed port.
				t.Parallel()
			}
			code, out, errs := droverRun(t, ".", append(append([]string{"run"}, exampleArgs[name]...), f)...)
			if code != 0 {
				t.Fatalf("drover run %s: exit %d\n%s%s", f, code, out, errs)
			}
			if !strings.Contains(out, " passed, 0 failed") {
				t.Errorf("summary missing:\n%s", out)
			}
		})
	}
	if len(exampleNeeds) > 0 {
		for name := range exampleNeeds {
			if _, err := os.Stat(filepath.Join("../../examples", name)); err != nil {
				t.Errorf("exampleNeeds names %s, which does not exist", name)
			}
		}
	}
}

// TestScripts runs the scripts in testdata/e2e, which drive drover itself
// (through $DROVER) and assert on its output and exit codes: the tool's
// own language tests the tool, each script a parallel subtest through
// scripttest, failures reported at the script's file:line.
func TestScripts(t *testing.T) {
	scripttest.Run(t, "../../testdata/e2e/*.yaml",
		scripttest.Env(append(os.Environ(), "DROVER="+drover)))
}

// TestNoProcessLeft runs a script that spawns a tree and fails, then checks
// that no process of the tree survives drover.
func TestNoProcessLeft(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := t.TempDir()
	marker := uniqueSleep()
	src := fmt.Sprintf(`name: leaves nothing
steps:
  - spawn: {name: tree, cmd: [sh, -c, "sleep %[1]s & sleep %[1]s & echo started; exec sleep %[1]s"], tty: false}
  - expect: started
  - spawn: {name: tty, cmd: [sh, -c, "sleep %[1]s & echo up; wait"]}
  - expect: up
  - expect: {text: never printed, timeout: 200ms}
`, marker)
	path := filepath.Join(dir, "leak.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := droverRun(t, dir, "run", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	waitNoneLeft(t, "sleep\x00"+marker, out+errs)
}

// processesWith lists the pids whose command line holds s.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		pids = append(pids, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
	}
	return pids
}

// TestInterrupt sends SIGINT to drover mid-run: the running job is
// terminated, whole tree, and drover exits 130; a second SIGINT is not
// needed. With an ignoring child, a second SIGINT kills at once.
func TestInterrupt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	for _, twice := range []bool{false, true} {
		t.Run(fmt.Sprintf("twice=%v", twice), func(t *testing.T) {
			marker := uniqueSleep()
			// The tty child ignores SIGTERM, so the first SIGINT alone
			// would take the 5s grace; a second one must not wait.
			dir := t.TempDir()
			path := writeScript(t, dir, "int.yaml", fmt.Sprintf(`name: interrupted
steps:
  - spawn: {name: a, cmd: [sh, -c, "sleep %[1]s & echo started; wait"], tty: false}
  - expect: started
  - spawn: {name: b, cmd: [sh, -c, "trap '' TERM; sleep %[1]s & echo up; wait"]}
  - expect: up
  - expect: {text: never, timeout: 1m}
`, marker))
			js := filepath.Join(dir, "r.json")
			cmd, out := startDrover(t, dir, "run", "--report", "json="+js, path)
			awaitProcesses(t, cmd, out, "sleep\x00"+marker, 2)
			_ = cmd.Process.Signal(os.Interrupt)
			if twice {
				time.Sleep(100 * time.Millisecond)
				_ = cmd.Process.Signal(os.Interrupt)
			}
			awaitExit(t, cmd, out)
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, out.String())
			}
			waitNoneLeft(t, "sleep\x00"+marker, out.String())
			if r := readJSON(t, js); len(r.Jobs) != 1 || r.Jobs[0].Status != "interrupted" {
				t.Errorf("report after the interrupt: %+v", r)
			}
		})
	}
}

// TestClosedStdout: drover run | head closes drover's stdout early. The
// write that fails must not kill drover before it ends the script's
// processes.
func TestClosedStdout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	dir := t.TempDir()
	marker := uniqueSleep()
	path := writeScript(t, dir, "pipe.yaml", fmt.Sprintf(`name: closed stdout
steps:
  - spawn: {cmd: [sleep, "%s"], tty: false}
  - log: one
  - sleep: 300ms
`, marker))
	cmd := osexec.Command(drover, "run", "-v", path)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close() // Only drover holds the write end now.
	line := make([]byte, 10)
	if _, err := r.Read(line); err != nil {
		t.Fatal(err)
	}
	_ = r.Close() // What head does after its first lines.
	awaitExit(t, cmd, nil)
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Errorf("drover was killed by %v", ws.Signal())
	}
	waitNoneLeft(t, "sleep\x00"+marker, "")
}

// startDrover starts the built binary in dir, its stdout and stderr
// collected in out (read it only once drover has exited).
func startDrover(t *testing.T, dir string, args ...string) (*osexec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := osexec.Command(drover, args...)
	cmd.Dir = dir
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// awaitProcesses waits until at least n processes whose command line
// holds marker run; after 30s it kills drover and fails the test.
func awaitProcesses(t *testing.T, cmd *osexec.Cmd, out *bytes.Buffer, marker string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(processesWith(t, marker)) < n {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // Then out is whole.
			t.Fatalf("the script's processes never started\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitExit waits for drover to exit; after 30s it kills it and fails
// the test.
func awaitExit(t *testing.T, cmd *osexec.Cmd, out *bytes.Buffer) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("drover did not exit\n%s", out)
	}
}
