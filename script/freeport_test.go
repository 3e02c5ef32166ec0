package script

import "testing"

// freePort never hands out the same port twice in one drover, even when
// the kernel offers it again.
func TestFreePortUnique(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for range 200 {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

// portOutside picks only unprivileged ports outside the range, from both
// sides of it, and none when the range covers them all.
func TestPortOutside(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi       int
		below, above bool // whether ports on that side exist
	}{
		{32768, 60999, true, true},
		{1024, 60999, false, true},
		{32768, 65535, true, false},
		{1, 65535, false, false},
		{1024, 65535, false, false},
		{40000, 40000, true, true},
	}
	for _, tt := range tests {
		sawBelow, sawAbove := false, false
		for range 2000 {
			p := portOutside(tt.lo, tt.hi)
			if !tt.below && !tt.above {
				if p != 0 {
					t.Fatalf("portOutside(%d, %d) = %d, want 0: no port outside", tt.lo, tt.hi, p)
				}
				break
			}
			if p < 1024 || p > 65535 || (p >= tt.lo && p <= tt.hi) {
				t.Fatalf("portOutside(%d, %d) = %d", tt.lo, tt.hi, p)
			}
			sawBelow = sawBelow || p < tt.lo
			sawAbove = sawAbove || p > tt.hi
		}
		if sawBelow != tt.below || sawAbove != tt.above {
			t.Errorf("portOutside(%d, %d): below %v above %v, want %v %v", tt.lo, tt.hi, sawBelow, sawAbove, tt.below, tt.above)
		}
	}
}
