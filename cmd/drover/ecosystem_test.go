package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/drover-dev/drover/script"
)

// runCLI calls run with stdin and returns the exit code and output.
func runCLI(stdin string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI("", "schema")
	if code != exitOK || errs != "" {
		t.Fatalf("drover schema: exit %d\n%s", code, errs)
	}
	if out != string(script.Schema()) {
		t.Error("drover schema does not print script.Schema()")
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", s["$schema"])
	}
	if code, _, _ := runCLI("", "schema", "extra"); code != exitUsage {
		t.Errorf("drover schema extra: exit %d, want %d", code, exitUsage)
	}
	if code, out, _ := runCLI("", "help", "schema"); code != exitOK || !strings.Contains(out, "yaml-language-server: $schema=") {
		t.Errorf("drover help schema: exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version"} {
		code, out, _ := runCLI("", arg)
		if code != exitOK || !regexp.MustCompile(`^drover \S+\n$`).MatchString(out) {
			t.Errorf("drover %s: exit %d, %q; want drover and a version", arg, code, out)
		}
	}
}

func TestCheckWarnings(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "w.yaml")
	src := "steps:\n  - run: {cmd: [date], capture: today}\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("", "check", f)
	want := f + `:2:5: warning: run: "today" is captured but no step after this one uses ${today}` + "\n"
	if code != exitOK || errs != want || out != "ok  "+f+"\n" {
		t.Errorf("drover check: exit %d\nstdout: %q\nstderr: %q\nwant exit 0, stderr %q", code, out, errs, want)
	}
}

