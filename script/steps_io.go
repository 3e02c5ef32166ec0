package script

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drover-dev/drover/exec"
)

// expect waits for output matching one of the step's patterns, captures
// groups, and runs the matched branch's steps.
func (st *state) expect(ctx context.Context, s *Expect) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	pats := make([]exec.Pattern, len(s.Patterns))
	for i, p := range s.Patterns {
		switch {
		case p.EOF:
			pats[i].EOF = true
		case p.Regexp != nil:
			pats[i].Regexp = p.Regexp
		case p.Re != "":
			src, err := st.expand(p.Re)
			if err != nil {
				return err
			}
			re, err := regexp.Compile(src)
			if err != nil {
				return fmt.Errorf("bad regular expression after expanding variables: %v", err)
			}
			pats[i].Regexp = re
		default:
			text, err := st.expand(p.Text)
			if err != nil {
				return err
			}
			pats[i].Text = text
		}
	}
	stream := exec.Stdout
	switch s.Stream {
	case "stderr":
		stream = exec.Stderr
	case "both":
		stream = exec.Both
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := pr.p.ExpectIdle(ectx, s.Idle, stream, pats...)
	if err != nil {
		var ee *exec.ExpectError
		if errors.As(err, &ee) && errors.Is(ee.Err, context.DeadlineExceeded) && ctx.Err() == nil {
			// The step's own timeout: say the wait asked for, not what
			// remained of it once Expect began.
			ee.Waited = timeout
		}
		if st.plan.expects[s] {
			st.log.release(pr.logs)
		}
		return &expectError{proc: pr.name, err: err}
	}
	pat := s.Patterns[m.Index]
	for i, name := range pat.Capture {
		if i+1 < len(m.Groups) {
			st.setVar(name, m.Groups[i+1])
		} else {
			st.setVar(name, "")
		}
	}
	if st.plan.expects[s] {
		st.log.release(pr.logs) // Its secrets are masked now.
	}
	if s.Any {
		st.vars["match.index"] = strconv.Itoa(m.Index)
		return st.runSteps(ctx, pat.Then)
	}
	return nil
}

// expectError is a failed expect, naming the process.
type expectError struct {
	proc string
	err  error // an *exec.ExpectError or an *exec.Error
}

func (e *expectError) Error() string { return e.proc + ": " + e.err.Error() }
func (e *expectError) Unwrap() error { return e.err }

// send types text (or a control character, or EOF) into a process.
func (st *state) send(ctx context.Context, s *Send) error {
	pr, err := st.proc(s.On)
	if err != nil {
		return err
	}
	if s.EOF {
		return pr.p.SendEOF(ctx)
	}
	var b []byte
	if s.Control != 0 {
		b = []byte{s.Control}
	} else {
		text, err := st.expand(s.Text)
		if err != nil {
			return err
		}
		if s.Secret && text != "" {
			st.log.addSecret(text)
			refs, _ := Refs(s.Text) // Parsed already: no error.
			for _, name := range refs {
				st.secrets[name] = true // Left out of reports.
			}
		}
		b = []byte(text)
		if !s.Raw {
			if pr.tty {
				b = append(b, '\r') // What a keyboard's Enter sends.
			} else {
				b = append(b, '\n')
			}
		}
	}
	if s.Secret {
		st.log.trace(lineSent, "%s > ******\n", pr.name)
	} else {
		st.log.trace(lineSent, "%s > %s\n", pr.name, visible(strings.TrimRight(string(b), "\r\n")))
	}
	if pr.cast != nil {
		pr.cast.input(st.log.masked(string(b)))
	}
	return pr.p.Send(ctx, b)
}

