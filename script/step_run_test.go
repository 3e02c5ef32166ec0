package script

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// A run step without stdin: reads /dev/null, at once at its end, in each
// step of each job, though the jobs run at once and share the one kept
// open: none closes it for the others.
func TestRunStdinDevNull(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/fd/0")
	}
	src := "steps:\n" + strings.Repeat(`  - run: {cmd: [sh, -c, 'cat; readlink /proc/self/fd/0'], stdout: {equals: "/dev/null\n"}}
`, 3)
	s, err := Parse(filepath.Join(t.TempDir(), "t.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := (Job{Script: s}).Run(context.Background(), &Options{Env: []string{"PATH=/usr/bin:/bin"}}); r.Status != Passed {
				t.Errorf("%s: %v\n%s", r.Status, r.Err, r.Received)
			}
		}()
	}
	wg.Wait()
}
