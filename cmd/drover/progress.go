package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/drover-dev/drover/script"
)

// The progress line: "[3/10] 0 failed, 4s | NAME: expect 12:5 | ...",
// the step each running job is at, cut to the terminal's width so that
// it never wraps (a wrapped line could not be cleared with \r).

// step records that the job of index job (in the run's list), shown as
// name, is at step; the fan-out makes each job's Options.Step of it. A
// setup's steps are shown under the name of its setup, in the place of
// the job that started it; nil ends them.
func (p *printer) step(job int, name string, s script.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s == nil {
		p.endedLocked(job) // A setup's steps are done.
		return
	}
	at := fmt.Sprintf("%s %d:%d", s.Kind(), s.Position().Line, s.Position().Col)
	if _, ok := p.running[job]; !ok {
		p.order = append(p.order, job)
	}
	p.running[job] = runningJob{name, at}
}

// endedLocked forgets the step of a job that ended. The caller holds p.mu.
func (p *printer) endedLocked(job int) {
	if _, ok := p.running[job]; !ok {
		return
	}
	delete(p.running, job)
	for i, n := range p.order {
		if n == job {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

// lineLocked is the progress line, fitted to the terminal. The caller
// holds p.mu.
func (p *printer) lineLocked() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%d/%d] %d failed, %s", p.done, p.total, p.failed, time.Since(p.began).Round(time.Second))
	for _, job := range p.order {
		r := p.running[job]
		if p.total == 1 {
			fmt.Fprintf(&b, " | %s", r.at)
		} else {
			fmt.Fprintf(&b, " | %s: %s", show(r.name), r.at)
		}
	}
	return fit(b.String(), p.width())
}

// width is the terminal's width, 80 if it cannot be told.
func (p *printer) width() int {
	if f, ok := p.w.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// fit cuts s to fewer than width columns (the last one left free: some
// terminals wrap on writing it), ending it with "..." where it was cut.
// s is printable text: one column a character.
func fit(s string, width int) string {
	max := width - 1
	if max < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	keep := max - 3
	if keep < 0 {
		keep = 0
	}
	n := 0
	for i := range s {
		if n == keep {
			return s[:i] + "..."[:min(3, max)]
		}
		n++
	}
	return s
}

// printerWriter is Options.Live: the live lines of the jobs (log: lines;
// with -v, the whole interaction), each written whole (with its job's
// name when several run), printed to w above the progress line as they
// come.
type printerWriter struct {
	p *printer
	w io.Writer
}

func (w printerWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	w.p.printLocked(w.w, string(b))
	return len(b), nil
}
