package script

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
)

// roundTrips returns the bench harness's round-trip script of n sends and
// n expects (testdata/bench roundTripYAML): 2n+4 steps.
func roundTrips(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: round trip x%d\ntimeout: 10m\nsteps:\n", n)
	b.WriteString("  - spawn: [sh, -c, \"stty -echo; echo ready; exec cat\"]\n")
	b.WriteString("  - expect: \"ready\\n\"\n")
	for i := range n {
		fmt.Fprintf(&b, "  - send: ping-%d\n  - expect: \"ping-%d\\n\"\n", i, i)
	}
	b.WriteString("  - send: {eof: true}\n  - wait:\n")
	return []byte(b.String())
}

// gcWatch records, at the end of each GC cycle while it runs, the live
// heap that cycle marked and the heap goal it set: their largest values
// are the peak of the live heap and of the heap itself.
type gcWatch struct {
	mu             sync.Mutex
	stop           bool
	peakLive, goal uint64
	done           chan struct{}
}

func watchGC() *gcWatch {
	w := &gcWatch{done: make(chan struct{})}
	w.arm()
	return w
}

// arm sets a finalizer on a new object, which runs after the next cycle.
func (w *gcWatch) arm() {
	sentinel := new([16]byte)
	runtime.SetFinalizer(sentinel, func(*[16]byte) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.sample()
		if w.stop {
			close(w.done)
			return
		}
		w.arm()
	})
}

func (w *gcWatch) sample() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	w.peakLive = max(w.peakLive, s[0].Value.Uint64())
	w.goal = max(w.goal, s[1].Value.Uint64())
}

// end stops the watch after one more cycle, which marks what is live
// at the end, and returns the peaks and that live heap.
func (w *gcWatch) end() (peakLive, goal, live uint64) {
	w.mu.Lock()
	w.stop = true
	w.mu.Unlock()
	runtime.GC()
	runtime.GC() // The finalizer of the first runs during the second.
	<-w.done
	return w.peakLive, w.goal, liveHeap()
}

// liveHeap is the heap the last GC cycle marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkParseRoundTrip50k parses the bench harness's 50,000-round-trip
// script (100,004 steps, 2.3 MB) and reports the heap it needs: the peak
// of the live heap seen at the end of each GC cycle, the largest heap goal
// (what the heap grows to, as GOGC sets it), and what stays live after
// the parse, the Script, in bytes and per step; all over the live heap
// before the parse, which holds the source.
func BenchmarkParseRoundTrip50k(b *testing.B) {
	src := roundTrips(50_000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	var peak, goal, live uint64
	var steps int
	for b.Loop() {
		runtime.GC()
		base := liveHeap()
		w := watchGC()
		s, err := Parse("big.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		p, g, l := w.end()
		peak, goal, live = max(peak, p-base), max(goal, g-base), max(live, l-base)
		steps = len(s.Steps)
		runtime.KeepAlive(s)
	}
	const mb = 1 << 20
	b.ReportMetric(float64(peak)/mb, "peak-live-MiB")
	b.ReportMetric(float64(goal)/mb, "peak-goal-MiB")
	b.ReportMetric(float64(live)/mb, "script-MiB")
	b.ReportMetric(float64(live)/float64(steps), "script-B/step")
}
