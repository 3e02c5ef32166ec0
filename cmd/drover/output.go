package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/drover-dev/drover/script"
)

// printer prints each job's result as one block as it ends (on stdout),
// the live lines of the jobs as they come (log: lines, and with -v the
// whole interaction, on stderr) and, on a terminal (and not in CI),
// keeps a progress line under them: done/total, failed, elapsed, and the
// step each running job is at. While a job holds the terminal (a
// confirm: waiting for the operator) it draws nothing and keeps what it
// has to print until the job lets go. It is safe for concurrent use.
type printer struct {
	mu       sync.Mutex
	w        io.Writer
	total    int
	done     int
	failed   int
	began    time.Time
	progress bool
	color    bool
	quiet    bool // -q: only the blocks of jobs that did not pass or skip
	tick     *time.Ticker
	quit     chan struct{}
	wg       sync.WaitGroup
	stopped  bool
	held     bool               // a job holds the terminal
	pending  []pending          // what came while it did
	kept     int                // the bytes of pending
	spilled  bool               // pending grew past maxPending: the rest of this hold is printed at once
	running  map[int]runningJob // each running job's step, by its index, for the progress line
	order    []int              // the running jobs, in the order they started
}

// runningJob is a running job on the progress line: its name and the
// kind and place of its step ("expect 12:5"). Jobs are told apart by
// their index, not their name: two scripts may share one.
type runningJob struct{ name, at string }

func newPrinter(w io.Writer, total int, began time.Time, quiet bool) *printer {
	p := &printer{w: w, total: total, began: began, quiet: quiet, quit: make(chan struct{}), running: map[int]runningJob{}}
	if isTerminal(w) {
		p.progress = os.Getenv("CI") == "" && os.Getenv("TERM") != "dumb"
	}
	p.color = colorful(w)
	if p.progress {
		p.tick = time.NewTicker(time.Second)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				select {
				case <-p.tick.C:
					p.mu.Lock()
					p.drawLocked()
					p.mu.Unlock()
				case <-p.quit:
					return
				}
			}
		}()
	}
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorful reports whether to colour what goes to w: only on a terminal,
// never with NO_COLOR set (no-color.org) or TERM=dumb.
func colorful(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// result prints the block of r, the result of the job of index job, then
// the progress line again.
func (p *printer) result(job int, r *script.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if r.Status == script.Failed {
		p.failed++
	}
	p.endedLocked(job)
	if p.quiet && (r.Status == script.Passed || r.Status == script.Skipped) {
		p.drawLocked()
		return
	}
	p.printLocked(p.w, formatResult(r, p.color))
}

// printLocked prints s to w (stdout, or stderr for live lines) above the
// progress line, or keeps it for later while a job holds the terminal.
// The caller holds p.mu.
func (p *printer) printLocked(w io.Writer, s string) {
	if p.held && !p.spilled && p.kept+len(s) <= maxPending {
		p.pending = append(p.pending, pending{w, s})
		p.kept += len(s)
		return
	}
	if p.held {
		// Too much to keep: out it goes, across the question, for the
		// rest of this hold, rather than without bound in memory.
		p.spilled = true
		p.flushLocked()
		_, _ = io.WriteString(w, s) // As below.
		return
	}
	p.clearLocked()
	_, _ = io.WriteString(w, s) // A closed stdout is not ours to fix.
	p.drawLocked()
}

// maxPending bounds the output kept while a job holds the terminal: a
// chatty -v job must not fill memory while the operator thinks.
const maxPending = 1 << 20

// pending is output kept while a job holds the terminal.
type pending struct {
	w io.Writer
	s string
}

// flushLocked prints what was kept while a job held the terminal. The
// caller holds p.mu.
func (p *printer) flushLocked() {
	for _, o := range p.pending {
		_, _ = io.WriteString(o.w, o.s) // As above.
	}
	p.pending, p.kept = nil, 0
}

// hold is the terminal's hold: the progress line goes while a job holds
// the terminal, and what came meanwhile is printed when it lets go.
func (p *printer) hold(held bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held, p.spilled = held, false
	if held {
		p.clearLocked()
		return
	}
	p.flushLocked()
	p.drawLocked()
}

func (p *printer) clearLocked() {
	if p.progress {
		_, _ = io.WriteString(p.w, "\r\x1b[K") // Best effort, as above.
	}
}

func (p *printer) drawLocked() {
	if !p.progress || p.stopped || p.held {
		return
	}
	_, _ = io.WriteString(p.w, "\r\x1b[K"+p.lineLocked()) // As above.
}

// stop removes the progress line and ends its ticker; it may be called
// more than once.
func (p *printer) stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.clearLocked()
	p.flushLocked()
	p.mu.Unlock()
	if p.tick != nil {
		p.tick.Stop()
		close(p.quit)
		p.wg.Wait()
	}
}

