package exec

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolBound runs many tasks and checks that all run, and that never
// more than Workers run at once.
func TestPoolBound(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 3, 8} {
		var running, peak, ran atomic.Int64
		tasks := make([]Task, 100)
		for i := range tasks {
			tasks[i].Run = func(ctx context.Context) {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
				ran.Add(1)
			}
		}
		started := Pool{Workers: workers}.Run(context.Background(), tasks)
		if ran.Load() != 100 {
			t.Errorf("workers=%d: %d tasks ran, want 100", workers, ran.Load())
		}
		for i, ok := range started {
			if !ok {
				t.Errorf("task %d reported not started", i)
			}
		}
		if peak.Load() > int64(workers) {
			t.Errorf("workers=%d: %d ran at once", workers, peak.Load())
		}
		if workers > 1 && peak.Load() < 2 {
			t.Errorf("workers=%d: never more than one ran at once", workers)
		}
	}
}

// TestPoolLocks checks that tasks sharing a lock never overlap.
func TestPoolLocks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	holders := map[string]int{}
	var overlap atomic.Bool
	tasks := make([]Task, 60)
	for i := range tasks {
		lock := []string{"a", "b", "c"}[i%3]
		tasks[i].Locks = []string{lock}
		tasks[i].Run = func(ctx context.Context) {
			mu.Lock()
			holders[lock]++
			if holders[lock] > 1 {
				overlap.Store(true)
			}
			mu.Unlock()
			time.Sleep(500 * time.Microsecond)
			mu.Lock()
			holders[lock]--
			mu.Unlock()
		}
	}
	Pool{Workers: 8}.Run(context.Background(), tasks)
	if overlap.Load() {
		t.Error("two holders of one lock ran at once")
	}
}

// TestPoolNoIdleWorker: while the first task holds lock x, the second
// (needing x too) waits, and the third (needing nothing) must start on
// the idle worker instead of queueing behind the second.
func TestPoolNoIdleWorker(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	thirdRan := make(chan struct{})
	tasks := []Task{
		{Locks: []string{"x"}, Run: func(ctx context.Context) { <-release }},
		{Locks: []string{"x"}, Run: func(ctx context.Context) {}},
		{Run: func(ctx context.Context) { close(thirdRan) }},
	}
	done := make(chan struct{})
	go func() {
		Pool{Workers: 2}.Run(context.Background(), tasks)
		close(done)
	}()
	select {
	case <-thirdRan:
	case <-time.After(10 * time.Second):
		t.Error("the third task waited behind a locked one while a worker was idle")
	}
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// TestPoolCancel: once ctx is done no task starts; Run waits for the
// running ones and reports which started.
func TestPoolCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ran atomic.Int64
	tasks := make([]Task, 10)
	for i := range tasks {
		tasks[i].Run = func(ctx context.Context) {
			ran.Add(1)
			cancel()
			<-ctx.Done()
		}
	}
	started := Pool{Workers: 2}.Run(ctx, tasks)
	n := 0
	for _, ok := range started {
		if ok {
			n++
		}
	}
	if n != int(ran.Load()) || n > 2 || n == 0 {
		t.Errorf("%d started, %d ran; want the same, 1 or 2", n, ran.Load())
	}
}

// TestPoolZero runs with the zero Pool and no tasks.
func TestPoolZero(t *testing.T) {
	t.Parallel()
	if got := (Pool{}).Run(context.Background(), nil); len(got) != 0 {
		t.Errorf("got %v", got)
	}
	var ran atomic.Bool
	Pool{}.Run(context.Background(), []Task{{Run: func(context.Context) { ran.Store(true) }}})
	if !ran.Load() {
		t.Error("the zero Pool did not run a task")
	}
}
