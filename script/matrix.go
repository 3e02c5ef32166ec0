package script

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// A matrix is its axes, each a variable and its values; csv:, one more
// axis (the last) whose values are the rows of a table; exclude:, which
// removes the combinations that agree with an entry; and include:, whose
// entries then extend the combinations they agree with or, agreeing with
// none, add a job of their own. See Script.Jobs.

// Table is the CSV file of a matrix's csv: key: its header row names the
// variables, and each row below gives each of them a value.
type Table struct {
	File    string // the path read: the csv: value, joined to the script's directory
	Pos     Pos    // of the csv: value in the script
	Columns []string
	Rows    [][]string // each as long as Columns
}

// MatrixEntry is one entry of a matrix's include: or exclude:, a mapping
// of variables to values.
type MatrixEntry struct {
	Pos    Pos
	Values []KV // literal values, in the order written
}

// maxCSVBytes is the largest CSV file a matrix reads.
const maxCSVBytes = 64 << 20

// matrix reads matrix: into s: its axes, csv:, exclude: and include:,
// and checks the number of jobs they make.
func (c *stepCtx) matrix(key, n *yaml.Node, s *Script) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "matrix", "want a mapping of names to lists of values, got %s", describe(n))
		return
	}
	errs := len(c.p.errs)
	var include, exclude *entry
	for _, e := range c.entries(n, "matrix") {
		switch e.name {
		case "include":
			include = &e
			continue
		case "exclude":
			exclude = &e
			continue
		case "csv":
			s.MatrixCSV = c.matrixCSV(e.val)
			continue
		}
		if !c.varName(e.key, "matrix") {
			continue
		}
		a := Axis{Name: e.name, Pos: c.p.pos(e.key)}
		v := e.val
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			c.errorf(v, "matrix."+e.name, "want a non-empty list of values such as [a, b], got %s", describe(v))
		} else {
			for _, item := range v.Content {
				if s, ok := c.str(deref(item), "matrix."+e.name); ok {
					a.Values = append(a.Values, s)
					c.p.setSize(e.name, len(s))
				}
			}
		}
		c.sc.defineVar(e.name)
		s.Matrix = append(s.Matrix, a)
	}
	if t := s.MatrixCSV; t != nil {
		for i, col := range t.Columns {
			if j := slices.IndexFunc(s.Matrix, func(a Axis) bool { return a.Name == col }); j >= 0 {
				c.errorf(n, "matrix.csv", "column %q of %s is also an axis (line %d); use one or the other", col, t.File, s.Matrix[j].Pos.Line)
				continue
			}
			c.sc.defineVar(col)
			for _, row := range t.Rows {
				c.p.setSize(col, len(row[i]))
			}
		}
	}
	if exclude != nil {
		s.MatrixExclude = c.matrixEntries(exclude.val, "matrix.exclude", s, true)
	}
	if include != nil {
		s.MatrixInclude = c.matrixEntries(include.val, "matrix.include", s, false)
	}
	if len(c.p.errs) == errs {
		if err := s.checkJobs(); err != nil {
			c.fail(key, "matrix", err)
		}
	}
}

// matrixEntries reads the entries of include: or exclude:: a list of
// mappings of variables to values. An exclude entry may name only the
// matrix's own variables and the values they have.
func (c *stepCtx) matrixEntries(n *yaml.Node, key string, s *Script, exclude bool) []MatrixEntry {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, key, "want a list of mappings of variables to values, such as [{os: linux, arch: arm64}]; got %s", describe(n))
		return nil
	}
	var out []MatrixEntry
	values := map[string][]string{} // of each variable exclude names, once
	for _, item := range n.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode || len(item.Content) == 0 {
			c.errorf(item, key, "want a mapping of variables to values, such as {os: linux}; got %s", describe(item))
			continue
		}
		me := MatrixEntry{Pos: c.p.pos(item)}
		for _, e := range c.entries(item, key) {
			if !c.varName(e.key, key) {
				continue
			}
			v, ok := c.str(e.val, key+"."+e.name)
			if !ok {
				continue
			}
			if exclude {
				vs, known := values[e.name]
				if !known {
					all, ok := s.matrixValues(e.name)
					if !ok {
						c.errorf(e.key, key, "unknown variable %q: exclude names the matrix's own variables (%s)", e.name, listNames(s.productNames()))
						continue
					}
					vs = uniq(all)
					slices.Sort(vs)
					values[e.name] = vs
				}
				if _, found := slices.BinarySearch(vs, v); !found {
					c.errorf(e.val, key+"."+e.name, "%s is not a value of %s (%s)", shortQuote(v), e.name, listNames(vs))
					continue
				}
			} else {
				c.sc.defineVar(e.name)
				c.p.setSize(e.name, len(v))
			}
			me.Values = append(me.Values, KV{Key: e.name, Value: v, Pos: c.p.pos(e.key)})
		}
		out = append(out, me)
	}
	return out
}

