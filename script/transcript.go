package script

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
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
// written as it arrives, never kept whole in memory; it comes masked (see
// jobLog.received), and an unfinished UTF-8 sequence at the end of a chunk
// waits for the next. It is safe for concurrent use.
type castWriter struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	began time.Time
	hold  []byte
	err   error
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

func newCast(path string, rows, cols int, title, term string) (*castWriter, error) {
	if rows == 0 {
		rows = 24
	}
	if cols == 0 {
		cols = 80
	}
	f, err := createPrivate(path)
	if err != nil {
		return nil, err
	}
	c := &castWriter{f: f, w: bufio.NewWriterSize(f, 64<<10), began: time.Now()}
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

// output records bytes the terminal printed, already masked.
func (c *castWriter) output(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data := append(c.hold, b...)
	keep := unfinishedRune(data)
	c.hold = append([]byte(nil), data[len(data)-keep:]...)
	c.event("o", string(data[:len(data)-keep]))
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
	c.event("o", string(c.hold))
	c.hold = nil
	if err := c.w.Flush(); err != nil && c.err == nil {
		c.err = err
	}
	if err := c.f.Close(); err != nil && c.err == nil {
		c.err = err
	}
	return c.err
}

// unfinishedRune returns how many bytes at the end of data begin a UTF-8
// sequence that more bytes would finish: at most 3.
func unfinishedRune(data []byte) int {
	for k := 1; k <= 3 && k <= len(data); k++ {
		if utf8.RuneStart(data[len(data)-k]) {
			if !utf8.FullRune(data[len(data)-k:]) {
				return k
			}
			break
		}
	}
	return 0
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

func newRecorder(dir, base string) (*recorder, error) {
	r := &recorder{dir: dir, base: base, names: map[string]int{}}
	f, err := createPrivate(filepath.Join(dir, r.base+".log"))
	if err != nil {
		return nil, err
	}
	r.plain, r.buf = f, bufio.NewWriterSize(f, 64<<10)
	return r, nil
}

// createPrivate creates a file that only its owner can read, in place of
// whatever had its name: a transcript of an earlier run, or a symbolic
// link, which is removed, never followed. O_EXCL makes the creation fail
// rather than follow a link put back in between.
func createPrivate(path string) (*os.File, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// cast starts the recording of a terminal of process name.
func (r *recorder) cast(name string, rows, cols int, title, term string) (*castWriter, error) {
	file := r.base + "." + fileName(name)
	r.names[file]++
	if n := r.names[file]; n > 1 {
		file += fmt.Sprintf(".%d", n)
	}
	c, err := newCast(filepath.Join(r.dir, file+".cast"), rows, cols, title, term)
	if err != nil {
		return nil, err
	}
	r.casts = append(r.casts, c)
	return c, nil
}

// NameTranscripts gives each job of a run its own name for its files in
// Options.Transcripts (Job.Transcript): the job's name made a file name,
// and where two jobs would share files that way (the same name in two
// files, or matrix values such as "a/b" and "a:b" that both become
// "a_b"), followed by "-" and 6 hexadecimal digits of a hash of the job's
// file and name, which stay the same from run to run. A job's files are
// NAME.log and NAME.PROCESS.cast, so a name followed by "." and more is
// taken to clash with it too. It sets the names in jobs, before they run.
func NameTranscripts(jobs []Job) {
	names := make([]string, len(jobs))
	for i, j := range jobs {
		names[i] = fileName(j.Name())
	}
	clash := func(i int) bool {
		for k, n := range names {
			if k != i && (n == names[i] || strings.HasPrefix(n, names[i]+".") || strings.HasPrefix(names[i], n+".")) {
				return true
			}
		}
		return false
	}
	var again []int
	for i := range names {
		if clash(i) {
			again = append(again, i)
		}
	}
	for _, i := range again {
		// FNV-1a, not a cryptographic hash: nothing here needs one, and
		// crypto/sha256 alone linked twenty packages of the FIPS module
		// into drover, whose initialisation every start paid for.
		h := fnv.New32a()
		h.Write([]byte(jobs[i].Script.File + "\x00" + jobs[i].Name()))
		names[i] += "-" + hex.EncodeToString(h.Sum(nil)[1:])
	}
	for i := range names {
		// The same job twice (a file given twice): number them.
		base := names[i]
		for n := 2; clash(i); n++ {
			names[i] = fmt.Sprintf("%s-%d", base, n)
		}
		jobs[i].Transcript = names[i]
	}
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
