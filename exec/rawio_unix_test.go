//go:build unix

package exec

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/term"
)

// The reader's polledReader reads as f.Read does, with the same results
// and errors, whether it calls read(2) itself (Linux, a non-blocking
// file) or not: data, a wait for more, the end of a pipe, a pty master's
// EIO, a closed file, a read deadline.
func TestPolledReaderReadsAsFileRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pr := newPolledReader(r)
	if raw := pr.rc != nil; raw != (runtime.GOOS == "linux") {
		t.Errorf("reads a pipe with read(2) itself: %v on %s", raw, runtime.GOOS)
	}
	b := make([]byte, 64)
	if _, err := w.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if n, err := pr.Read(b); n != 4 || err != nil || string(b[:n]) != "ping" {
		t.Errorf("Read = %d %q, %v; want 4 \"ping\", nil", n, b[:n], err)
	}
	// Nothing there: it waits in the poller until something comes.
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = w.Write([]byte("pong")) // Checked by the Read.
	}()
	if n, err := pr.Read(b); n != 4 || err != nil || string(b[:n]) != "pong" {
		t.Errorf("Read after a wait = %d %q, %v; want 4 \"pong\", nil", n, b[:n], err)
	}
	_ = w.Close() // The end of the pipe.
	if n, err := pr.Read(b); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, io.EOF", n, err)
	}

	// A read deadline ends a wait; a closed file fails.
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	pr2 := newPolledReader(r2)
	if err := r2.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n, err := pr2.Read(b); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline = %d, %v; want 0, os.ErrDeadlineExceeded", n, err)
	}
	_ = r2.Close()
	if n, err := pr2.Read(b); n != 0 || !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read of a closed file = %d, %v; want 0, os.ErrClosed", n, err)
	}

	// A pty master reads EIO once its slave is closed, as f.Read does.
	m, s, err := openPTY(&Cmd{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_ = s.Close()
	pm := newPolledReader(m)
	n, err := pm.Read(b)
	var pe *os.PathError
	if n != 0 || !errors.Is(err, syscall.EIO) || !errors.As(err, &pe) || pe.Op != "read" || pe.Path != m.Name() {
		t.Errorf("Read of a master without a slave = %d, %v; want 0, read %s: EIO", n, err, m.Name())
	}
}

// A file the runtime does not poll is read with f.Read.
func TestPolledReaderBlockingFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "blocking")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("line\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	pr := newPolledReader(f)
	if pr.rc != nil {
		t.Error("a regular file is read with read(2) by the reader itself")
	}
	got, err := io.ReadAll(pr)
	if err != nil || string(got) != "line\n" {
		t.Errorf("ReadAll = %q, %v", got, err)
	}
}

// tryWrite writes what a full pipe or terminal takes and says how much:
// Send writes the rest the slow way.
func TestTryWriteStopsWhenFull(t *testing.T) {
	for _, name := range []string{"pipe", "pty"} {
		t.Run(name, func(t *testing.T) {
			var r, w *os.File
			var err error
			if name == "pipe" {
				r, w, err = os.Pipe()
			} else {
				w, r, err = openPTY(&Cmd{})
				if err == nil {
					_, err = term.MakeRaw(int(r.Fd())) // No echo, no line editing.
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			if n, ok := tryWrite(w, []byte("short")); n != 5 || !ok {
				t.Errorf("tryWrite of 5 bytes = %d, %v; want 5, true", n, ok)
			}
			big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: more than either holds.
			n, ok := tryWrite(w, big)
			if ok || n <= 0 || n >= len(big) {
				t.Fatalf("tryWrite of 1 MiB = %d, %v; want part of it, false", n, ok)
			}
			want := append([]byte("short"), big[:n]...)
			got := make([]byte, len(want))
			read := make(chan error, 1)
			go func() { _, err := io.ReadFull(r, got); read <- err }()
			select {
			case err := <-read:
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("read back: %v, equal to the %d bytes written: %v", err, len(want), bytes.Equal(got, want))
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the %d bytes tryWrite counted did not arrive", len(want))
			}
		})
	}
}
