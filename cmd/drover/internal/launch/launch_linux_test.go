package launch

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// RemoveRoot removes the work root this user made, with what is in it,
// and leaves alone what is not a directory of this user's under that
// name: a symbolic link (to a directory of this user's, not followed)
// or, as root can check, another user's directory.
func TestRemoveRoot(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine")
	if err := os.MkdirAll(filepath.Join(mine, "drover-work-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(mine)
	if _, err := os.Lstat(mine); !os.IsNotExist(err) {
		t.Errorf("this user's root is left: %v", err)
	}
	RemoveRoot(filepath.Join(dir, "missing")) // Never made: nothing to do.
	RemoveRoot("")

	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(link)
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("a symbolic link under the root's name is removed: %v", err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the directory a symbolic link names is removed: %v", err)
	}

	if os.Geteuid() != 0 {
		t.Skip("another user's directory: only root can make one")
	}
	theirs := filepath.Join(dir, "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(theirs)
	if _, err := os.Lstat(theirs); err != nil {
		t.Errorf("another user's directory under the root's name is removed: %v", err)
	}
}

// blockingSignals runs its function with the stop signals, SIGPIPE and
// SIGURG (the runtime's preemption) blocked on its thread, as a process
// cloned there starts (package os's pidfd probe, catchEarly), but not
// the signals of a fault, and gives the thread its mask back.
func TestBlockingSignals(t *testing.T) {
	var before, inside, after uint64
	var errs [3]error
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // The same thread throughout.
		defer runtime.UnlockOSThread()
		before, errs[0] = threadMask()
		blockingSignals(func() { inside, errs[1] = threadMask() })
		after, errs[2] = threadMask()
	}()
	<-done
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, sig := range append([]os.Signal{syscall.SIGPIPE, syscall.SIGURG}, StopSignals...) {
		if bit := uint64(1) << (sig.(syscall.Signal) - 1); inside&bit == 0 {
			t.Errorf("%v is not blocked inside (SigBlk %016x)", sig, inside)
		}
	}
	for _, sig := range faultSignals {
		if bit := uint64(1) << (sig - 1); inside&bit != 0 {
			t.Errorf("%v, a fault's, is blocked inside (SigBlk %016x)", sig, inside)
		}
	}
	if after != before {
		t.Errorf("the thread's mask is %016x after, %016x before", after, before)
	}
}

// settleSignals waits while another thread blocks the fault signals, as
// the runtime's signal handler does: one that took a stop signal before
// the Notify may still kill the process with it. It stops waiting when
// the thread unblocks them, or at its timeout.
func TestSettleSignals(t *testing.T) {
	for _, timeout := range []time.Duration{time.Minute, 100 * time.Millisecond} {
		blocked, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread() // The mask is the thread's.
			defer runtime.UnlockOSThread()
			var set, was unix.Sigset_t
			set.Val[0] = handlerMask
			if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &was); err != nil {
				t.Error(err)
				close(blocked)
				return
			}
			close(blocked)
			<-release
			_ = unix.PthreadSigmask(unix.SIG_SETMASK, &was, nil) // Restored, as it was.
		}()
		<-blocked
		settled := make(chan struct{})
		start := time.Now()
		go func() {
			settleSignals(timeout)
			close(settled)
		}()
		if timeout < time.Second {
			select {
			case <-settled:
				if d := time.Since(start); d < timeout {
					t.Errorf("settled after %v, before its timeout %v, with a thread in a handler", d, timeout)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("still waiting after 10s, past its timeout %v", timeout)
			}
			close(release)
			<-done
			continue
		}
		select {
		case <-settled:
			t.Errorf("settled while a thread blocks the fault signals, as in a handler")
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		select {
		case <-settled:
		case <-time.After(10 * time.Second):
			t.Errorf("still waiting 10s after the thread unblocked the fault signals")
		}
		<-done
	}
	start := time.Now()
	settleSignals(time.Minute) // No thread in a handler: at once.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("settled after %v with no thread in a handler", d)
	}
}

// threadMask is the signal mask of the calling thread, from
// /proc/thread-self/status.
func threadMask() (uint64, error) {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("no SigBlk in /proc/thread-self/status")
}
