package exec

import (
	"context"
	"runtime"
)

// Task is one unit of work for a Pool.
type Task struct {
	// Locks names resources the task needs alone: two tasks that share a
	// lock never run at the same time (a semaphore of one per name).
	Locks []string

	// Run does the work. Its ctx is the one given to Pool.Run.
	Run func(ctx context.Context)
}

// Pool runs tasks on a bounded number of workers, like a process pool
// sized to the CPUs. The zero value uses runtime.NumCPU() workers. A Pool
// holds no state between calls to Run and may be used concurrently.
type Pool struct {
	// Workers is how many tasks run at once; zero or less means
	// runtime.NumCPU().
	Workers int
}

// Run runs tasks and returns when every started task has returned. Tasks
// start in order, except that a task whose lock is held is passed over
// for the next one that can start, so no worker idles while a task could
// run. Once ctx is done no further task starts; started reports which did.
func (p Pool) Run(ctx context.Context, tasks []Task) (started []bool) {
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	started = make([]bool, len(tasks))
	held := map[string]bool{}
	done := make(chan int, len(tasks))
	pending := make([]int, len(tasks)) // indexes not yet started, in order
	for i := range pending {
		pending[i] = i
	}
	running := 0
	for {
		// Start whatever can start.
		for running < workers && ctx.Err() == nil {
			k := next(tasks, pending, held)
			if k < 0 {
				break
			}
			i := pending[k]
			if k == 0 {
				pending = pending[1:]
			} else {
				pending = append(pending[:k], pending[k+1:]...)
			}
			for _, l := range tasks[i].Locks {
				held[l] = true
			}
			started[i] = true
			running++
			go func() {
				tasks[i].Run(ctx)
				done <- i
			}()
		}
		if running == 0 {
			return started
		}
		select {
		case i := <-done:
			running--
			for _, l := range tasks[i].Locks {
				delete(held, l)
			}
		case <-ctx.Done():
			// Stop starting; wait for the running ones.
			for ; running > 0; running-- {
				<-done
			}
			return started
		}
	}
}

// next returns the position in pending of the first task none of whose
// locks is held, or -1.
func next(tasks []Task, pending []int, held map[string]bool) int {
outer:
	for k, i := range pending {
		for _, l := range tasks[i].Locks {
			if held[l] {
				continue outer
			}
		}
		return k
	}
	return -1
}
