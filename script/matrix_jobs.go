package script

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxMatrixWork is the most combinations the entries of include: and
// exclude: may select in all: past it, working out the jobs would take
// long, and a script that needs it is better split.
const maxMatrixWork = 10_000_000

// Jobs returns the jobs of s, each a combination of its matrix values; a
// script without a matrix is one job. How the keys of matrix: combine:
//
//  1. The axes, csv: last (its rows are its values), make one combination
//     per choice of a value of each, the last axis varying fastest.
//  2. exclude: removes each combination that agrees with one of its
//     entries (has every value the entry gives).
//  3. Each include: entry, in order, extends every combination left that
//     agrees with it on the axes and csv: columns it names, adding (or
//     replacing, when an earlier entry added it) its other variables; an
//     entry that extends no combination is a job of its own, with just
//     its values, after those of the combinations. A matrix of include:
//     alone is one job per entry.
//
// A job's values are in the order the matrix first names their variables.
// vars overrides values. Of an axis it names, only the jobs with its value
// are kept: so --var narrows a matrix to jobs it makes, and an include:
// entry with another value of the axis neither extends a job nor is one.
// A value the matrix names nowhere (neither the axis nor an entry) is the
// axis's only one instead. Any other variable of the matrix (a column, a
// key of include:) takes its value in every job. Jobs left alike then run
// once.
func (s *Script) Jobs(vars map[string]string) []Job {
	if len(s.Matrix) == 0 && s.MatrixCSV == nil && len(s.MatrixInclude) == 0 {
		return []Job{{Script: s}}
	}
	p := s.plan(vars)
	order := map[string]int{}
	for i, name := range s.MatrixNames() {
		order[name] = i
	}
	var kvs [][]KV
	at := make([]int, p.total) // Each combination's job, or -1.
	for idx := range p.total {
		at[idx] = -1
		if !p.excluded[idx] {
			at[idx] = len(kvs)
			kvs = append(kvs, p.values(idx))
		}
	}
	for _, e := range s.MatrixInclude {
		extended := false
		p.matches(e, func(idx int) {
			if j := at[idx]; j >= 0 {
				extended = true
				for _, kv := range e.Values {
					if !slices.Contains(p.names, kv.Key) {
						kvs[j] = setKV(kvs[j], kv)
					}
				}
			}
		})
		if !extended {
			kvs = append(kvs, slices.Clone(e.Values))
		}
	}
	jobs := make([]Job, 0, len(kvs))
	seen := map[string]bool{}
	for _, m := range kvs {
		if slices.ContainsFunc(m, func(kv KV) bool { return p.narrowed[kv.Key] && kv.Value != vars[kv.Key] }) {
			continue
		}
		for i, kv := range m {
			if v, ok := vars[kv.Key]; ok {
				m[i].Value = v
			}
		}
		slices.SortStableFunc(m, func(a, b KV) int { return order[a.Key] - order[b.Key] })
		var key strings.Builder
		for _, kv := range m {
			key.WriteString(kv.Key + "\x00" + kv.Value + "\x00")
		}
		if !seen[key.String()] {
			seen[key.String()] = true
			jobs = append(jobs, Job{Script: s, Matrix: m})
		}
	}
	maskSecretValues(s, jobs)
	return jobs
}

// setKV sets kv in kvs, replacing a value of the same key.
func setKV(kvs []KV, kv KV) []KV {
	for i := range kvs {
		if kvs[i].Key == kv.Key {
			kvs[i] = kv
			return kvs
		}
	}
	return append(kvs, kv)
}

// matrixPlan is the combinations of a matrix's axes and csv: rows, and
// which of them exclude: removes, without the jobs.
type matrixPlan struct {
	s        *Script
	names    []string                    // the axes, then the columns
	axes     [][]string                  // each axis's values, a --var's value alone if it is not one
	narrowed map[string]bool             // the axes a --var names
	radix    []int                       // the number of values of each axis, then of rows
	total    int                         // combinations: the product of radix, or 0 without axes
	excluded []bool                      // by combination
	work     int                         // combinations and values the entries went through
	index    map[string]map[string][]int // see lookup
}

// plan works out the combinations of s's matrix and what exclude:
// removes. It reports a problem as checkJobs does.
func (s *Script) plan(vars map[string]string) *matrixPlan {
	p := &matrixPlan{s: s, names: s.productNames(), narrowed: map[string]bool{}}
	for _, a := range s.Matrix {
		values := a.Values
		if v, ok := vars[a.Name]; ok {
			// The jobs without v are left out after: include: entries
			// extend or not as they do without --var. A value the
			// matrix names nowhere is the axis's only one.
			p.narrowed[a.Name] = true
			if !slices.Contains(values, v) && !s.includes(KV{Key: a.Name, Value: v}) {
				values = []string{v}
			}
		}
		p.axes = append(p.axes, values)
		p.radix = append(p.radix, len(values))
	}
	if s.MatrixCSV != nil {
		p.radix = append(p.radix, len(s.MatrixCSV.Rows))
	}
	if len(p.radix) > 0 {
		p.total = 1
		for _, n := range p.radix {
			p.total *= max(n, 1) // At most maxJobs: checked first.
		}
	}
	p.excluded = make([]bool, p.total)
	for _, e := range s.MatrixExclude {
		p.matches(e, func(idx int) { p.excluded[idx] = true })
	}
	return p
}

// includes reports whether an include: entry gives kv's variable kv's value.
func (s *Script) includes(kv KV) bool {
	for _, e := range s.MatrixInclude {
		if slices.ContainsFunc(e.Values, func(x KV) bool { return x.Key == kv.Key && x.Value == kv.Value }) {
			return true
		}
	}
	return false
}

// values returns the variables of combination idx.
func (p *matrixPlan) values(idx int) []KV {
	kvs := make([]KV, 0, len(p.names))
	digits := p.digits(idx)
	for i, a := range p.s.Matrix {
		kvs = append(kvs, KV{Key: a.Name, Value: p.axes[i][digits[i]], Pos: a.Pos})
	}
	if t := p.s.MatrixCSV; t != nil {
		row := t.Rows[digits[len(digits)-1]]
		for i, col := range t.Columns {
			kvs = append(kvs, KV{Key: col, Value: row[i], Pos: t.Pos})
		}
	}
	return kvs
}

func (p *matrixPlan) digits(idx int) []int {
	d := make([]int, len(p.radix))
	for i := len(p.radix) - 1; i >= 0; i-- {
		d[i] = idx % p.radix[i]
		idx /= p.radix[i]
	}
	return d
}

// choices returns, for each axis (and the rows), the indexes of the
// values that agree with entry e, nil meaning all of them, and the
// indexes it went through to find them.
func (p *matrixPlan) choices(e MatrixEntry) ([][]int, int) {
	ch := make([][]int, len(p.radix))
	cost := 0
	var cols []KV // The entry's csv: columns.
	for _, kv := range e.Values {
		if i := slices.IndexFunc(p.s.Matrix, func(a Axis) bool { return a.Name == kv.Key }); i >= 0 {
			list := p.lookup(kv.Key)[kv.Value]
			cost += len(list)
			ch[i] = append([]int{}, list...)
		} else if t := p.s.MatrixCSV; t != nil && slices.Contains(t.Columns, kv.Key) {
			cols = append(cols, kv)
		}
	}
	if len(cols) > 0 {
		// The rows of the column whose value fewest rows have, checked
		// against the other columns.
		t := p.s.MatrixCSV
		slices.SortStableFunc(cols, func(a, b KV) int {
			return len(p.lookup(a.Key)[a.Value]) - len(p.lookup(b.Key)[b.Value])
		})
		rows := []int{}
		for _, r := range p.lookup(cols[0].Key)[cols[0].Value] {
			cost += len(cols)
			if !slices.ContainsFunc(cols[1:], func(kv KV) bool { return t.Rows[r][slices.Index(t.Columns, kv.Key)] != kv.Value }) {
				rows = append(rows, r)
			}
		}
		ch[len(ch)-1] = rows
	}
	return ch, cost
}

// lookup returns the indexes of each value of the axis or column name:
// those of its values, or of the rows that hold it.
func (p *matrixPlan) lookup(name string) map[string][]int {
	if idx, ok := p.index[name]; ok {
		return idx
	}
	idx := map[string][]int{}
	if i := slices.IndexFunc(p.s.Matrix, func(a Axis) bool { return a.Name == name }); i >= 0 {
		for j, v := range p.axes[i] {
			idx[v] = append(idx[v], j)
		}
	} else if t := p.s.MatrixCSV; t != nil {
		c := slices.Index(t.Columns, name)
		for r, row := range t.Rows {
			idx[row[c]] = append(idx[row[c]], r)
		}
	}
	if p.index == nil {
		p.index = map[string]map[string][]int{}
	}
	p.index[name] = idx
	return idx
}

// count is how many combinations ch selects, at most maxMatrixWork+1.
func (p *matrixPlan) count(ch [][]int) int {
	n := 1
	for i, c := range ch {
		k := p.radix[i]
		if c != nil {
			k = len(c)
		}
		n = min(n*k, maxMatrixWork+1)
	}
	return n
}

// matches calls f with each combination that agrees with e, in order.
func (p *matrixPlan) matches(e MatrixEntry, f func(idx int)) {
	if p.total == 0 || p.work > maxMatrixWork {
		return
	}
	ch, cost := p.choices(e)
	p.work = min(p.work+cost+p.count(ch), maxMatrixWork+1)
	if p.work > maxMatrixWork {
		return
	}
	pick := make([]int, len(ch)) // The position in each choice.
	for {
		idx := 0
		for i, c := range ch {
			d := pick[i]
			if c != nil {
				if len(c) == 0 {
					return
				}
				d = c[d]
			}
			idx = idx*p.radix[i] + d
		}
		f(idx)
		i := len(ch) - 1
		for ; i >= 0; i-- {
			n := p.radix[i]
			if ch[i] != nil {
				n = len(ch[i])
			}
			if pick[i]++; pick[i] < n {
				break
			}
			pick[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// checkJobs reports a matrix that makes more than maxJobs jobs, counting
// them without making any, or none at all.
func (s *Script) checkJobs() error {
	const ceiling = 1_000_000_000_000_000_000 // Past it, the count is not worth printing.
	var radix []int
	for _, a := range s.Matrix {
		radix = append(radix, len(a.Values))
	}
	if s.MatrixCSV != nil {
		radix = append(radix, len(s.MatrixCSV.Rows))
	}
	product := int64(1) // On 32 bits too.
	counts := make([]string, len(radix))
	for i, n := range radix {
		n = max(n, 1)
		counts[i] = strconv.Itoa(n)
		if product > ceiling/int64(n) {
			product = ceiling
		} else {
			product *= int64(n)
		}
	}
	if product > maxJobs {
		count := strconv.FormatInt(product, 10)
		if product == ceiling {
			count = "at least " + count
		}
		how := strings.Join(counts, " × ") + " values"
		if len(radix) > 8 {
			how = strconv.Itoa(len(radix)) + " axes"
		}
		return fmt.Errorf("%s make %s jobs, more than the %d a script may make; use fewer values, or split the script",
			how, count, maxJobs)
	}
	p := s.plan(nil)
	jobs := 0
	for _, x := range p.excluded {
		if !x {
			jobs++
		}
	}
	for _, e := range s.MatrixInclude {
		extends := false
		p.matches(e, func(idx int) { extends = extends || !p.excluded[idx] })
		if !extends {
			jobs++
		}
	}
	switch {
	case p.work > maxMatrixWork:
		return fmt.Errorf("the entries of include and exclude select more than %d combinations in all; use fewer entries, or split the script", maxMatrixWork)
	case jobs > maxJobs:
		return fmt.Errorf("makes %d jobs, more than the %d a script may make; use fewer values, or split the script", jobs, maxJobs)
	case jobs == 0:
		return fmt.Errorf("exclude removes every combination and include adds none: the matrix makes no job")
	}
	return nil
}

// maskSecretValues sets the shown values of jobs, the jobs of s: a
// secret variable's (see Job.Shown) masked.
func maskSecretValues(s *Script, jobs []Job) {
	secret := secretVars(s)
	ranks := map[string]map[string]int{} // by variable, each value's rank
	for _, j := range jobs {
		for _, kv := range j.Matrix {
			if !secret[kv.Key] {
				continue
			}
			if ranks[kv.Key] == nil {
				ranks[kv.Key] = map[string]int{}
			}
			if _, ok := ranks[kv.Key][kv.Value]; !ok {
				ranks[kv.Key][kv.Value] = len(ranks[kv.Key]) + 1
			}
		}
	}
	if len(ranks) == 0 {
		return
	}
	for i, j := range jobs {
		shown := slices.Clone(j.Matrix)
		for k, kv := range shown {
			if r, ok := ranks[kv.Key]; ok {
				shown[k].Value = maskText
				if len(r) > 1 {
					shown[k].Value += "#" + strconv.Itoa(r[kv.Value])
				}
			}
		}
		jobs[i].shown = shown
	}
}
