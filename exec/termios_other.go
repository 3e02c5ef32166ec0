//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package exec

import "errors"

// echoing is not implemented here: Windows runs no process under a tty,
// and other systems name the ioctl otherwise.
func echoing(fd uintptr) (bool, error) { return false, errors.ErrUnsupported }

// canonical is not implemented here either.
func canonical(fd uintptr) (bool, error) { return false, errors.ErrUnsupported }
