package script

import "testing"

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want, got, diff string }{
		{"one changed line", "a\nb\nc\n", "a\nB\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"added at end", "a\n", "a\nb\n", "@@ -1,1 +1,2 @@\n a\n+b\n"},
		{"removed", "a\nb\n", "b\n", "@@ -1,2 +1,1 @@\n-a\n b\n"},
		{"from empty", "", "x\n", "@@ -1,0 +1,1 @@\n+x\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
			"@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n"},
		{"near changes join", "1\n2\n3\n4\n5\n", "1\nX\n3\n4\nY\n", "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n-5\n+Y\n"},
		{"equal", "a\n", "a\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := unifiedDiff(tt.want, tt.got); got != tt.diff {
				t.Errorf("unifiedDiff(%q, %q) =\n%s\nwant\n%s", tt.want, tt.got, got, tt.diff)
			}
		})
	}
}

func TestUnifiedDiffLarge(t *testing.T) {
	t.Parallel()
	a, b := "", ""
	for i := range 3000 {
		a += "line\n"
		if i == 1500 {
			b += "other\n"
		} else {
			b += "line\n"
		}
	}
	if got, want := unifiedDiff(a, b), "first difference at line 1501:\n-line\n+other\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
