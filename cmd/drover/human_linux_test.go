package main

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAskInterruptedRestoresEcho: Ctrl-C at a secret ask stops the run
// and leaves the terminal echoing again. Linux: it reads the modes of
// the pty's far end through its master.
func TestAskInterruptedRestoresEcho(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "h.yaml", humanScript)
	o := startAsker(t, dir, 100, "run", path)
	o.waitFor(`Vault password: `)
	tio, err := unix.IoctlGetTermios(int(o.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO != 0 {
		t.Errorf("echo is on at a secret prompt")
	}
	o.typ("hunt\x03")
	code, out := o.end()
	if code != 130 || !strings.Contains(out, "interrupted") {
		t.Errorf("exit %d, want 130 and the job interrupted:\n%q", code, out)
	}
	if tio, err = unix.IoctlGetTermios(int(o.tty.Fd()), unix.TCGETS); err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO == 0 {
		t.Errorf("echo is still off after drover stopped at a secret prompt")
	}
}
