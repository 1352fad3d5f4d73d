package replay

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"change", "a\nb\nc\n", "a\nB\nc\n", "@@ -2 +2 @@\n-b\n+B\n"},
		{"append", "a\nb\n", "a\nb\nc\nd\n", "@@ -2,0 +3,2 @@\n+c\n+d\n"},
		{"delete first", "a\nb\nc\n", "b\nc\n", "@@ -1 +0,0 @@\n-a\n"},
		{"two hunks", "a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\nf\n", "@@ -2 +2 @@\n-b\n+B\n@@ -5 +5,2 @@\n-e\n+E\n+f\n"},
		{"move", "x\na\nb\nc\n", "a\nb\nc\nx\n", "@@ -1 +0,0 @@\n-x\n@@ -4,0 +4 @@\n+x\n"},
		{"from empty", "", "a\n", "@@ -0,0 +1 @@\n+a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("old", "new", []byte(tt.a), []byte(tt.b))
			want := ""
			if tt.want != "" {
				want = "--- old\n+++ new\n" + tt.want
			}
			if got != want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestDiffLarge checks the fallback for a middle part too large to align:
// one hunk that replaces every line between the common head and tail.
func TestDiffLarge(t *testing.T) {
	const n = 3000
	var a, b strings.Builder
	a.WriteString("head\n")
	b.WriteString("head\n")
	for i := range n {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("x", i%7) + "\n")
	}
	a.WriteString("tail\n")
	b.WriteString("tail\n")
	got := Diff("old", "new", []byte(a.String()), []byte(b.String()))
	if !strings.HasPrefix(got, "--- old\n+++ new\n@@ -2,3000 +2,3000 @@\n") {
		t.Errorf("diff starts %.60q, want one hunk over lines 2 to 3001", got)
	}
	if c := strings.Count(got, "\n-a"); c != n {
		t.Errorf("%d deleted lines, want %d", c, n)
	}
	if c := strings.Count(got, "\n+b"); c != n {
		t.Errorf("%d inserted lines, want %d", c, n)
	}
}
