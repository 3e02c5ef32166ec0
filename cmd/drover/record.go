package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A recorder turns what passed through a terminal session (the
// program's output, the keys typed with the terminal's modes at that
// moment, and the program's end) into the script that replays it. It is
// fed from one goroutine at a time (the passthrough serializes its calls).
//
// The rules, which the README repeats:
//   - each line typed (the keys up to Enter) is a send; backspace (DEL or
//     ^H) takes back the last character of the line being typed, so the
//     send holds the line as edited;
//   - before the first key of a line, the last line the program printed
//     since the previous Enter (its prompt, or the last line of its
//     answer) becomes an expect of that line's tail;
//   - a control key is a send of control, an escape sequence (arrow and
//     function keys, Alt-x) a raw send of its bytes; what was typed of the
//     line before it is sent raw first;
//   - keys typed while the terminal did not echo them are a secret send of
//     a variable of their own, declared empty in vars, whose value is never
//     written: with ECHO and ICANON both off (readline, a raw-mode program)
//     the program echoes by itself, so such keys are a secret only when
//     their text does not appear in what the program printed meanwhile;
//   - a change of the terminal's size is a resize to the new size, where
//     it came among the steps: after the expects of what was printed
//     before it, unless a line was being typed (a drag that resizes many
//     times in a row is one resize, to the last size);
//   - the end is a wait for the program's real exit status.
type recorder struct {
	steps []*recStep

	rows, cols int // the terminal's size: at the start, then the last resize

	since     []byte    // output since the last Enter, control key, resize or start
	afterKey  bool      // since began at a control key, escape sequence or resize, not an Enter
	sinceAt   time.Time // when since began
	lastOut   time.Time // when output last arrived
	started   bool      // the current line has had a key
	line      []byte    // the keys of the current line not yet in a step
	lineModes ptyModes  // the modes while the line was typed: echo off if ever off
	all       []byte    // the output, its last maxOutKept bytes at most, for the echo check
	allBase   int64     // the offset of all[0] in the whole output
	lineAt    int64     // the offset in the output at the current line's first key
	esc       []byte    // an escape sequence not yet complete
	echo      string    // the last line sent, whose echo may begin since
	secrets   int       // secret variables declared
	now       func() time.Time
}

// recStep is one step of the recorded script.
type recStep struct {
	kind    string        // expect, send (text and Enter), raw, control, resize
	text    string        // resize: ROWSxCOLS
	timeout time.Duration // expect: a longer timeout than the default
	modes   ptyModes      // send and raw: the terminal's modes as they were typed
	at      int64         // send and raw: the offset in the output at the line's first key
	echoed  bool          // raw: a control key follows, which is typed once the echo is back
}

// ptyModes are the two local modes of a terminal that tell whether typed
// keys are shown: ECHO (the terminal echoes) and ICANON (the terminal
// edits lines; off, the program reads each key and echoes it itself).
type ptyModes struct{ Echo, Canon bool }

// maxLineOut bounds the output after its first key in which a line's
// echo is looked for; maxOutKept the output kept for that.
const (
	maxLineOut = 64 << 10
	maxOutKept = 8 << 20
)

// defaultExpectTimeout is an expect's timeout when the script gives none;
// an answer that took more than half of it gets twice its time.
const defaultExpectTimeout = 10 * time.Second

// newRecorder returns a recorder of a session on a terminal of rows x
// cols.
func newRecorder(rows, cols int) *recorder {
	r := &recorder{now: time.Now, rows: rows, cols: cols}
	r.sinceAt = r.now()
	return r
}

// resize records that the terminal now has rows x cols.
func (r *recorder) resize(rows, cols int) {
	if rows == r.rows && cols == r.cols {
		return // A SIGWINCH without a change.
	}
	r.rows, r.cols = rows, cols
	if !r.started {
		// What the program printed before is waited for first: a replay
		// that resized sooner could change it (a line wrapped elsewhere,
		// a size printed). What it prints after, a redraw, counts only
		// with a newline, as after a control key.
		r.expectSince()
		r.since, r.afterKey, r.sinceAt = nil, true, r.now()
	}
	size := fmt.Sprintf("%dx%d", rows, cols)
	if n := len(r.steps); n > 0 && r.steps[n-1].kind == "resize" {
		r.steps[n-1].text = size // Still being dragged.
		return
	}
	r.steps = append(r.steps, &recStep{kind: "resize", text: size})
}

// output records output from the program.
func (r *recorder) output(b []byte) {
	r.since = append(r.since, b...)
	r.lastOut = r.now()
	if len(r.all)+len(b) > maxOutKept {
		drop := min(len(r.all), len(r.all)+len(b)-maxOutKept/2)
		r.all = append(r.all[:0], r.all[drop:]...)
		r.allBase += int64(drop)
	}
	r.all = append(r.all, b...)
}

// keys records keys typed, with the modes of the program's terminal at
// the moment they were read.
func (r *recorder) keys(b []byte, m ptyModes) {
	for _, c := range b {
		if len(r.esc) > 0 {
			r.escape(c)
			continue
		}
		switch {
		case c == '\r' || c == '\n':
			r.key(m)
			r.echo = string(r.line)
			r.flush(true)
			r.since, r.afterKey, r.sinceAt, r.started = nil, false, r.now(), false
		case c == 0x7f || c == 0x08:
			if len(r.line) > 0 {
				_, n := utf8.DecodeLastRune(r.line)
				r.line = r.line[:len(r.line)-n]
			}
		case c == 0x1b:
			r.key(m)
			r.esc = append(r.esc, c)
		case c < 0x20 && c != '\t':
			r.key(m)
			if r.flush(false) {
				// The replay waits for the echo of what was typed (when
				// there was one) before the control key: ^C typed at once
				// would flush the line from the terminal unread.
				r.steps[len(r.steps)-1].echoed = true
			}
			r.steps = append(r.steps, &recStep{kind: "control", text: controlName(c)})
			r.since, r.afterKey, r.sinceAt, r.started = nil, true, r.now(), false
		default:
			r.key(m)
			r.line = append(r.line, c)
		}
	}
}

// escape adds c to the escape sequence begun, and sends the sequence
// once it is complete: ESC [ ... final, ESC O x, or ESC x (Alt-x).
func (r *recorder) escape(c byte) {
	r.esc = append(r.esc, c)
	switch {
	case len(r.esc) == 2 && (c == '[' || c == 'O'):
		return
	case len(r.esc) > 2 && r.esc[1] == '[' && (c < 0x40 || c > 0x7e):
		return // A parameter or intermediate byte of a CSI.
	}
	r.flush(false)
	// Keys, not text: never a secret.
	r.steps = append(r.steps, &recStep{kind: "raw", text: string(r.esc), modes: ptyModes{Echo: true}})
	r.esc = nil
	r.since, r.afterKey, r.sinceAt, r.started = nil, true, r.now(), false
}

// key notes a key of the current line: the first one puts the expect of
// what the program printed before it.
func (r *recorder) key(m ptyModes) {
	if !r.started {
		r.started = true
		r.lineModes = m
		r.expectSince()
		r.lineAt = r.allBase + int64(len(r.all))
	}
	if !m.Echo {
		r.lineModes.Echo = false
		r.lineModes.Canon = r.lineModes.Canon && m.Canon
	}
}

// expectSince adds the expects of what the program printed since the
// last Enter, control key, resize or start.
func (r *recorder) expectSince() {
	for _, text := range r.expects() {
		st := &recStep{kind: "expect", text: text}
		if d := r.lastOut.Sub(r.sinceAt); d > defaultExpectTimeout/2 {
			st.timeout = time.Duration(math.Ceil((2 * d).Seconds())) * time.Second
		}
		r.steps = append(r.steps, st)
	}
}

// flush makes a step of the keys typed of the line: a send when enter,
// else a raw send; it reports whether it made one.
func (r *recorder) flush(enter bool) bool {
	if len(r.line) == 0 && !enter {
		return false
	}
	kind := "raw"
	if enter {
		kind = "send"
	}
	text := strings.ToValidUTF8(string(r.line), "")
	r.steps = append(r.steps, &recStep{kind: kind, text: text, modes: r.lineModes, at: r.lineAt})
	r.line = nil
	return true
}

// echoAt is the output from offset at (at most maxLineOut bytes), where
// the echo of a line whose first key was typed then is looked for once
// all the output is in, and false when it is no longer kept.
func (r *recorder) echoAt(at int64) ([]byte, bool) {
	i := at - r.allBase
	if i < 0 {
		return nil, false
	}
	return r.all[i:min(i+maxLineOut, int64(len(r.all)))], true
}

// expects are the texts the next key waits for, in order: the tail of
// the last line with text printed since the last Enter (the program's
// answer), with its newline, and the tail of the line after it when it is
// not empty (a prompt). After a control key or escape sequence, only
// output with a newline counts: a redraw of the line being edited is not
// worth waiting for.
func (r *recorder) expects() []string {
	out := strings.ReplaceAll(string(r.since), "\r\n", "\n")
	if r.afterKey && !strings.Contains(out, "\n") {
		return nil
	}
	if !r.afterKey {
		// The echo of the line sent, which follows the Enter when the
		// program reads keys itself (readline), is no answer.
		out = strings.TrimPrefix(out, r.echo+"\n")
	}
	lines := strings.Split(out, "\n")
	var want []string
	for i := len(lines) - 2; i >= 0; i-- {
		if run, atEnd := lastRun(lines[i]); run != "" {
			run = tail(run)
			if atEnd {
				run += "\n"
			}
			want = append(want, run)
			break
		}
	}
	if run, _ := lastRun(lines[len(lines)-1]); run != "" {
		want = append(want, tail(run))
	}
	return want
}

// controlName is the name control: takes for the byte c.
func controlName(c byte) string {
	if c == 0 {
		return "@"
	}
	if c <= 26 {
		return string(rune('a' + c - 1))
	}
	return string(rune(c | 0x40)) // [ \ ] ^ _
}

// script is the recorded script, as YAML, to be written to file, for argv that exited with
// status (a number, or a signal name). rows and cols are the terminal's
// size at the start, kept when not the default 24x80.
func (r *recorder) script(file string, argv []string, rows, cols int, exit string, signal bool) []byte {
	r.flush(false)
	steps := r.steps
	r.afterKey = false
	for _, text := range r.expects() {
		steps = append(steps, &recStep{kind: "expect", text: text})
	}
	// The secrets first: an expect that would show one is left out.
	var secretVals []string
	var b strings.Builder
	var body []string
	for _, st := range r.steps {
		if (st.kind == "send" || st.kind == "raw") && r.secret(st) {
			secretVals = append(secretVals, st.text)
		}
	}
	shows := func(text string) bool {
		for _, v := range secretVals {
			if v != "" && strings.Contains(text, v) {
				return true
			}
		}
		return false
	}
	var vars []string
	for _, st := range steps {
		switch st.kind {
		case "expect":
			if shows(st.text) {
				body = append(body, "  # (an expect was left out here: what the program printed held a secret)")
				continue
			}
			if st.timeout > 0 {
				body = append(body, fmt.Sprintf("  - expect: {text: %s, timeout: %s}", quote(st.text), st.timeout))
			} else {
				body = append(body, "  - expect: "+quote(st.text))
			}
		case "control":
			body = append(body, "  - send: {control: "+quote(st.text)+"}")
		case "resize":
			body = append(body, "  - resize: "+st.text)
		case "send", "raw":
			key := "text"
			if st.kind == "raw" {
				key = "raw"
			}
			if r.secret(st) {
				r.secrets++
				name := "secret" + strconv.Itoa(r.secrets)
				vars = append(vars, name)
				body = append(body, fmt.Sprintf("  - send: {%s: \"${%s}\", secret: true}   # typed while the terminal hid it", key, name))
			} else if st.kind == "send" {
				body = append(body, "  - send: "+quote(st.text))
			} else {
				body = append(body, "  - send: {raw: "+quote(st.text)+"}")
				if out, ok := r.echoAt(st.at); ok && st.echoed &&
					strings.Contains(strings.ReplaceAll(string(out), "\r\n", "\n"), st.text) {
					// And a typist's pause: a program may miss a signal
					// that comes while it still handles the keys before
					// it (python's readline loses such a ^C).
					body = append(body, "  - expect: "+quote(st.text)+"   # its echo", "  - sleep: 250ms")
				}
			}
		}
	}
	fmt.Fprintf(&b, "# Recorded by drover record from: %s\n", strings.Join(argv, " "))
	b.WriteString("# Replay it with: drover run")
	for _, v := range vars {
		fmt.Fprintf(&b, " --var %s=...", v)
	}
	b.WriteString(" " + file + "\n")
	if len(vars) > 0 {
		b.WriteString("vars:\n")
		for _, v := range vars {
			fmt.Fprintf(&b, "  %s: \"\"   # typed with echo off, never written: pass --var %s=...\n", v, v)
		}
	}
	b.WriteString("steps:\n")
	args := make([]string, len(argv))
	for i, a := range argv {
		args[i] = quote(a)
	}
	if rows > 0 && cols > 0 && (rows != 24 || cols != 80) {
		fmt.Fprintf(&b, "  - spawn: {cmd: [%s], size: %dx%d}\n", strings.Join(args, ", "), rows, cols)
	} else {
		fmt.Fprintf(&b, "  - spawn: [%s]\n", strings.Join(args, ", "))
	}
	for _, l := range body {
		b.WriteString(l + "\n")
	}
	if signal {
		fmt.Fprintf(&b, "  - wait: {signal: %s}\n", exit)
	} else {
		fmt.Fprintf(&b, "  - wait: {exit: %s}\n", exit)
	}
	return []byte(b.String())
}

// secret reports whether the keys of a send were hidden as they were
// typed: echo off in a terminal that edits lines, or echo and line editing
// off and the program did not echo them either.
func (r *recorder) secret(st *recStep) bool {
	if st.modes.Echo || st.text == "" {
		return false
	}
	if st.modes.Canon {
		return true
	}
	out, ok := r.echoAt(st.at)
	return !ok || !echoed(st.text, out)
}
