package exec

import (
	"context"
	"runtime"
	"sync"
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
//
// Each worker is one goroutine that runs task after task: a task that
// ends hands its worker straight to the next, with no goroutine to start
// and no dispatcher to wake in between.
func (p Pool) Run(ctx context.Context, tasks []Task) (started []bool) {
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	q := &queue{tasks: tasks, held: map[string]bool{}, pending: make([]int, len(tasks))}
	q.free.L = &q.mu
	for i := range q.pending {
		q.pending[i] = i
	}
	started = make([]bool, len(tasks))
	var wg sync.WaitGroup
	for range min(workers, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := q.take(ctx)
				if !ok {
					return
				}
				started[i] = true // Each index once, by the worker that took it.
				tasks[i].Run(ctx)
				q.release(i)
			}
		}()
	}
	wg.Wait()
	return started
}

// queue is the tasks of one Pool.Run not started yet and the locks the
// running ones hold.
type queue struct {
	mu      sync.Mutex
	free    sync.Cond // a task ended: its locks are free
	tasks   []Task
	pending []int // indexes not yet started, in order
	held    map[string]bool
	running int
}

// take returns the next task that can start, waiting while the only ones
// left need a lock a running task holds; false once none is left to
// start, or ctx is done.
func (q *queue) take(ctx context.Context) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if len(q.pending) == 0 || ctx.Err() != nil {
			return 0, false
		}
		if k := next(q.tasks, q.pending, q.held); k >= 0 {
			i := q.pending[k]
			if k == 0 {
				q.pending = q.pending[1:]
			} else {
				q.pending = append(q.pending[:k], q.pending[k+1:]...)
			}
			for _, l := range q.tasks[i].Locks {
				q.held[l] = true
			}
			q.running++
			return i, true
		}
		if q.running == 0 {
			return 0, false // Cannot happen: a lock is held only while its task runs.
		}
		q.free.Wait()
	}
}

// release frees the locks of task i, which has ended.
func (q *queue) release(i int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	for _, l := range q.tasks[i].Locks {
		delete(q.held, l)
	}
	if len(q.tasks[i].Locks) > 0 || q.running == 0 {
		q.free.Broadcast()
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
