//go:build unix

package exec

import (
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeProgram writes an executable shell script named name into dir
// that prints line.
func writeProgram(t *testing.T, dir, name, line string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\necho "+line+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// withPath returns this program's environment with PATH set to path.
func withPath(path string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
	return append(env, "PATH="+path)
}

// The program is looked up in the PATH of the process's environment, as a
// shell would, not in this program's.
func TestStartLooksUpTheChildsPath(t *testing.T) { // Not parallel: it sets PATH.
	ctx := testContext(t, 10*time.Second)
	childs, ours := t.TempDir(), t.TempDir()
	writeProgram(t, childs, "drover-only-child", "childs")
	writeProgram(t, ours, "drover-only-ours", "ours")
	t.Setenv("PATH", ours+string(filepath.ListSeparator)+os.Getenv("PATH"))

	p := mustStart(t, ctx, &Cmd{Args: []string{"drover-only-child"}, Env: withPath(childs + ":/usr/bin:/bin")})
	expect(t, ctx, p, Stdout, text("childs\n"))
	if st, err := p.Wait(ctx); err != nil {
		t.Fatalf("drover-only-child: %v, %v", st, err)
	}

	// A program in this program's PATH but not in the child's is not
	// found, and the error names the child's PATH.
	_, err := Start(ctx, &Cmd{Args: []string{"drover-only-ours"}, Env: withPath("/usr/bin:/bin")})
	if !errors.Is(err, osexec.ErrNotFound) || !strings.Contains(err.Error(), "/usr/bin:/bin") {
		t.Errorf("Start(drover-only-ours): %v, want not found in /usr/bin:/bin", err)
	}
	// Without PATH in Env, or without Env, this program's PATH serves.
	for _, env := range [][]string{nil, {"HOME=/"}} {
		p := mustStart(t, ctx, &Cmd{Args: []string{"drover-only-ours"}, Env: env})
		expect(t, ctx, p, Stdout, text("ours\n"))
	}

	// A relative directory is refused as os/exec refuses it (ErrDot).
	rel, err := filepath.Rel(mustGetwd(t), childs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, &Cmd{Args: []string{"drover-only-child"}, Env: withPath(rel)}); !errors.Is(err, osexec.ErrDot) {
		t.Errorf("Start with PATH %s: %v, want ErrDot", rel, err)
	}
	// A file that is not executable is passed over for the next one.
	first := t.TempDir()
	if err := os.WriteFile(filepath.Join(first, "drover-only-child"), []byte("#!/bin/sh\necho first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if lp, err := LookPath("drover-only-child", withPath(first+":"+childs)); err != nil || lp != filepath.Join(childs, "drover-only-child") {
		t.Errorf("LookPath past a file not executable: %q, %v", lp, err)
	}
	// A directory of that name is not a program.
	if _, err := LookPath(filepath.Base(childs), withPath(filepath.Dir(childs))); err == nil {
		t.Errorf("LookPath found a directory")
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
