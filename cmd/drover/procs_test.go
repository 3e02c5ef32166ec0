package main

import (
	"runtime"
	"testing"
)

// fitProcs lowers GOMAXPROCS to the number of jobs run at once, never
// raises it, and leaves it alone when the environment sets it.
func TestFitProcs(t *testing.T) {
	was := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(was)
	runtime.GOMAXPROCS(2)
	tests := []struct {
		env     string
		workers int
		want    int
	}{
		{"", 1, 1},
		{"", 2, 2},
		{"", 8, 2},
		{"2", 1, 2},
		{"", 0, 2},
	}
	for _, tt := range tests {
		t.Setenv("GOMAXPROCS", tt.env)
		runtime.GOMAXPROCS(2)
		fitProcs(tt.workers)
		if got := runtime.GOMAXPROCS(0); got != tt.want {
			t.Errorf("GOMAXPROCS=%q, %d workers: %d processors, want %d", tt.env, tt.workers, got, tt.want)
		}
	}
}
