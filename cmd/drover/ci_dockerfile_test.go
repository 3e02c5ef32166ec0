package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// dockerInstructions are the instructions a Dockerfile may hold.
var dockerInstructions = map[string]bool{
	"FROM": true, "RUN": true, "COPY": true, "ADD": true, "WORKDIR": true, "ENV": true, "ARG": true,
	"ENTRYPOINT": true, "CMD": true, "LABEL": true, "USER": true, "VOLUME": true, "EXPOSE": true,
	"SHELL": true, "STOPSIGNAL": true, "HEALTHCHECK": true, "ONBUILD": true,
}

// TestCIDockerfile checks examples/ci/Dockerfile line by line: known
// instructions, a Go stage that builds ./cmd/drover with a Go at least as
// new as go.mod's, a runtime stage that copies drover from it, and apt
// packages that exist (apt-cache; skipped without it, except under CI).
func TestCIDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(ciDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	type instr struct {
		line     int
		op, args string
	}
	var ins []instr
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		start, text := i+1, strings.TrimSpace(lines[i])
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, "\\") + " " + strings.TrimSpace(lines[i])
		}
		op, args, _ := strings.Cut(text, " ")
		if !dockerInstructions[op] {
			t.Errorf("Dockerfile:%d: %q is not a Dockerfile instruction", start, op)
		}
		ins = append(ins, instr{start, op, strings.TrimSpace(args)})
	}
	var stages []string // "image AS name"
	var build, runtimeStage, apt string
	for _, in := range ins {
		switch {
		case in.op == "FROM":
			stages = append(stages, in.args)
		case in.op == "RUN" && strings.Contains(in.args, "go build") && strings.Contains(in.args, "./cmd/drover"):
			build = stages[len(stages)-1]
		case in.op == "COPY" && strings.HasPrefix(in.args, "--from="):
			runtimeStage = strings.TrimPrefix(strings.Fields(in.args)[0], "--from=")
		case in.op == "RUN" && strings.Contains(in.args, "apt-get install"):
			apt = in.args
		}
	}
	if len(ins) == 0 || ins[0].op != "FROM" || len(stages) < 2 {
		t.Fatalf("want a multi-stage Dockerfile starting with FROM, have stages %q", stages)
	}
	image, name, _ := strings.Cut(build, " AS ")
	if build == "" || !strings.HasPrefix(image, "golang:") {
		t.Fatalf("no golang stage runs go build ./cmd/drover (stages %q)", stages)
	}
	if runtimeStage != name {
		t.Errorf("the runtime copies from stage %q, want the build stage %q", runtimeStage, name)
	}
	// golang:1.26-bookworm builds a go.mod of go 1.26.x.
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go 1\.(\d+)`).FindSubmatch(mod)
	have := regexp.MustCompile(`^golang:1\.(\d+)`).FindStringSubmatch(image)
	if want == nil || have == nil {
		t.Fatalf("no Go version in go.mod or in the build stage %s", image)
	}
	if w, _ := strconv.Atoi(string(want[1])); func() int { h, _ := strconv.Atoi(have[1]); return h }() < w {
		t.Errorf("the build stage is %s, go.mod wants go 1.%s", image, want[1])
	}
	// The packages of apt-get install, up to the end of that command.
	var pkgs []string
	if _, after, ok := strings.Cut(apt, "apt-get install"); ok {
		for _, w := range strings.Fields(after) {
			if w == "&&" || w == ";" {
				break
			}
			if !strings.HasPrefix(w, "-") {
				pkgs = append(pkgs, w)
			}
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("the runtime installs no packages with apt-get install")
	}
	need(t, "apt-cache")
	for _, p := range pkgs {
		if out, err := osexec.Command("apt-cache", "show", "--no-all-versions", p).CombinedOutput(); err != nil {
			t.Errorf("Dockerfile: apt package %q: apt-cache show: %v\n%s", p, err, out)
		}
	}
}
