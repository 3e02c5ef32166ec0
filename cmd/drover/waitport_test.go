package main

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// dnsmasqOn is a dnsmasq serving nothing on listen:${port}.
func dnsmasqOn(listen string) string {
	return `[dnsmasq, --no-daemon, --conf-file=/dev/null, --no-resolv, --no-hosts,
            --listen-address=` + listen + `, --bind-interfaces, "--port=${port}"]`
}

// TestWaitPortWatchesServer: wait_port fails at once, with the server's
// exit and its last words, when the server it waits for dies before
// listening (here a real dnsmasq told to listen on an address this
// machine does not have, TEST-NET-1's 192.0.2.1), instead
// of waiting out its timeout and saying only that nothing listens. A
// process whose end a step expected is not watched.
func TestWaitPortWatchesServer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	need(t, "dnsmasq")
	t.Parallel()
	// It exits 2 at once: "Cannot assign requested address".
	dies := "  - free_port: port\n  - spawn: {name: dns, tty: false, cmd: " + dnsmasqOn("192.0.2.1") + "}\n"
	failed := "wait_port: dns failed (exit 2) before 127.0.0.1:"
	tests := []struct {
		name, steps string
		want        []string // in the output of a run that fails
		not         string
	}{
		{"dies", dies + "  - wait_port: {addr: \"127.0.0.1:${port}\", timeout: 1m}\n", []string{
			failed, " accepted a connection\n",
			"| dnsmasq: failed to create listening socket for 192.0.2.1: Cannot assign requested address\n",
		}, "nothing listening"},
		{"named with on", dies + "  - spawn: {name: other, tty: false, cmd: [sleep, \"60\"]}\n" +
			"  - wait_port: {addr: \"127.0.0.1:${port}\", on: dns, timeout: 1m}\n", []string{
			failed, " accepted a connection\n",
		}, "nothing listening"},
		{"another process watched, its last lines shown", dies +
			"  - spawn: {name: other, tty: false, shell: \"echo listening on 8080; sleep 60\"}\n" +
			"  - wait_port: {addr: \"127.0.0.1:${port}\", timeout: 300ms}\n", []string{
			"wait_port: nothing listening on 127.0.0.1:", ": connection refused\n", "| listening on 8080\n",
		}, "failed (exit 2)"},
		{"its end expected", dies + "  - wait: {exit: 2}\n" +
			"  - wait_port: {addr: \"127.0.0.1:${port}\", timeout: 300ms}\n", []string{
			"wait_port: nothing listening on 127.0.0.1:", ": connection refused\n",
		}, "failed (exit 2)"},
		{"terminated", "  - free_port: port\n  - spawn: {name: s, tty: false, cmd: [sleep, \"60\"]}\n  - terminate:\n" +
			"  - wait_port: {addr: \"127.0.0.1:${port}\", timeout: 300ms}\n", []string{
			"wait_port: nothing listening on 127.0.0.1:", ": connection refused\n",
		}, "failed (killed"},
		{"signalled", "  - free_port: port\n  - spawn: {name: s, tty: false, cmd: [sleep, \"60\"]}\n  - signal: KILL\n" +
			"  - wait_port: {addr: \"127.0.0.1:${port}\", timeout: 300ms}\n", []string{
			"wait_port: nothing listening on 127.0.0.1:", ": connection refused\n",
		}, "failed (killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeScript(t, dir, "server.yaml", "steps:\n"+tt.steps)
			code, out, errs := droverRun(t, dir, "run", filepath.Base(path))
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q", w)
				}
			}
			if strings.Contains(out, tt.not) {
				t.Errorf("the output holds %q", tt.not)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errs)
			}
		})
	}
}

// TestWaitPortPastLauncher: a launcher that starts the server in the
// background and exits 0 (as "service start" or "compose up -d" do)
// before the server listens: wait_port waits on for the port, and the
// server still ends with its job.
func TestWaitPortPastLauncher(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	need(t, "dnsmasq")
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "launcher.yaml", `steps:
  - free_port: port
  - spawn:
      name: launcher
      tty: false
      shell: (sleep 0.3; exec dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts
        --listen-address=127.0.0.1 --bind-interfaces --port=${port}) >/dev/null 2>&1 & exit 0
  - wait_port: {addr: "127.0.0.1:${port}", timeout: 1m}
  - log: port=${port}
`)
	code, out, errs := droverRun(t, dir, "run", "-v", filepath.Base(path))
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	i := strings.Index(out, "port=")
	if i < 0 {
		t.Fatalf("no port logged\n%s", out)
	}
	port, _, _ := strings.Cut(out[i:], "\n")
	waitNoneLeft(t, "--"+port+"\x00", out+errs)
}
