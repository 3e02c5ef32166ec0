package exec

import (
	"errors"
	"io"
	"os"
	"time"
)

// cutBudget is how much a reader still reads, without waiting, once
// WaitDelay has run out: enough for what the process wrote before it
// exited (a pipe holds 64 KiB by default, at most 1 MiB; a terminal
// less), not for what a grandchild goes on writing.
const cutBudget = 1 << 20

// cutOutput ends the readers once WaitDelay has run out: each reads what
// its file already holds, without waiting for more, and ends. A reader
// that lags (a loaded machine) so loses nothing the process wrote before
// it exited, where closing the files would drop it. The files stay open
// until closeOutput.
func (p *Process) cutOutput() {
	for _, s := range []*stream{p.out, p.errs} {
		if s != nil && s.file != nil {
			// cut first: the reader sees it once the deadline ends its Read.
			s.cut.Store(true)
			s.wake(false)
			_ = s.file.SetReadDeadline(time.Now()) // Closed, and harmless, in bulk.
		}
	}
}

// next reads f into b for the reader: as f.Read does until cutOutput,
// then only what f holds, at most budget bytes in all, and io.EOF after.
// Only the reader calls it.
func (s *stream) next(f *os.File, b []byte, budget *int) (int, error) {
	if s.bulk != nil {
		return s.bulk.next(b, &s.cut, budget)
	}
	if !s.cutting {
		n, err := s.in.Read(b) // f.Read
		if !errors.Is(err, os.ErrDeadlineExceeded) || !s.cut.Load() {
			return n, err
		}
		s.cutting = true
		_ = f.SetReadDeadline(time.Time{}) // Else readNow fails at once; it never waits.
		if n > 0 {
			return n, nil
		}
	}
	if *budget <= 0 {
		return 0, io.EOF
	}
	n, err := readNow(f, b[:min(len(b), *budget)])
	*budget -= n
	return n, err
}
