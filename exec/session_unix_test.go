//go:build unix

package exec

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func init() {
	helpers["pipe-child"] = helperPipeChild
	helpers["read-tty"] = helperReadTTY
}

// helperPipeChild HELPER starts HELPER on pipes with this package, waits
// up to 3 seconds for it to exit and prints "child said: ..." with its
// output, then its status or "child hung".
func helperPipeChild(args ...string) {
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	p, err := Start(context.Background(), &Cmd{Args: []string{exe}, Env: helperEnviron(args[0])})
	if err != nil {
		fail(err)
	}
	st, err := p.Wait(ctx)
	if ctx.Err() != nil {
		fmt.Println("child hung")
		_ = p.Terminate(context.Background(), 0)
		return
	}
	out, _ := p.Unconsumed(Stdout)
	fmt.Printf("child said: %s", out)
	fmt.Printf("child ended: %v\n", st)
}

// helperReadTTY opens /dev/tty, the controlling terminal, and reads a
// line from it; it prints what failed, if anything, and "session leader"
// when it leads a session of its own.
func helperReadTTY(...string) {
	if sid, _ := unix.Getsid(0); sid == os.Getpid() {
		fmt.Print("session leader; ")
	}
	f, err := os.Open("/dev/tty")
	if err != nil {
		fmt.Printf("%v\n", err)
		os.Exit(3)
	}
	b := make([]byte, 100)
	n, err := f.Read(b)
	fmt.Printf("read %q, %v\n", b[:n], err)
}

// A process on pipes has no controlling terminal, even when this program
// has one: opening /dev/tty fails at once, where it used to succeed and
// the first read stopped the process with SIGTTIN, for good.
func TestPipesHaveNoTerminal(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Second)
	// Under a tty, the helper has a controlling terminal to pass on.
	c := helperCmd(t, "pipe-child", "read-tty")
	c.TTY = true
	helperUsed.Store("read-tty", true)
	p := mustStart(t, ctx, c)
	st, err := p.Wait(ctx)
	out, _ := p.Unconsumed(Stdout)
	if err != nil || st.Code != 0 {
		t.Fatalf("pipe-child: %v, %v\n%s", st, err, out)
	}
	want := "child said: session leader; open /dev/tty: no such device or address\nchild ended: exit 3\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
