package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Long scripts: the heap close to what is live.
//
// A parsed step takes some 140 bytes (220 before the settings few steps
// set went apart, into their Extra), and with Go's default GOGC=100 the
// heap grows to twice what is live before a collection: a 100,000-step
// script's 21 MiB of steps made a heap of 43 MiB, while the parse and
// again while the steps ran (each allocating garbage as it goes); its 13
// MiB now still peak at 34-39 MiB of RSS at GOGC=100, 28-29 at 25. Once
// the scripts to read hold bigScripts bytes of YAML or more, drover runs
// the collector at GOGC=gcPercentBig instead, for the rest of the process:
// that heap grows to 1.25 times what is live. At 100,000 steps that cost
// some 40 ms of CPU more in the collector on a 2 s run, and its peak RSS
// went from 54 MiB to 42. It also stops the heap profile's sampling
// (runtime.MemProfileRate), whose records of the parse's allocations came
// to 1.4 MiB. GOGC or GOMEMLIMIT in the environment leave the collector
// as they set it, and GODEBUG=memprofilerate=N the sampling.

const (
	bigScripts   = 1 << 20 // bytes of YAML
	gcPercentBig = 25
)

// tighten applies gcForScripts once.
var tighten sync.Once

// tightenGC sets the collector for scripts of size bytes in all, about to
// be parsed, as gcForScripts says, once.
func tightenGC(size int64) {
	percent, sampling := gcForScripts(size, os.Getenv)
	if percent == 0 && sampling {
		return
	}
	tighten.Do(func() {
		if !sampling {
			runtime.MemProfileRate = 0
		}
		if percent > 0 {
			debug.SetGCPercent(percent)
		}
	})
}

// gcForScripts returns the GC percent to set for scripts of size bytes
// (0: leave it), and whether to keep the heap profile's sampling, with
// getenv for the environment.
func gcForScripts(size int64, getenv func(string) string) (percent int, sampling bool) {
	if size < bigScripts {
		return 0, true
	}
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		percent = gcPercentBig
	}
	return percent, strings.Contains(getenv("GODEBUG"), "memprofilerate=")
}
