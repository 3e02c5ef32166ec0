package script

import "testing"

// On Linux free_port hands out ports outside the ephemeral range, which no
// other process's outgoing connection can take before the job's server
// binds the port (the race that had nslookup reach a foreign listener).
func TestFreePortOutsideEphemeralRange(t *testing.T) {
	t.Parallel()
	lo, hi, ok := ephemeralPorts()
	if !ok {
		t.Fatal("cannot read net.ipv4.ip_local_port_range")
	}
	if lo <= 1024 && hi >= 65535 {
		t.Skipf("the ephemeral range %d-%d spans every unprivileged port", lo, hi)
	}
	for range 50 {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if p >= lo && p <= hi {
			t.Fatalf("free_port gave %d, inside the ephemeral range %d-%d", p, lo, hi)
		}
	}
}
