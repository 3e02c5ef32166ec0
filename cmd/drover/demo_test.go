package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoNeedsKnown: every program the Makefile's NEEDS lists for make
// demo is one scripts/need.sh knows how to install. With a stub of each on
// PATH (nothing to install), need.sh must accept them all: an unknown one
// makes it exit 2, and make demo with it.
func TestDemoNeedsKnown(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^NEEDS := (.+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no NEEDS := line in the Makefile")
	}
	needs := strings.Fields(string(m[1]))
	bin := t.TempDir()
	for _, p := range append([]string{"go"}, needs...) {
		if err := os.WriteFile(filepath.Join(bin, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := osexec.Command("/bin/sh", append([]string{"../../scripts/need.sh"}, needs...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("need.sh %s: %v\n%s", strings.Join(needs, " "), err, out)
	}
}
