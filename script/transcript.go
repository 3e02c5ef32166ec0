package script

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// fileName turns a job or process name into a file name: letters,
// digits, dot, dash and underscore are kept, anything else becomes "_".
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	s = strings.Trim(s, "_")
	if s == "" {
		return "job"
	}
	return s
}

// castWriter writes an asciicast v2 recording of one terminal, the
// format asciinema plays: a JSON header line, then one JSON array per
// event, [seconds, "o", output] and [seconds, "i", input]. Output is
// written as it arrives, never kept whole in memory. Secrets are masked
// even when they arrive split across reads: the end of each chunk that
// could begin a secret (or a UTF-8 sequence) is held back until the next.
// It is safe for concurrent use.
type castWriter struct {
	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	began   time.Time
	secrets func() []string
	hold    []byte
	err     error
}

// castHeader is the first line of an asciicast v2 file.
type castHeader struct {
	Version   int               `json:"version"`
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	Timestamp int64             `json:"timestamp"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
}

func newCast(path string, rows, cols int, title, term string, secrets func() []string) (*castWriter, error) {
	if rows == 0 {
		rows = 24
	}
	if cols == 0 {
		cols = 80
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	c := &castWriter{f: f, w: bufio.NewWriterSize(f, 64<<10), began: time.Now(), secrets: secrets}
	h, _ := json.Marshal(castHeader{ // A struct of plain fields always marshals.
		Version: 2, Width: cols, Height: rows, Timestamp: c.began.Unix(),
		Title: title, Env: map[string]string{"TERM": term, "SHELL": "/bin/sh"},
	})
	c.line(h)
	return c, nil
}

func (c *castWriter) line(b []byte) {
	if c.err != nil {
		return
	}
	if _, err := c.w.Write(append(b, '\n')); err != nil {
		c.err = err
	}
}

func (c *castWriter) event(kind string, data string) {
	if data == "" {
		return
	}
	b, _ := json.Marshal([]any{roundSeconds(time.Since(c.began)), kind, data}) // Plain values always marshal.
	c.line(b)
}

func roundSeconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1e6
}

// output records bytes the terminal printed.
func (c *castWriter) output(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data := append(c.hold, b...)
	secrets := c.secrets()
	keep := holdBack(data, secrets)
	c.hold = append([]byte(nil), data[len(data)-keep:]...)
	c.event("o", maskAll(string(data[:len(data)-keep]), secrets))
}

// input records what was typed, already masked.
func (c *castWriter) input(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.event("i", s)
}

// close writes what was held back and closes the file.
func (c *castWriter) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.event("o", maskAll(string(c.hold), c.secrets()))
	c.hold = nil
	if err := c.w.Flush(); err != nil && c.err == nil {
		c.err = err
	}
	if err := c.f.Close(); err != nil && c.err == nil {
		c.err = err
	}
	return c.err
}

// holdBack returns how many bytes at the end of data must wait for more:
// the longest end that is the start of a secret, or of a UTF-8 sequence.
func holdBack(data []byte, secrets []string) int {
	n := 0
	for _, s := range secrets {
		for k := min(len(s)-1, len(data)); k > n; k-- {
			if strings.HasPrefix(s, string(data[len(data)-k:])) {
				n = k
				break
			}
		}
	}
	// An incomplete UTF-8 sequence at the end: at most 3 bytes.
	for k := 1; k <= 3 && k <= len(data); k++ {
		if utf8.RuneStart(data[len(data)-k]) {
			if !utf8.FullRune(data[len(data)-k:]) {
				n = max(n, k)
			}
			break
		}
	}
	return n
}

// recorder writes the transcripts of one job into a directory: a plain,
// timestamped transcript of the whole interaction, and a .cast recording
// of every process run under a terminal.
type recorder struct {
	dir   string
	base  string // the job's file name, without extension
	plain *os.File
	buf   *bufio.Writer
	casts []*castWriter
	names map[string]int // process names used, to number repeats
}

func newRecorder(dir, job string) (*recorder, error) {
	r := &recorder{dir: dir, base: fileName(job), names: map[string]int{}}
	f, err := os.Create(filepath.Join(dir, r.base+".log"))
	if err != nil {
		return nil, err
	}
	r.plain, r.buf = f, bufio.NewWriterSize(f, 64<<10)
	return r, nil
}

// cast starts the recording of a terminal of process name.
func (r *recorder) cast(name string, rows, cols int, title, term string, secrets func() []string) (*castWriter, error) {
	r.names[name]++
	file := r.base + "." + fileName(name)
	if n := r.names[name]; n > 1 {
		file += fmt.Sprintf(".%d", n)
	}
	c, err := newCast(filepath.Join(r.dir, file+".cast"), rows, cols, title, term, secrets)
	if err != nil {
		return nil, err
	}
	r.casts = append(r.casts, c)
	return c, nil
}

// close finishes every file, returning the first error.
func (r *recorder) close() error {
	var first error
	for _, c := range r.casts {
		if err := c.close(); err != nil && first == nil {
			first = err
		}
	}
	if err := r.buf.Flush(); err != nil && first == nil {
		first = err
	}
	if err := r.plain.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
