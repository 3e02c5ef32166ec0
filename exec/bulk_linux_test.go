package exec

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// inBulk reports whether s's reader has gone over to reading in bulk.
func (s *stream) inBulk() bool {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	return s.bulk != nil
}

// A flood on a pipe is read in bulk, and every byte of it arrives.
func TestBulkFlood(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	const n = 64 << 20
	p := mustStart(t, ctx, helperCmd(t, "lots", "67108864", "END"))
	expect(t, ctx, p, Stdout, text("END\n"))
	if !p.out.inBulk() {
		t.Error("64 MiB written as fast as the pipe takes them were not read in bulk")
	}
	if st, err := p.Wait(ctx); err != nil || st.Code != 0 {
		t.Fatalf("Wait = %v, %v; want exit 0", st, err)
	}
	p.out.mu.Lock()
	got := p.out.received
	p.out.mu.Unlock()
	if want := int64(len("start\n") + n + len("END\n")); got != want {
		t.Errorf("read %d bytes, want %d", got, want)
	}
}

// After a flood, output that comes slowly (a prompt, then the answer to
// what was typed) is read as it comes: the reader, off the runtime's
// poller, waits for it in poll(2).
func TestBulkThenPrompt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	p := mustStart(t, ctx, &Cmd{Args: []string{"sh", "-c",
		"yes 0123456789abcdef | head -c 16000000; printf 'ready> '; read x; echo got $x; read y; echo got $y"}})
	expect(t, ctx, p, Stdout, text("ready> "))
	if !p.out.inBulk() {
		t.Fatal("16 MB written as fast as the pipe takes them were not read in bulk (the test proves nothing)")
	}
	send(t, ctx, p, "one\n")
	expect(t, ctx, p, Stdout, text("got one\n"))
	time.Sleep(2 * bulkIdle) // Idle: the reader waits in poll(2), its pauses over.
	send(t, ctx, p, "two\n")
	expect(t, ctx, p, Stdout, text("got two\n"))
	if st, err := p.Wait(ctx); err != nil || st.Code != 0 {
		t.Fatalf("Wait = %v, %v; want exit 0", st, err)
	}
}

// The pipe read in bulk is grown, so that the program writes more
// between two reads.
func TestBulkGrowsThePipe(t *testing.T) {
	st, w := floodStream(t)
	defer w.Close()
	st.bmu.Lock()
	fd := st.bulk.fd
	size, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	st.bmu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if size != bulkChunk {
		t.Errorf("the pipe holds %d bytes, want %d", size, bulkChunk)
	}
	st.wake(true)
	awaitReader(t, st)
}

// A grandchild that floods the pipe forever, read in bulk, does not keep
// Wait waiting past WaitDelay: the reader reads at most cutBudget more
// and ends; Terminate ends the grandchild.
func TestBulkCut(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	c := &Cmd{Args: []string{"sh", "-c", "yes flood & sleep 0.3; exit 0"}, WaitDelay: 100 * time.Millisecond}
	p := mustStart(t, ctx, c)
	expect(t, ctx, p, Stdout, text("flood\n"))
	if st, err := p.Wait(ctx); err != nil || st.Code != 0 {
		t.Fatalf("Wait = %v, %v; want exit 0 once WaitDelay has passed", st, err)
	}
	if !p.out.inBulk() {
		t.Error("yes's flood was not read in bulk (the test proves nothing)")
	}
	if err := p.Terminate(ctx, time.Second); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
}

// Closed (closeOutput) while it waits in poll(2) for more, a reader in
// bulk ends at once, with no error: the writer is still there.
func TestBulkCloseWhileWaiting(t *testing.T) {
	st, w := floodStream(t)
	defer w.Close()
	st.wake(true)
	awaitReader(t, st)
	if st.err != nil {
		t.Errorf("the reader ended with %v, want no error", st.err)
	}
}

// Cut (cutOutput) while it waits in poll(2), a reader in bulk reads
// what the pipe holds and ends.
func TestBulkCutWhileWaiting(t *testing.T) {
	st, w := floodStream(t)
	defer w.Close()
	if _, err := w.Write([]byte("last\n")); err != nil {
		t.Fatal(err)
	}
	st.cut.Store(true)
	st.wake(false)
	awaitReader(t, st)
	if got := string(st.recent()); len(got) < 5 || got[len(got)-5:] != "last\n" {
		t.Errorf("the output ends %q, want what was in the pipe at the cut", got[max(0, len(got)-20):])
	}
}

// floodStream starts a stream's reader on a pipe, floods the pipe until
// the reader reads it in bulk, and returns with the reader waiting for
// more and the write end, which the caller closes.
func floodStream(t *testing.T) (*stream, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	st := newStream(0)
	st.file = r
	go st.read(r, nil, nil)
	t.Cleanup(func() { st.wake(true); _ = r.Close() })
	chunk := make([]byte, readChunk)
	for i := range chunk {
		chunk[i] = 'x'
	}
	deadline := time.Now().Add(20 * time.Second)
	for !st.inBulk() {
		if time.Now().After(deadline) {
			t.Fatal("a pipe written as fast as it takes was not read in bulk")
		}
		// Two full pipes, then a pause: the reader finds them full.
		for range 2 * 64 << 10 / readChunk {
			if _, err := w.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Millisecond)
	}
	// Wait until the reader has read everything and waits in poll(2).
	st.bmu.Lock()
	fd := st.bulk.fd
	st.bmu.Unlock()
	for {
		n, err := unix.IoctlGetInt(fd, syscall.TIOCINQ) // FIONREAD
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reader left %d bytes in the pipe", n)
		}
		time.Sleep(time.Millisecond)
	}
	return st, w
}

// awaitReader fails the test unless st's reader ends within 10 seconds.
func awaitReader(t *testing.T, st *stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-st.done:
	case <-ctx.Done():
		t.Fatal("the reader did not end")
	}
}

// At most maxBulkPipes pipes are grown at once: past that, a flood stays
// on the poller, and still arrives whole. Not parallel: it sets the count
// of the whole test binary.
func TestBulkPipesBounded(t *testing.T) {
	before := bulkPipes.Load()
	st, w := floodStream(t)
	if got := bulkPipes.Load(); got != before+1 {
		t.Errorf("%d pipes in bulk with one flooded, want %d", got, before+1)
	}
	w.Close()
	awaitReader(t, st)
	if got := bulkPipes.Load(); got != before {
		t.Errorf("%d pipes in bulk once the flood ended, want %d", got, before)
	}

	bulkPipes.Store(maxBulkPipes)
	defer bulkPipes.Store(before)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	st = newStream(0)
	st.file = r
	go st.read(r, nil, nil)
	defer r.Close()
	const n = 16 << 20
	chunk := make([]byte, 2*readChunk)
	for written := 0; written < n; written += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		if written%(1<<20) == 0 {
			time.Sleep(time.Millisecond) // The pipe fills meanwhile.
		}
	}
	w.Close()
	awaitReader(t, st)
	if st.inBulk() {
		t.Errorf("a flood was read in bulk with %d pipes in bulk already", maxBulkPipes)
	}
	if !st.triedBulk {
		t.Error("the flood was never seen: the test proves nothing")
	}
	if st.received != n {
		t.Errorf("read %d bytes, want %d", st.received, n)
	}
}
