package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// TestGCForScripts: GOGC=25 and no heap profile sampling from 1 MiB of
// scripts on, the user's GOGC, GOMEMLIMIT and GODEBUG=memprofilerate
// winning.
func TestGCForScripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size     int64
		env      map[string]string
		percent  int
		sampling bool
	}{
		{size: 0, percent: 0, sampling: true},
		{size: bigScripts - 1, percent: 0, sampling: true},
		{size: bigScripts, percent: 25, sampling: false},
		{size: 50 << 20, percent: 25, sampling: false},
		{size: bigScripts, env: map[string]string{"GOGC": "100"}, percent: 0, sampling: false},
		{size: bigScripts, env: map[string]string{"GOGC": "off"}, percent: 0, sampling: false},
		{size: bigScripts, env: map[string]string{"GOMEMLIMIT": "1GiB"}, percent: 0, sampling: false},
		{size: bigScripts, env: map[string]string{"GODEBUG": "madvdontneed=1,memprofilerate=1"}, percent: 25, sampling: true},
		{size: bigScripts, env: map[string]string{"GODEBUG": "madvdontneed=1"}, percent: 25, sampling: false},
	}
	for _, tt := range tests {
		percent, sampling := gcForScripts(tt.size, func(k string) string { return tt.env[k] })
		if percent != tt.percent || sampling != tt.sampling {
			t.Errorf("gcForScripts(%d, %v) = %d, %v; want %d, %v", tt.size, tt.env, percent, sampling, tt.percent, tt.sampling)
		}
	}
}

// TestLoadFromTightensGC: loading 1 MiB of scripts sets GOGC=25 and stops
// the heap profile's sampling (both put back after the test).
func TestLoadFromTightensGC(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" || strings.Contains(os.Getenv("GODEBUG"), "memprofilerate=") {
		t.Skip("the environment sets the collector")
	}
	rate := runtime.MemProfileRate
	defer func() { runtime.MemProfileRate = rate }()
	tighten = sync.Once{} // Applied once a process: again for go test -count=2.
	var b strings.Builder
	b.WriteString("steps:\n  - spawn: [cat]\n")
	for i := 0; b.Len() < bigScripts; i++ {
		fmt.Fprintf(&b, "  - send: ping-%d\n  - expect: \"ping-%d\\n\"\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, code := loadFrom([]string{file}, nil, io.Discard); code != exitOK {
		t.Fatalf("loadFrom: exit %d", code)
	}
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(100)
	if percent != gcPercentBig || runtime.MemProfileRate != 0 {
		t.Errorf("after 1 MiB of scripts GOGC=%d and MemProfileRate=%d, want %d and 0", percent, runtime.MemProfileRate, gcPercentBig)
	}
}
