//go:build !unix

package exec

import (
	"io"
	"os"
)

// readNow would read what f holds now, without waiting; elsewhere than on
// Unix the output ends at the cut-off, as Close would end it.
func readNow(f *os.File, b []byte) (int, error) { return 0, io.EOF }
