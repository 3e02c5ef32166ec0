package script

import (
	"bytes"
	"fmt"
	"io"
	"slices"
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
// began. Received output is masked as it arrives, per process and stream,
// before it is assembled into lines or recorded: every secret of the job
// is masked in all of it (see masker). It is safe for concurrent use: the
// readers of several processes write to it.
type jobLog struct {
	mu         sync.Mutex
	notes      bytes.Buffer
	live       io.Writer // log: notes and, with verbose, the interaction as they happen, or nil
	verbose    bool      // -v: the interaction goes live too, not only the notes
	color      bool      // colour the live trace: sent and received apart
	transcript io.Writer // --transcripts: the same, timestamped, or nil
	began      time.Time
	mask       masker
	streams    []*logStream
}

// maxHeld bounds the output of one stream held back while a secret is
// captured from it; what comes beyond is not shown, and the transcript
// says how much.
const maxHeld = 4 << 20

// logStream is one output stream of one process, as the log shows it.
type logStream struct {
	who     string      // "name <" or "name <2"
	cast    *castWriter // the terminal's recording, or nil
	ms      maskStream
	partial []byte // masked, an unfinished line
	// holds counts the steps still to capture a secret from the process:
	// until they have, its output is held, unseen, in held.
	holds   int
	held    []byte
	dropped int64
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
	return l.live != nil && l.verbose || l.transcript != nil
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
	if l.live != nil && (l.verbose || kind == lineNote) {
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

// stream returns a new stream of output to show as who, recorded to cast
// if not nil, and held until holds steps have captured their secrets.
func (l *jobLog) stream(who string, cast *castWriter, holds int) *logStream {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &logStream{who: who, cast: cast, holds: holds}
	l.streams = append(l.streams, s)
	return s
}

// received shows output of a process, a whole line at a time.
func (l *jobLog) received(s *logStream, b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.holds > 0 {
		n := min(len(b), max(0, maxHeld-len(s.held)))
		s.held = append(s.held, b[:n]...)
		s.dropped += int64(len(b) - n)
		return
	}
	l.passLocked(s, s.ms.write(&l.mask, b))
}

// passLocked records masked output and shows its whole lines. The caller
// holds l.mu.
func (l *jobLog) passLocked(s *logStream, b []byte) {
	if len(b) == 0 {
		return
	}
	if s.cast != nil {
		s.cast.output(b)
	}
	if (l.live == nil || !l.verbose) && l.transcript == nil {
		return
	}
	buf := append(s.partial, b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.showLocked(s.who, buf[:i])
		buf = buf[i+1:]
	}
	for len(buf) > maxPartial {
		l.showLocked(s.who, buf[:maxPartial])
		buf = buf[maxPartial:]
	}
	s.partial = append(s.partial[:0], buf...)
}

// release counts a step that captured secrets from the process of
// streams: once none is left, the output held is shown, masked with them.
func (l *jobLog) release(streams []*logStream) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range streams {
		if s.holds == 0 {
			continue
		}
		if s.holds--; s.holds == 0 {
			l.unholdLocked(s)
		}
	}
}

func (l *jobLog) unholdLocked(s *logStream) {
	s.holds = 0
	held := s.held
	s.held = nil
	l.passLocked(s, s.ms.write(&l.mask, held))
	if s.dropped > 0 {
		l.flushLocked()
		l.emitLocked(lineStep, fmt.Sprintf("%s [%d bytes not shown: more than %d MiB held while a secret was captured]\n", s.who, s.dropped, maxHeld>>20))
		s.dropped = 0
	}
}

// end shows what streams still hold or keep back, masked, and forgets
// them: their process has ended.
func (l *jobLog) end(streams []*logStream) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range streams {
		l.endLocked(s)
	}
	l.streams = slices.DeleteFunc(l.streams, func(s *logStream) bool { return slices.Contains(streams, s) })
}

func (l *jobLog) endLocked(s *logStream) {
	if s.holds > 0 {
		l.unholdLocked(s)
	}
	l.passLocked(s, s.ms.flush(&l.mask))
	if len(s.partial) > 0 {
		l.showLocked(s.who, s.partial)
		s.partial = s.partial[:0]
	}
}

// finish shows every output still held or kept back, masked: the job's
// processes have ended.
func (l *jobLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.streams {
		l.endLocked(s)
	}
}

// flushLocked shows unfinished lines, such as a prompt, before anything
// else is shown. The caller holds l.mu.
func (l *jobLog) flushLocked() {
	for _, s := range l.streams {
		if len(s.partial) > 0 {
			l.showLocked(s.who, s.partial)
			s.partial = s.partial[:0]
			s.ms.open = false // A secret continued is marked again.
		}
	}
}

func (l *jobLog) showLocked(who string, line []byte) {
	kind := lineReceived
	if strings.HasSuffix(who, "<2") {
		kind = lineStderr
	}
	text := visible(strings.TrimSuffix(string(line), "\r"))
	l.emitLocked(kind, who+" "+text+"\n")
}

// addSecret makes s a secret of the job, masked in everything shown from
// now on.
func (l *jobLog) addSecret(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mask.add(s)
}

// masked hides the secrets of the job in s.
func (l *jobLog) masked(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maskLocked(s)
}

func (l *jobLog) maskLocked(s string) string {
	return l.mask.mask(s)
}
