// Command memfloor measures the floor of drover's peak RSS on a long
// script (the bigscript workload), in a process that does only what
// cannot be avoided (see issue 15):
//
//	memfloor SCRIPT         parse SCRIPT with the script package and hold it
//	memfloor -steps N -size B
//	                        hold N steps of B bytes each, as []Step holds
//	                        them (an interface, and an object of B-16 bytes),
//	                        while allocating garbage as a run does (480
//	                        bytes a step)
//
// Either prints its peak RSS (VmHWM), with GOGC as the environment sets
// it. Run it as go build -o /tmp/memfloor ./testdata/bench/memfloor; the
// RSS of "go run" is that of the go command.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/drover-dev/drover/script"
)

func main() {
	steps := flag.Int("steps", 0, "hold this many steps, of -size bytes each")
	size := flag.Int("size", 224, "bytes a step")
	flag.Parse()
	runtime.MemProfileRate = 0 // As drover does for long scripts.
	var held any
	switch {
	case *steps > 0:
		list := make([]any, *steps)
		for i := range list {
			list[i] = &make([]byte, *size-16)[0]
		}
		held = list
		for range *steps {
			sink = make([]byte, 480)
		}
	case flag.NArg() == 1:
		s, err := script.ParseFile(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		held = s
	default:
		fmt.Fprintln(os.Stderr, "usage: memfloor SCRIPT | memfloor -steps N -size B")
		os.Exit(2)
	}
	runtime.GC()
	var live runtime.MemStats
	runtime.ReadMemStats(&live)
	fmt.Printf("live heap %.1f MiB, GOGC %d, %s\n", float64(live.HeapAlloc)/(1<<20), debug.SetGCPercent(-1), hwm())
	runtime.KeepAlive(held)
}

// sink keeps the garbage on the heap.
var sink []byte

// hwm is the process's peak RSS, as /proc/self/status says.
func hwm() string {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return "peak RSS " + strings.Join(strings.Fields(line)[1:], " ")
		}
	}
	return "peak RSS unknown"
}
