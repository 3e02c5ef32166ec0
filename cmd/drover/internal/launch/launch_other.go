//go:build !linux

package launch

import (
	"os"
	"os/signal"
	"syscall"
)

func init() {
	IgnoredAtStart = map[os.Signal]bool{}
	for n := 1; n < 65; n++ {
		if sig := syscall.Signal(n); signal.Ignored(sig) {
			IgnoredAtStart[sig] = true
		}
	}
}
