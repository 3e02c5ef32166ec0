package script_test

import (
	"context"
	"fmt"

	"github.com/drover-dev/drover/script"
)

// Parse a script, and run each job of its matrix from Go.
func ExampleParse() {
	src := []byte(`name: greet
matrix:
  who: [ann, bob]
steps:
  - run: {cmd: [echo, "hello ${who}"], capture: said}
  - log: ${said}
`)
	s, err := script.Parse("greet.yaml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, job := range s.Jobs(nil) {
		r := job.Run(context.Background(), &script.Options{})
		fmt.Printf("%s: %s, said %q", job.Name(), r.Status, r.Log)
		fmt.Println()
	}
	// Output:
	// greet [who=ann]: passed, said "hello ann\n"
	// greet [who=bob]: passed, said "hello bob\n"
}

// Errors name the file, line and column, and say what was wanted.
func ExampleParse_error() {
	_, err := script.Parse("bad.yaml", []byte("steps:\n  - spawn: [cat]\n  - expect: {text: x, tiemout: 1s}\n"))
	fmt.Println(err)
	// Output:
	// bad.yaml:3:23: expect: unknown key "tiemout" in expect; want one of: text, re, eof, any, stream, capture, before, timeout, idle_timeout, on, echo
}
