package exec

import (
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// MarkerVar is the environment variable that marks every process this
// package starts, and so every descendant that inherits its environment:
// it holds a comma-separated list of tokens, one per program like this
// one (drover under drover adds its own to its parent's). On Linux,
// Terminate finds the processes of a tree that escaped it, by a double
// fork or setsid, by their token. See the package documentation.
const MarkerVar = "DROVER_PROC"

var (
	// instance makes this program's tokens unlike another's, even one
	// that had the same pid before it.
	// 48 bits from math/rand/v2, which the runtime seeds with the
	// system's randomness; crypto/rand is slower to start, and a marker
	// is no secret (anyone can read it in /proc/PID/environ).
	instance = func() string {
		r := rand.Uint64()
		b := [6]byte{byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24), byte(r >> 32), byte(r >> 40)}
		return hex.EncodeToString(b[:])
	}()
	markerSeq atomic.Uint64
)

// newMarker returns a token no other process of this program gets.
func newMarker() string {
	return instance + "." + strconv.FormatUint(markerSeq.Add(1), 10)
}

// markedEnv returns a copy of the environment a process of c gets, with
// tok added to MarkerVar. A nil c.Env means this program's environment
// and, as in os/exec, PWD set to c.Dir.
func markedEnv(c *Cmd, tok string) []string {
	env := c.Env
	if env == nil {
		env = os.Environ()
		if c.Dir != "" {
			if pwd, err := filepath.Abs(c.Dir); err == nil {
				env = append(env, "PWD="+pwd)
			}
		}
	}
	out := make([]string, 0, len(env)+1)
	value := tok
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, MarkerVar+"="); ok {
			if v != "" {
				value = v + "," + tok // The last one wins, as in os/exec.
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, MarkerVar+"="+value)
}

// markedWith reports whether environ, as /proc/PID/environ holds it (NUL
// separated), has MarkerVar with a token for which match is true.
func markedWith(environ []byte, match func(tok string) bool) bool {
	for kv := range strings.SplitSeq(string(environ), "\x00") {
		v, ok := strings.CutPrefix(kv, MarkerVar+"=")
		if !ok {
			continue
		}
		for tok := range strings.SplitSeq(v, ",") {
			if match(tok) {
				return true
			}
		}
	}
	return false
}