func TestCheckStdin(t *testing.T) {
	t.Parallel()
	if code, out, errs := runCLI("steps:\n  - log: from stdin\n", "run", "-"); code != exitOK || !strings.Contains(out, "PASS  <stdin>") || !strings.Contains(out, "from stdin") {
		t.Errorf("run -: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI("steps:\n  - log: hi\n", "check", "-"); code != exitOK || out != "ok  <stdin>\n" {
		t.Errorf("drover check - : exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI("steps:\n  - lgo: hi\n", "check", "-"); code != exitUsage || !strings.HasPrefix(errs, `<stdin>:2:5: unknown step "lgo"`) {
		t.Errorf("drover check - (bad): exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI("steps: [{log: hi}]\n", "check", "-", "-"); code != exitUsage || !strings.Contains(errs, "given twice") {
		t.Errorf("drover check - -: exit %d\n%s", code, errs)
	}
}

// TestRunStdin runs a script piped into the built binary; its processes
// start in the current directory.
func TestRunStdin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "here.txt"), []byte("found\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, drover, "run", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("name: piped\nsteps:\n  - run: {cmd: [cat, here.txt], stdout: found}\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 passed, 0 failed") {
		t.Errorf("drover run - : %v\n%s", err, out)
	}
}

func TestCompletionCommand(t *testing.T) {
	t.Parallel()
	for sh, want := range completions {
		if code, out, errs := runCLI("", "completion", sh); code != exitOK || out != want {
			t.Errorf("drover completion %s: exit %d\n%s", sh, code, errs)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if code, _, _ := runCLI("", args...); code != exitUsage {
			t.Errorf("drover %s: exit %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
}

// TestCompletionNames checks that each completion script names every
// command of the usage and every flag of drover run, check, record and
// report merge.
func TestCompletionNames(t *testing.T) {
	t.Parallel()
	var names []string
	for _, cmd := range [][]string{{"run"}, {"check"}, {"record"}, {"report", "merge"}} {
		_, help, _ := runCLI("", append(cmd, "--help")...)
		names = append(names, regexp.MustCompile(`(?m)^\s+(?:-(\w), )?--([\w-]+)`).FindAllString(help, -1)...)
	}
	commands := regexp.MustCompile(`(?m)^  drover (\w+)`).FindAllStringSubmatch(usage, -1)
	if len(names) < 10 || len(commands) < 5 {
		t.Fatalf("found only flags %q and commands %q", names, commands)
	}
	for sh, src := range completions {
		for _, f := range names {
			short, long, _ := strings.Cut(strings.TrimSpace(f), ", ")
			if long == "" {
				long, short = short, ""
			}
			long = strings.TrimPrefix(long, "--")
			if !strings.Contains(src, "--"+long) && !strings.Contains(src, "-l "+long) {
				t.Errorf("the %s completion misses --%s", sh, long)
			}
			if s := strings.TrimPrefix(short, "-"); s != "" && !strings.Contains(src, "-"+s) && !strings.Contains(src, "-s "+s) {
				t.Errorf("the %s completion misses -%s", sh, s)
			}
		}
		for _, c := range commands {
			if !strings.Contains(src, c[1]) {
				t.Errorf("the %s completion misses the command %s", sh, c[1])
			}
		}
	}
}

// completionDir is a directory of files for the completions to offer.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yml", "c.txt", "sub/d.yaml"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shell runs a shell's script in dir with a deadline and returns its
// output.
func shell(t *testing.T, dir string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

func TestCompletionBash(t *testing.T) {
	t.Parallel()
	need(t, "bash")
	dir := completionDir(t)
	script := filepath.Join(dir, "drover.bash")
	if err := os.WriteFile(script, []byte(bashCompletion), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{ // the words typed, the last being completed -> the candidates
		"drover ":                          "--help --version check completion help record report run schema version",
		"drover record --o":                "--output",
		"drover record -o ":                "a.yaml b.yml c.txt drover.bash sub",
		"drover ru":                        "run",
		"drover run --f":                   "--fail-fast",
		"drover run -j 4 --ti":             "--timeout",
		"drover run --report ":             "json= junit=",
		"drover run ":                      "a.yaml b.yml sub",
		"drover run a.yaml s":              "sub",
		"drover check ":                    "a.yaml b.yml sub",
		"drover completion ":               "bash fish zsh",
		"drover completion z":              "zsh",
		"drover run --jobs ":               "",
		"drover report ":                   "--help -h merge",
		"drover report merge --j":          "--junit",
		"drover report merge -o all.json ": "sub",
		"drover run --rer":                 "--rerun-failed",
	}
	for typed, want := range tests {
		words := strings.Fields(typed)
		if strings.HasSuffix(typed, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := `source ` + script + `
COMP_WORDS=(` + strings.Join(quoted, " ") + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_drover 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '`
		got := strings.TrimSpace(shell(t, dir, "bash", "--norc", "-c", prog))
		if got != want {
			t.Errorf("bash: %q completes to %q, want %q", typed, got, want)
		}
	}
}

func TestCompletionZsh(t *testing.T) {
	t.Parallel()
	need(t, "zsh")
	dir := completionDir(t)
	script := filepath.Join(dir, "_drover")
	if err := os.WriteFile(script, []byte(zshCompletion), 0o644); err != nil {
		t.Fatal(err)
	}
	shell(t, dir, "zsh", "-n", script)
	got := shell(t, dir, "zsh", "-f", "-c", "autoload -U compinit && compinit -u -D && source "+script+" && print -r -- $_comps[drover]")
	if strings.TrimSpace(got) != "_drover" {
		t.Errorf("zsh: drover completes with %q, want _drover", got)
	}
}

func TestCompletionFish(t *testing.T) {
	t.Parallel()
	need(t, "fish")
	dir := completionDir(t)
	script := filepath.Join(dir, "drover.fish")
	if err := os.WriteFile(script, []byte(fishCompletion), 0o644); err != nil {
		t.Fatal(err)
	}
	shell(t, dir, "fish", "--no-execute", script)
	tests := map[string][]string{ // the command line -> candidates that must be among those offered
		"drover ru":                {"run\trun scripts"},
		"drover reco":              {"record\trun a program on this terminal and write the script that replays the session"},
		"drover run --fa":          {"--fail-fast\tat the first failure, stop the rest"},
		"drover run ":              {"a.yaml", "b.yml", "sub/"},
		"drover completion ":       {"bash", "zsh", "fish"},
		"drover run --report ":     {"json=", "junit="},
		"drover report ":           {"merge\tjoin the JSON reports of shards into one"},
		"drover report merge --ju": {"--junit\talso write it as JUnit XML to FILE"},
		"drover run --rer":         {"--rerun-failed\trun only the jobs that did not pass in REPORT"},
	}
	for line, want := range tests {
		got := shell(t, dir, "fish", "--no-config", "-c", "source "+script+"; complete -C '"+line+"'")
		for _, w := range want {
			if !strings.Contains("\n"+got, "\n"+w) {
				t.Errorf("fish: %q offers\n%s\nwithout %q", line, got, w)
			}
		}
		if strings.Contains(got, "c.txt") {
			t.Errorf("fish: %q offers c.txt, not a script", line)
		}
	}
}

// TestCheckMissingProgram: check refuses what run refuses before starting
// anything, a program not installed, naming the step and the program.
func TestCheckMissingProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeScript(t, dir, "missing.yaml", "steps:\n  - run: [echo, hi]\n  - spawn: [no-such-program-drover]\n  - expect: hi\n")
	ok := writeScript(t, dir, "ok.yaml", "steps:\n  - run: [echo, hi]\n")
	want := f + `:3:5: spawn: program "no-such-program-drover" is not installed`
	for _, cmd := range []string{"check", "run"} {
		code, out, errs := runCLI("", cmd, ok, f)
		if code != exitUsage || !strings.Contains(errs, want) {
			t.Errorf("drover %s: exit %d, want 2 and %q\nstdout: %s\nstderr: %s", cmd, code, want, out, errs)
		}
		if cmd == "check" && (strings.Contains(out, "ok  "+f) || !strings.Contains(out, "ok  "+ok)) {
			t.Errorf("drover check: stdout %q", out)
		}
	}
}
