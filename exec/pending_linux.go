package exec

import (
	"bytes"
	"context"
	"strconv"
	"syscall"
	"time"
)

// awaitDelivered waits until the process pid has taken sig sent to its
// group, so that a second one sent after it is not merged with it: Linux
// keeps one pending instance of a signal, and a process the machine has
// not let run yet would see two hang-ups as one. It returns at once when
// the signal is not pending or is blocked (it would wait forever), and
// when the process is reaped or ctx is done. It looks only after a first
// pause of 2 ms: most processes take a hang-up at once and die of it, and
// then reading /proc would only delay Terminate (1-2% of a one-step run).
func awaitDelivered(ctx context.Context, reaped <-chan struct{}, pid int, sig syscall.Signal) {
	for {
		t := time.NewTimer(2 * time.Millisecond)
		select {
		case <-t.C:
		case <-reaped:
			t.Stop()
			return
		case <-ctx.Done():
			t.Stop()
			return
		}
		if !pending(pid, sig) {
			return
		}
	}
}

// pending tells whether sig is pending for the process pid, sent to it
// (or its group) and not yet taken, and not blocked.
func pending(pid int, sig syscall.Signal) bool {
	b, err := readProc("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false // Gone.
	}
	shd, okP := statusMask(b, "ShdPnd:")
	blk, okB := statusMask(b, "SigBlk:")
	bit := uint64(1) << (sig - 1)
	return okP && okB && shd&bit != 0 && blk&bit == 0
}

// statusMask reads a signal mask, in hex, from the line of /proc/PID/status
// that starts with key.
func statusMask(b []byte, key string) (uint64, bool) {
	i := bytes.Index(b, []byte("\n"+key))
	if i < 0 {
		return 0, false
	}
	line := b[i+1+len(key):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	m, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 64)
	return m, err == nil
}
