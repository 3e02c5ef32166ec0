//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package exec

import "os"

// ttyEchoes cannot tell here: input is taken as typed with echo off, and
// so is never recorded.
func ttyEchoes(*os.File) bool { return false }
