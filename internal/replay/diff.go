package replay

import (
	"bytes"
	"fmt"
	"strings"
)

// maxDiffCells bounds the table of the line diff (old lines times new
// lines between the common head and tail). A larger middle part is shown
// as one hunk that replaces every line of it.
const maxDiffCells = 4 << 20

// Diff returns the line differences from a to b in unified diff form
// with no context lines, like "diff -U0", under the given file names. It
// returns "" when the texts are equal.
func Diff(oldName, newName string, a, b []byte) string {
	x, y := splitLines(a), splitLines(b)
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	if head == len(x) && head == len(y) {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	ops := alignLines(x[head:len(x)-tail], y[head:len(y)-tail])
	writeHunks(&out, ops, x, y, head)
	return out.String()
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.Split(string(bytes.TrimSuffix(b, []byte("\n"))), "\n")
	return lines
}

// op is one step of an alignment: keep a line of both texts, delete a
// line of the old text or insert a line of the new one.
type op byte

const (
	opKeep op = iota
	opDelete
	opInsert
)

// alignLines aligns two line lists along a longest common subsequence.
func alignLines(x, y []string) []op {
	n, m := len(x), len(y)
	if n*m > maxDiffCells {
		ops := make([]op, 0, n+m)
		for range n {
			ops = append(ops, opDelete)
		}
		for range m {
			ops = append(ops, opInsert)
		}
		return ops
	}
	// lcs[i*(m+1)+j] is the length of a longest common subsequence of
	// x[i:] and y[j:].
	lcs := make([]int32, (n+1)*(m+1))
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			k := i*(m+1) + j
			switch {
			case x[i] == y[j]:
				lcs[k] = lcs[k+m+2] + 1
			case lcs[k+m+1] >= lcs[k+1]:
				lcs[k] = lcs[k+m+1]
			default:
				lcs[k] = lcs[k+1]
			}
		}
	}
	ops := make([]op, 0, n+m)
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, opKeep)
			i++
			j++
		case j == m || i < n && lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]:
			ops = append(ops, opDelete)
			i++
		default:
			ops = append(ops, opInsert)
			j++
		}
	}
	return ops
}

// writeHunks writes one hunk per run of deletions and insertions. The
// alignment starts after skip equal lines.
func writeHunks(out *strings.Builder, ops []op, x, y []string, skip int) {
	i, j := skip, skip
	for k := 0; k < len(ops); {
		if ops[k] == opKeep {
			i++
			j++
			k++
			continue
		}
		i0, j0 := i, j
		end := k
		for end < len(ops) && ops[end] != opKeep {
			if ops[end] == opDelete {
				i++
			} else {
				j++
			}
			end++
		}
		fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(i0, i-i0), hunkRange(j0, j-j0))
		for _, line := range x[i0:i] {
			out.WriteString("-" + line + "\n")
		}
		for _, line := range y[j0:j] {
			out.WriteString("+" + line + "\n")
		}
		k = end
	}
}

// hunkRange formats the range of a hunk as unified diffs do: the 1-based
// first line and the count, the count left out when it is 1, and the line
// before the hunk when the count is 0.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}
