//go:build !linux

package exec

import (
	"context"
	"errors"
	"syscall"
)

// BecomeSubreaper makes this program a child subreaper on Linux; see
// there. Here it returns an error that wraps errors.ErrUnsupported:
// process trees are ended by process group only.
func BecomeSubreaper() error {
	return &Error{Op: "subreaper", Err: errors.ErrUnsupported}
}

func killStrays() {}

func sweepOrphans() {}

// KillDescendants kills the descendants of this program on Linux; here it
// does nothing, and process groups are how trees end.
func KillDescendants() {}

// tree is empty here: a process's tree is its process group.
type tree struct{}

func (p *Process) findTree(t *tree) *tree {
	if t == nil {
		t = &tree{}
	}
	return t
}

func (t *tree) len() int              { return 0 }
func (t *tree) signal(syscall.Signal) {}
func (t *tree) wait(context.Context)  {}
func (t *tree) reap()                 {}
func (t *tree) close()                {}