// uniq returns the distinct strings of list, in order.
func uniq(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// productNames are the variables every combination of the matrix sets:
// the axes, then the columns of csv:.
func (s *Script) productNames() []string {
	var names []string
	for _, a := range s.Matrix {
		names = append(names, a.Name)
	}
	if s.MatrixCSV != nil {
		names = append(names, s.MatrixCSV.Columns...)
	}
	return names
}

// matrixValues returns the values an axis or a csv: column has, and
// whether name is one.
func (s *Script) matrixValues(name string) ([]string, bool) {
	for _, a := range s.Matrix {
		if a.Name == name {
			return a.Values, true
		}
	}
	if t := s.MatrixCSV; t != nil {
		if i := slices.Index(t.Columns, name); i >= 0 {
			values := make([]string, len(t.Rows))
			for j, row := range t.Rows {
				values[j] = row[i]
			}
			return values, true
		}
	}
	return nil, false
}

// MatrixNames returns the variables a job of s may get from its matrix:
// the axes, the columns of csv: and the keys of include:, in that order.
func (s *Script) MatrixNames() []string {
	names := s.productNames()
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	for _, e := range s.MatrixInclude {
		for _, kv := range e.Values {
			if !seen[kv.Key] {
				seen[kv.Key] = true
				names = append(names, kv.Key)
			}
		}
	}
	return names
}

// matrixLines returns the line where the matrix first names each of its
// variables.
func (s *Script) matrixLines() map[string]int {
	lines := map[string]int{}
	set := func(name string, line int32) {
		if _, ok := lines[name]; !ok {
			lines[name] = int(line)
		}
	}
	for _, a := range s.Matrix {
		set(a.Name, a.Pos.Line)
	}
	if t := s.MatrixCSV; t != nil {
		for _, col := range t.Columns {
			set(col, t.Pos.Line)
		}
	}
	for _, e := range s.MatrixInclude {
		for _, kv := range e.Values {
			set(kv.Key, kv.Pos.Line)
		}
	}
	return lines
}

// matrixCSV reads the table that csv: names, relative to the script's
// directory.
func (c *stepCtx) matrixCSV(n *yaml.Node) *Table {
	name, ok := c.str(n, "matrix.csv")
	if !ok {
		return nil
	}
	if strings.TrimSpace(name) == "" {
		c.errorf(n, "matrix.csv", "want the name of a CSV file, got %s", shortQuote(name))
		return nil
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(c.p.file), name)
	}
	t, err := readTable(path)
	if err != nil {
		c.p.csvUnread = true
		if e, ok := errors.AsType[*Error](err); ok {
			e.Step = "matrix.csv"
			c.p.add(e.Pos, e.Step, e.Err)
		} else {
			c.fail(n, "matrix.csv", err)
		}
		return nil
	}
	t.Pos = c.p.pos(n)
	return t
}

// readTable reads the CSV file at path. An error in the file is an
// *Error at its line and column there.
func readTable(path string) (*Table, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxCSVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err))
	}
	if len(src) > maxCSVBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxCSVBytes>>20)
	}
	at := func(line, col int, format string, args ...any) error {
		return &Error{Pos: posAt(path, line, col), Err: fmt.Errorf(format, args...)}
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(src, []byte("\uFEFF"))))
	t := &Table{File: path}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			if pe.Err == csv.ErrFieldCount {
				return nil, at(pe.Line, 1, "this row has %d fields, the header %d (%s)", len(rec), len(t.Columns), strings.Join(t.Columns, ", "))
			}
			return nil, at(pe.Line, pe.Column, "invalid CSV: %v", pe.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %v", path, err)
		}
		if t.Columns == nil {
			for i, name := range rec {
				line, col := r.FieldPos(i)
				switch {
				case !isVarName(name):
					return nil, at(line, col, "the header row names the variables: %s is not a variable name (letters, digits and _, not starting with a digit)", shortQuote(name))
				case reservedVars[name] != "":
					return nil, at(line, col, "%q is reserved (for %s); choose another name", name, reservedVars[name])
				case slices.Contains(rec[:i], name):
					return nil, at(line, col, "column %q appears twice", name)
				}
			}
			t.Columns = rec
			continue
		}
		if len(t.Rows) == maxJobs {
			line, _ := r.FieldPos(0)
			return nil, at(line, 1, "more than %d rows: a matrix may make at most %d jobs", maxJobs, maxJobs)
		}
		t.Rows = append(t.Rows, rec)
	}
	if t.Columns == nil {
		return nil, fmt.Errorf("%s is empty: want a header row naming the variables, then one row per job", path)
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%s has no rows below its header: want one row per job", path)
	}
	return t, nil
}
