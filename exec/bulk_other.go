//go:build !linux

package exec

import (
	"io"
	"os"
	"sync/atomic"
)

// bulkPipe is a pipe read in bulk, on Linux (bulk_linux.go). Elsewhere
// the reader reads every pipe on the runtime's poller.
type bulkPipe struct{}

const bulkChunk = 1 << 20

func openBulk(*os.File) *bulkPipe { return nil }

func (*bulkPipe) next([]byte, *atomic.Bool, *int) (int, error) { return 0, io.EOF }
func (*bulkPipe) poke(bool)                                    {}
func (*bulkPipe) release()                                     {}
