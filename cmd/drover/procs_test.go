package main

import (
	"runtime"
	"testing"

	"github.com/drover-dev/drover/cmd/drover/internal/launch"
)

// fitProcs gives GOMAXPROCS one processor for one job, one more than
// the jobs run at once while they are no more than it has, leaves it
// for more, and leaves it alone when the environment sets it.
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
		{"", 2, 3},
		{"", 3, 2},
		{"", 8, 2},
		{"2", 1, 2},
		{"2", 2, 2},
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

// A worker its supervisor started with one processor (launch.OneProc)
// keeps it for one job, and gets the runtime's default back for more,
// fitted to the workers as without a supervisor; GOMAXPROCS set in the
// environment is the user's then, and ignored: the supervisor sets
// OneProc only when there is none. The default is the one drover_entry's
// worker had before it was lowered (launch.DefaultProcs), else the
// runtime's own.
func TestFitProcsOneProc(t *testing.T) {
	was := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(was)
	defer func(v bool, d int) { launch.OneProc, launch.DefaultProcs = v, d }(launch.OneProc, launch.DefaultProcs)
	launch.OneProc = true
	runtime.SetDefaultGOMAXPROCS()
	for _, known := range []int{0, 7} {
		launch.DefaultProcs = known
		def := known
		if def == 0 {
			def = runtime.GOMAXPROCS(0)
		}
		for _, tt := range []struct{ workers, want int }{
			{0, 1},
			{1, 1},
			{2, procsFor(2, def)},
			{def, def + 1},
			{def + 5, def},
		} {
			runtime.GOMAXPROCS(1)
			fitProcs(tt.workers)
			if got := runtime.GOMAXPROCS(0); got != tt.want {
				t.Errorf("one processor from the supervisor, default %d known as %d, %d workers: %d processors, want %d", def, known, tt.workers, got, tt.want)
			}
		}
	}
}

// procsFor: one for one job, a spare one beside up to def jobs, def for
// more.
func TestProcsFor(t *testing.T) {
	for _, tt := range []struct{ workers, def, want int }{
		{0, 4, 1},
		{1, 4, 1},
		{2, 4, 3},
		{4, 4, 5},
		{5, 4, 4},
		{2, 1, 1},
		{500, 2, 2},
	} {
		if got := procsFor(tt.workers, tt.def); got != tt.want {
			t.Errorf("procsFor(%d, %d) = %d, want %d", tt.workers, tt.def, got, tt.want)
		}
	}
}
