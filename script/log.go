package script

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// maxPartial bounds an unfinished line kept for a trace: a program that
// prints 100 MB without a newline is shown in pieces, not held whole.
const maxPartial = 4 << 10

// jobLog is the output of one job. Notes (log: steps) are kept for the
// job's result and written live and to the transcript as they happen;
// traces (each step, what was sent, each line received) go live with
// Options.Verbose, and to the transcript, with the time since the job
// began. Received output is assembled into whole lines per process and
// stream before it is shown. Every secret sent so far is masked in all of
// it. It is safe for concurrent use: the readers of several processes
// write to it.
type jobLog struct {
	mu         sync.Mutex
	notes      bytes.Buffer
	live       io.Writer // -v: the interaction as it happens, or nil
	color      bool      // colour the live trace: sent and received apart
	transcript io.Writer // --transcripts: the same, timestamped, or nil
	began      time.Time
	mask       []string
	partial    map[string][]byte // "who <" -> an unfinished line
}

// kinds of trace line, which the live trace colours apart.
const (
	lineStep     = "2"  // dim
	lineSent     = "36" // cyan
	lineReceived = "32" // green
	lineStderr   = "33" // yellow
	lineNote     = "1"  // bold
)

// tracing reports whether traces go anywhere.
func (l *jobLog) tracing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.live != nil || l.transcript != nil
}

// note records a message for the job's result, and shows it.
func (l *jobLog) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...) // Before locking: an error's text may mask.
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.maskLocked(msg)
	l.notes.WriteString(s)
	l.flushLocked()
	l.emitLocked(lineNote, s)
}

// trace shows a line of the interaction, if anyone is watching.
func (l *jobLog) trace(kind, format string, args ...any) {
	if !l.tracing() {
		return
	}
	msg := fmt.Sprintf(format, args...) // Before locking: an error's text may mask.
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	l.emitLocked(kind, l.maskLocked(msg))
}

// emitLocked writes one line live (coloured on a terminal) and to the
// transcript (timestamped). The caller holds l.mu.
func (l *jobLog) emitLocked(kind, s string) {
	s = visibleLines(s) // A log: of a captured value may hold escapes.
	if l.live != nil {
		if l.color {
			_, _ = io.WriteString(l.live, "\x1b["+kind+"m"+strings.TrimSuffix(s, "\n")+"\x1b[0m\n") // Best effort: a closed terminal.
		} else {
			_, _ = io.WriteString(l.live, s) // Likewise.
		}
	}
	if l.transcript != nil {
		t := time.Since(l.began).Seconds()
		_, _ = fmt.Fprintf(l.transcript, "%9.3fs %s", t, s) // A full disk shows when the file is closed.
	}
}

// endTranscript writes what is still unfinished to the transcript and
// stops writing to it, before its file is closed.
func (l *jobLog) endTranscript() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	l.transcript = nil
}

// received shows output of a process, a whole line at a time.
func (l *jobLog) received(who string, b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil && l.transcript == nil {
		return
	}
	if l.partial == nil {
		l.partial = map[string][]byte{}
	}
	buf := append(l.partial[who], b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.showLocked(who, buf[:i])
		buf = buf[i+1:]
	}
	for len(buf) > maxPartial {
		l.showLocked(who, buf[:maxPartial])
		buf = buf[maxPartial:]
	}
	l.partial[who] = append(l.partial[who][:0], buf...)
}

// flushLocked shows unfinished lines, such as a prompt, before anything
// else is shown. The caller holds l.mu.
func (l *jobLog) flushLocked() {
	for who, b := range l.partial {
		if len(b) > 0 {
			l.showLocked(who, b)
			l.partial[who] = b[:0]
		}
	}
}

func (l *jobLog) showLocked(who string, line []byte) {
	kind := lineReceived
	if strings.HasSuffix(who, "<2") {
		kind = lineStderr
	}
	text := visible(strings.TrimSuffix(string(line), "\r"))
	l.emitLocked(kind, l.maskLocked(who+" "+text+"\n"))
}

func (l *jobLog) addSecret(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mask = append(l.mask, s)
}

// secrets returns the secrets sent so far.
func (l *jobLog) secrets() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.mask...)
}

// masked hides the secrets sent so far in s.
func (l *jobLog) masked(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maskLocked(s)
}

func (l *jobLog) maskLocked(s string) string {
	return maskAll(s, l.mask)
}

// maskAll replaces every secret in s with asterisks.
func maskAll(s string, secrets []string) string {
	for _, m := range secrets {
		if m != "" {
			s = strings.ReplaceAll(s, m, "******")
		}
	}
	return s
}