// labels are the words, and their colours, that start a result's block.
var labels = map[script.Status]struct{ text, color string }{
	script.Passed:      {"PASS", "32"},
	script.Failed:      {"FAIL", "31"},
	script.Interrupted: {"INTR", "33"},
	script.Stopped:     {"STOP", "33"},
	script.Skipped:     {"SKIP", "33"},
}

// formatResult renders one job's result as one block of lines.
func formatResult(r *script.Result, color bool) string {
	var b strings.Builder
	l := labels[r.Status]
	label := l.text
	if color {
		label = "\x1b[" + l.color + "m" + label + "\x1b[0m"
	}
	fmt.Fprintf(&b, "%s  %s  (%s, %s)\n", label, show(r.Job.Name()), show(r.Job.Script.File), r.Duration.Round(time.Millisecond))
	if r.Reason != "" {
		fmt.Fprintf(&b, "    %s\n", show(r.Reason))
	}
	for _, p := range r.Updated {
		fmt.Fprintf(&b, "    updated golden file %s\n", show(p))
	}
	if r.Work != "" {
		fmt.Fprintf(&b, "    work directory kept: %s\n", show(r.Work))
	}
	if r.SetupWork != "" {
		fmt.Fprintf(&b, "    setup's work directory kept: %s\n", show(r.SetupWork))
	}
	for _, line := range lines(r.Log) {
		fmt.Fprintf(&b, "      %s\n", show(line))
	}
	if r.Err != nil || r.FinallyErr != nil {
		if r.Err != nil {
			for _, line := range lines(r.Err.Error()) {
				fmt.Fprintf(&b, "    %s\n", show(line))
			}
		}
		if r.FinallyErr != nil {
			for i, line := range lines(r.FinallyErr.Error()) {
				if i == 0 {
					line = "finally: " + line
				}
				fmt.Fprintf(&b, "    %s\n", show(line))
			}
		}
		if r.Received != "" {
			fmt.Fprintf(&b, "    last lines received:\n")
			for _, line := range lastLines(r.Received, 10) {
				fmt.Fprintf(&b, "      | %s\n", show(clipLine(line)))
			}
			if r.ReceivedRaw != r.Received && r.ReceivedRaw != "" {
				fmt.Fprintf(&b, "    the same, raw (as the terminal sent it, escapes shown):\n")
				for _, line := range lastLines(r.ReceivedRaw, 10) {
					fmt.Fprintf(&b, "      | %s\n", clipLine(rawLine(line)))
				}
			}
		} else if r.Waited > 0 && r.Other != "" {
			fmt.Fprintf(&b, "    nothing was received on %s\n", map[string]string{"stderr": "stdout", "stdout": "stderr"}[r.OtherStream])
		} else if r.Waited > 0 {
			fmt.Fprintf(&b, "    nothing was received\n")
		}
		if r.Other != "" {
			fmt.Fprintf(&b, "    arrived on %s:\n", r.OtherStream)
			for _, line := range lastLines(r.Other, 10) {
				fmt.Fprintf(&b, "      | %s\n", show(clipLine(line)))
			}
		}
	}
	return b.String()
}

// show makes one line of text from a job (a name holding matrix values, a
// log: of a captured value, an error quoting output, output itself)
// harmless to print: its control characters, C1 controls and bytes that
// are not UTF-8 are shown as escapes, so that it cannot set the
// clipboard, the title, or move the cursor. Every line printed from a
// job goes through it.
func show(line string) string { return script.Visible(line) }

// printErr prints err's text, each line made harmless as show does.
func printErr(w io.Writer, err error) {
	_, _ = fmt.Fprintln(w, script.VisibleLines(err.Error())) // A closed stderr is not ours to fix.
}

// maxShownLine bounds a received line in a failure message: a program
// that prints kilobytes without a newline must not flood the log.
const maxShownLine = 300

// clipLine shortens a line to about maxShownLine bytes, saying how much
// was left out.
func clipLine(s string) string {
	if len(s) <= maxShownLine {
		return s
	}
	n := maxShownLine
	for n > maxShownLine-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n-- // Not in the middle of a character.
	}
	return fmt.Sprintf("%s... (%d more bytes)", s[:n], len(s)-n)
}

// rawLine shows a raw line's control characters as Go escapes.
func rawLine(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// lines splits s into lines without the trailing empty one.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) []string {
	ls := lines(s)
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return ls
}
