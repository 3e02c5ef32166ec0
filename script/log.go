package script

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// jobLog is the output of one job. Notes (log: steps) are kept for the
// job's result and, with Options.Live, written as they happen; traces
// (the interaction, with Options.Verbose) only go live. Received output is
// assembled into whole lines per process and stream before it is shown.
// Every secret sent so far is masked in all of it. It is safe for
// concurrent use: the readers of several processes write to it.
type jobLog struct {
	mu      sync.Mutex
	notes   bytes.Buffer
	live    io.Writer // nil unless verbose or live
	mask    []string
	partial map[string][]byte // "who<" -> an unfinished line
}

// note records a message for the job's result, and shows it live.
func (l *jobLog) note(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.maskLocked(fmt.Sprintf(format, args...))
	l.notes.WriteString(s)
	if l.live != nil {
		_, _ = io.WriteString(l.live, s) // Best effort: a closed terminal.
	}
}

// trace shows a line of the interaction live, if anyone is watching.
func (l *jobLog) trace(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil {
		return
	}
	l.flushLocked()
	_, _ = io.WriteString(l.live, l.maskLocked(fmt.Sprintf(format, args...))) // Best effort.
}

// received shows output of a process live, a whole line at a time.
func (l *jobLog) received(who string, b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil {
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
	text := visible(strings.TrimSuffix(string(line), "\r"))
	_, _ = io.WriteString(l.live, l.maskLocked(who+" "+text+"\n")) // Best effort.
}

func (l *jobLog) addSecret(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mask = append(l.mask, s)
}

// masked hides the secrets sent so far in s.
func (l *jobLog) masked(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maskLocked(s)
}

func (l *jobLog) maskLocked(s string) string {
	for _, m := range l.mask {
		if m != "" {
			s = strings.ReplaceAll(s, m, "******")
		}
	}
	return s
}

// visible shows control characters other than tab as Go escapes, so that
// a terminal showing a trace is not driven by it.
func visible(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }
