package script

import (
	"fmt"
	"strings"
)

// diffLimit bounds the work of a diff: past this many cells of the LCS
// table, only the first differing line is shown.
const diffLimit = 4 << 20

// unifiedDiff returns a unified diff (-want +got) of two texts, line by
// line, with three lines of context, as diff -u prints it.
func unifiedDiff(want, got string) string {
	a, b := splitLines(want), splitLines(got)
	if len(a)*len(b) > diffLimit {
		return firstDifference(a, b)
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte // ' ', '-', '+'
		text string
		ai   int // line number in a of a ' ' or '-' line, from 0
		bi   int // likewise in b for ' ' or '+'
	}
	var ops []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, line{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', a[i], i, j}) // Deletions first, as diff -u.
			i++
		default:
			ops = append(ops, line{'+', b[j], i, j})
			j++
		}
	}
	// Group the changes into hunks with three lines of context.
	const context = 3
	var out strings.Builder
	for k := 0; k < len(ops); {
		if ops[k].op == ' ' {
			k++
			continue
		}
		start := max(k-context, 0)
		end := k
		for end < len(ops) {
			if ops[end].op != ' ' {
				end++
				continue
			}
			// A run of context: does another change follow within reach?
			run := end
			for run < len(ops) && ops[run].op == ' ' {
				run++
			}
			if run < len(ops) && run-end <= 2*context {
				end = run
				continue
			}
			end = min(end+context, len(ops))
			break
		}
		var na, nb int
		for _, l := range ops[start:end] {
			if l.op != '+' {
				na++
			}
			if l.op != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", ops[start].ai+1, na, ops[start].bi+1, nb)
		for _, l := range ops[start:end] {
			fmt.Fprintf(&out, "%c%s\n", l.op, l.text)
		}
		k = end
	}
	return out.String()
}

// firstDifference describes where two long texts first differ.
func firstDifference(a, b []string) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			var w, g string
			if i < len(a) {
				w = a[i]
			}
			if i < len(b) {
				g = b[i]
			}
			return fmt.Sprintf("first difference at line %d:\n-%s\n+%s\n", i+1, w, g)
		}
	}
	return ""
}

// splitLines splits s into lines; a final newline ends the last line
// rather than starting an empty one.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