// waitPort waits until a TCP connection to the address succeeds.
func (st *state) waitPort(ctx context.Context, s *WaitPort) error {
	addr, err := st.expand(s.Addr)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	var d net.Dialer
	delay := 10 * time.Millisecond
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.Close() // Only the connection's success mattered.
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("nothing listening on %s after %s: %v", addr, time.Since(began).Round(time.Millisecond), lastDialError(err))
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

// handedOut holds the ports freePort has given in this process, so that
// two jobs never get the same one, even if the kernel offers it twice.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a port of 127.0.0.1 on which both TCP and UDP could
// bind just now, and that no other job of this drover was given.
func freePort() (int, error) {
	var last error
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = l.Close() // Only its number was wanted.
		if err != nil {
			last = err
			continue
		}
		_ = u.Close() // Likewise.
		handedOut.Lock()
		taken := handedOut.ports[port]
		handedOut.ports[port] = true
		handedOut.Unlock()
		if !taken {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port found on 127.0.0.1: %v", last)
}

func lastDialError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// checkOutput checks the output no expect consumed against a matcher.
// contains, not_contains and lines see every byte, those dropped to bound
// memory included (the texts were given to exec.Cmd.Watch); equals and re
// need the whole text, and fail when some was dropped. ctx bounds the
// match of re.
func (st *state) checkOutput(ctx context.Context, name string, m *OutputMatcher, out *exec.Output) error {
	if m == nil {
		return nil
	}
	text := string(out.Kept)
	for _, c := range m.Contains {
		want, err := st.expand(c)
		if err != nil {
			return err
		}
		found, known := out.Contains(want)
		if !known {
			return cannotTell(name, want, out.Dropped)
		}
		if !found {
			return fmt.Errorf("%s does not contain %q", name, want)
		}
	}
	for _, c := range m.NotContains {
		bad, err := st.expand(c)
		if err != nil {
			return err
		}
		found, known := out.Contains(bad)
		if !known {
			return cannotTell(name, bad, out.Dropped)
		}
		if found {
			return fmt.Errorf("%s contains %q, which it must not", name, bad)
		}
	}
	if m.Equals != nil {
		want, err := st.expand(*m.Equals)
		if err != nil {
			return err
		}
		if out.Dropped > 0 {
			return fmt.Errorf("%s is too large to compare: %d bytes were dropped to bound memory", name, out.Dropped)
		}
		if text != want && strings.TrimRight(text, "\n") != strings.TrimRight(want, "\n") {
			if !strings.Contains(want, "\n") && !strings.Contains(strings.TrimRight(text, "\n"), "\n") {
				return fmt.Errorf("%s is %q, want %q", name, clip(text, 200), want)
			}
			return fmt.Errorf("%s is not as expected (-want +got):\n%s", name, strings.TrimRight(unifiedDiff(want, text), "\n"))
		}
	}
	if m.Re != "" {
		src, err := st.expand(m.Re)
		if err != nil {
			return err
		}
		// Multi-line: ^ and $ match at each line's start and end.
		re, err := regexp.Compile("(?m)" + src)
		if err != nil {
			return fmt.Errorf("bad regular expression: %v", err)
		}
		if out.Dropped > 0 {
			return fmt.Errorf("%s is too large to match against /%s/: %d bytes were dropped to bound memory", name, src, out.Dropped)
		}
		loc, err := exec.FindContext(ctx, re, out.Kept)
		if err != nil {
			return fmt.Errorf("%s: the match against /%s/ was stopped: the step's time ran out, or the run was interrupted", name, src)
		}
		if loc == nil {
			return fmt.Errorf("%s does not match /%s/", name, src)
		}
	}
	if m.Empty != nil {
		empty := text == "" && out.Dropped == 0
		if *m.Empty && !empty {
			return fmt.Errorf("%s is not empty: %q", name, clip(text, 200))
		}
		if !*m.Empty && empty {
			return fmt.Errorf("%s is empty", name)
		}
	}
	if m.Lines != nil {
		n, known := out.Lines()
		if !known {
			return fmt.Errorf("%s: cannot count its lines: %d bytes were dropped to bound memory", name, out.Dropped)
		}
		if n != int64(*m.Lines) {
			return fmt.Errorf("%s has %d lines, want %d", name, n, *m.Lines)
		}
	}
	return nil
}

// cannotTell is the failure of a contains or not_contains check that
// cannot be judged: bytes were dropped before the text was known.
func cannotTell(name, text string, dropped int64) error {
	return fmt.Errorf("%s: cannot tell whether it contains %q: %d bytes were dropped to bound memory before the text was known (its variables changed after the process started)",
		name, text, dropped)
}

// watchTexts returns the texts that the contains and not_contains of the
// matchers look for, expanded now, for exec.Cmd.Watch: they are looked
// for in all the output, even what is dropped to bound memory. One that
// cannot be expanded yet is left out.
func (st *state) watchTexts(ms ...*OutputMatcher) []string {
	var texts []string
	for _, m := range ms {
		if m == nil {
			continue
		}
		for _, t := range slices.Concat(m.Contains, m.NotContains) {
			if v, err := st.expand(t); err == nil {
				texts = append(texts, v)
			}
		}
	}
	slices.Sort(texts)
	return slices.Compact(texts)
}

// countLines reports whether one of the matchers counts lines, for
// exec.Cmd.CountLines.
func countLines(ms ...*OutputMatcher) bool {
	return slices.ContainsFunc(ms, func(m *OutputMatcher) bool { return m != nil && m.Lines != nil })
}

// waitMatchers returns the output checks of every wait step that may act
// on the process named name: those with on: name and those without on:.
func (st *state) waitMatchers(name string) []*OutputMatcher {
	var ms []*OutputMatcher
	visit := func(step Step) {
		if w, ok := step.(*Wait); ok && (w.On == "" || w.On == name) {
			ms = append(ms, w.Stdout, w.Stderr)
		}
	}
	walkSteps(st.script.Steps, visit)
	walkSteps(st.script.Finally, visit)
	return ms
}

// clip shortens s to about n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
