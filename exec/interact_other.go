//go:build !unix

package exec

import (
	"context"
	"os"
)

// Interact needs a terminal, which processes do not get here (see
// start_other.go).
func (p *Process) Interact(context.Context, *os.File, *os.File, InteractOptions) (InteractEnd, *Match, error) {
	return 0, nil, &Error{Op: "interact", Name: p.name(), Err: errInteractNoTTY}
}
