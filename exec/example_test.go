package exec_test

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/drover-dev/drover/exec"
)

// Start a program on pipes, talk to it, and wait for it: the
// Popen(...).communicate() of the process notes, step by step.
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := exec.Start(ctx, &exec.Cmd{Args: []string{"sh", "-c", `read name; echo "hello $name"; echo done >&2`}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Send(ctx, []byte("world\n")); err != nil {
		fmt.Println(err)
		return
	}
	status, err := p.Wait(ctx)
	out, _ := p.Unconsumed(exec.Stdout)
	errs, _ := p.Unconsumed(exec.Stderr)
	fmt.Printf("%s, err %v\nstdout %q\nstderr %q\n", status, err, out, errs)
	// Output:
	// exit 0, err <nil>
	// stdout "hello world\n"
	// stderr "done\n"
}

// Drive a program under a pseudo-terminal: wait for its prompt, answer,
// and capture a regular expression's group from the reply. Matching sees
// "\r\n" folded to "\n".
func ExampleProcess_Expect() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := exec.Start(ctx, &exec.Cmd{
		Args: []string{"sh", "-c", `stty -echo; printf "name? "; read n; echo "id of $n: 42"`},
		TTY:  true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Terminate(context.Background(), time.Second)
	if _, err := p.Expect(ctx, exec.Stdout, exec.Pattern{Text: "name? "}); err != nil {
		fmt.Println(err)
		return
	}
	_ = p.Send(ctx, []byte("ann\r")) // Enter, as a keyboard sends it.
	m, err := p.Expect(ctx, exec.Stdout,
		exec.Pattern{Regexp: regexp.MustCompile(`id of \w+: (\d+)\n`)},
		exec.Pattern{EOF: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("pattern %d matched %q, group %q\n", m.Index, m.Text, m.Groups[1])
	// Output:
	// pattern 0 matched "id of ann: 42\n", group "42"
}

// A Pool runs tasks on a bounded number of workers; tasks that share a
// lock never run at once.
func ExamplePool() {
	var done atomic.Int32
	tasks := make([]exec.Task, 10)
	for i := range tasks {
		tasks[i] = exec.Task{
			Locks: []string{fmt.Sprint("port-", 8000+i%2)},
			Run:   func(ctx context.Context) { done.Add(1) },
		}
	}
	started := exec.Pool{Workers: 4}.Run(context.Background(), tasks)
	fmt.Println(len(started), done.Load())
	// Output:
	// 10 10
}
