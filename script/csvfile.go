package script

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// This file reads the data files a script names: each's lines: and csv:
// (and, later, matrix's csv:). They are read when the script is parsed,
// so that drover check sees a missing file or a ragged row.

// maxDataFile is the most bytes a data file may have, and maxItems the most
// items (lines or rows) it may give: more is an error, not an allocation
// without bound.
const (
	maxDataFile = 16 << 20
	maxItems    = 100_000
)

// dataError is a problem in a data file: "file:line: msg", or "file: msg"
// when Line is 0.
type dataError struct {
	File string
	Line int
	Msg  string
}

func (e *dataError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// readData reads the data file at path, named as written in messages, at
// most maxDataFile bytes of it. Only a regular file (or a symbolic link to
// one) is read: a named pipe or a device would block or never end.
func readData(path, name string) ([]byte, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		what := "not a regular file"
		if fi.IsDir() {
			what = "a directory, not a file"
		}
		return nil, &dataError{File: name, Msg: "cannot read it: " + what}
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &dataError{File: name, Msg: "cannot read it: " + err.Error()}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDataFile+1))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &dataError{File: name, Msg: "cannot read it: " + err.Error()}
	}
	if len(b) > maxDataFile {
		return nil, &dataError{File: name, Msg: fmt.Sprintf("larger than %d bytes (16 MiB)", maxDataFile)}
	}
	return b, nil
}

// dataLines returns the lines of text that are not blank, each without its
// line ending ("\n" or "\r\n"), and the line number of each, counting from
// 1. More than most is an error naming name.
func dataLines(text []byte, name string, most int) (lines []string, nums []int, err error) {
	n := 0
	for len(text) > 0 {
		n++
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(lines) == most {
			return nil, nil, &dataError{File: name, Line: n, Msg: fmt.Sprintf("more than %d items", most)}
		}
		lines, nums = append(lines, string(line)), append(nums, n)
	}
	return lines, nums, nil
}

// csvTable is a CSV file read whole: its header row names the columns, and
// each other row is one item.
type csvTable struct {
	Header []string   // the first row, each name trimmed of spaces
	Rows   [][]string // the other rows, each as long as Header
	Lines  []int      // the line where each row starts, counting from 1
}

// readCSV parses text, a CSV file named name in messages (RFC 4180: fields
// separated by commas, quoted with "; a UTF-8 byte order mark is skipped).
// Every row must have as many fields as the header: a ragged row is an
// error naming name and the row's line. A file without even a header row
// is an error; a header alone gives no rows.
func readCSV(text []byte, name string) (*csvTable, error) {
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1 // Checked below, for a message of our own.
	r.ReuseRecord = false
	t := &csvTable{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &dataError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, &dataError{File: name, Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		if t.Header == nil {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
			}
			t.Header = rec
			continue
		}
		if len(rec) != len(t.Header) {
			return nil, &dataError{File: name, Line: line, Msg: fmt.Sprintf(
				"the row has %d fields, the header %d (%s)", len(rec), len(t.Header), strings.Join(t.Header, ","))}
		}
		if len(t.Rows) == maxItems {
			return nil, &dataError{File: name, Line: line, Msg: fmt.Sprintf("more than %d rows", maxItems)}
		}
		t.Rows, t.Lines = append(t.Rows, rec), append(t.Lines, line)
	}
	if t.Header == nil {
		return nil, &dataError{File: name, Msg: "empty: want a header row naming the columns, such as name,address"}
	}
	return t, nil
}
