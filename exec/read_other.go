//go:build !unix

package exec

import "os"

// polledReader is f.Read here.
type polledReader struct{ f *os.File }

func newPolledReader(f *os.File) *polledReader { return &polledReader{f: f} }

// Read is f.Read.
func (r *polledReader) Read(b []byte) (int, error) { return r.f.Read(b) }
