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
