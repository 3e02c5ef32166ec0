//go:build !linux

package script

// ephemeralPorts reports the ephemeral range unknown: elsewhere than Linux
// it is not read (the BSDs and macOS keep it in sysctls), and free_port
// takes a port the kernel offers, from inside it.
func ephemeralPorts() (lo, hi int, ok bool) { return 0, 0, false }
