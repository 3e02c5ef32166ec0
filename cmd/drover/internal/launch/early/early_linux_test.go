package early

import (
	"os"
	osexec "os/exec"
	"slices"
	"strings"
	"testing"
)

// cmdline reads the arguments os.Args has, as they are: with spaces,
// tabs, empty ones, bytes that are not UTF-8, and more than one read of
// /proc/self/cmdline holds. The test runs its own
// binary with such arguments, which compares them.
func TestCmdline(t *testing.T) {
	if os.Getenv("EARLY_TEST_CMDLINE") == "1" {
		if got := cmdline(); !slices.Equal(got, os.Args) {
			os.Stdout.WriteString("cmdline " + strings.Join(got, "|") + ", os.Args " + strings.Join(os.Args, "|"))
			os.Exit(1)
		}
		os.Exit(0)
	}
	cmd := osexec.Command(os.Args[0], "-test.run=^TestCmdline$", "--", "a b", "", "\tx\xff", strings.Repeat("long ", 2000), "-")
	cmd.Env = append(os.Environ(), "EARLY_TEST_CMDLINE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// Only what marks a worker is dropped from the environment the worker
// gets: a stray value would hide the supervisor's.
func TestWithoutStray(t *testing.T) {
	env := []string{"A=1", WorkerVar + "=9", WorkerVar + "X=1", WorkRootVar + "=/x", ProcsVar + "=1", "GOMAXPROCS=3", "B"}
	want := []string{"A=1", WorkerVar + "X=1", "GOMAXPROCS=3", "B"}
	if got := withoutStray(env); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The work root's name, made by drover_entry's random bytes and the
// worker's pid, is the same in the supervisor and the worker, and differs
// between two runs even when getrandom gave nothing (all zeros).
func TestRootNameSalted(t *testing.T) {
	t.Setenv("TMPDIR", "/t")
	var zeros [8]byte
	a, b := rootName(salted(zeros, 4242)), rootName(salted(zeros, 4243))
	if a == b {
		t.Errorf("two workers without random bytes share the root %s", a)
	}
	if a != rootName(salted(zeros, 4242)) || !strings.HasPrefix(a, "/t/drover-run-") {
		t.Errorf("root %q: want the same name from the same bytes and pid, in $TMPDIR", a)
	}
	random := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	if rootName(salted(random, 4242)) == rootName(salted(random, 4243)) {
		t.Errorf("the pid does not change the name")
	}
}
