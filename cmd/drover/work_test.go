package main

import (
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// workDirs returns the paths the jobs logged after "work=".
func workDirs(t *testing.T, out string) []string {
	t.Helper()
	var dirs []string
	for _, m := range regexp.MustCompile(`work=(\S+)`).FindAllStringSubmatch(out, -1) {
		dirs = append(dirs, m[1])
	}
	if len(dirs) == 0 {
		t.Fatalf("no work= line in the output:\n%s", out)
	}
	return dirs
}

// workScript writes files: before the steps (a template among them),
// which a program reads; sqlite3 makes a database in ${work}, which
// assert file finds; a process still writes in ${work} when the job
// ends, and as it is terminated (a server saving its state on TERM, which
// would make ${work} again), and a directory there is read-only
// (which only a user other than root notices): ${work} is removed all the
// same, after the process is ended.
const workScript = `name: work
vars:
  who: world
  saver: |
    import os, signal, sys, time
    def save(*_):
        os.makedirs(sys.argv[1] + "/late", exist_ok=True)
        open(sys.argv[1] + "/late/state", "w").write("saved")
        sys.exit(0)
    signal.signal(signal.SIGTERM, save)
    signal.signal(signal.SIGHUP, save)
    print("ready", flush=True)
    while True:
        open(sys.argv[1] + "/busy", "w").write("x")
        time.sleep(0.01)
files:
  conf/app.ini: |
    greeting = hello ${who}
  empty.txt:
  data/rows.sql: "create table t(x); insert into t values(42);"
steps:
  - run: {cmd: [cat, "${work}/conf/app.ini"], stdout: {equals: "greeting = hello world"}}
  - assert: {file: "${work}/empty.txt", empty: true}
  - run: {shell: "sqlite3 db.sqlite < data/rows.sql", dir: "${work}"}
  - assert: {file: "${work}/db.sqlite", exists: true}
  - assert: {file: "${work}/nothing.txt", exists: false}
  - run: {cmd: [sqlite3, "${work}/db.sqlite", "select x from t"], stdout: "42"}
  - run: {shell: "mkdir ro && echo x > ro/f && chmod 500 ro", dir: "${work}"}
  - spawn:
      name: writer
      cmd: [python3, -c, "${saver}", "${work}"]
  - expect: ready
  - log: work=${work}
`

// TestWorkRemoved: files: are written before the steps and readable by
// the programs; ${work} is gone after the job, even with a process
// still writing there and a read-only directory in it.
func TestWorkRemoved(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3", "python3")
	dir := t.TempDir()
	path := writeScript(t, dir, "work.yaml", workScript)
	code, stdout, stderr := droverRun(t, dir, "run", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, w := range workDirs(t, stdout) {
		if _, err := os.Lstat(w); !os.IsNotExist(err) {
			t.Errorf("%s is left after the run: %v", w, err)
		}
	}
	if strings.Contains(stdout, "kept") {
		t.Errorf("a work directory is said to be kept without --keep-work:\n%s", stdout)
	}
}

// TestKeepWork: --keep-work keeps ${work}, prints its path with the
// job's result and puts it in the JSON report.
func TestKeepWork(t *testing.T) {
	t.Parallel()
	need(t, "sqlite3", "python3")
	dir := t.TempDir()
	path := writeScript(t, dir, "work.yaml", workScript)
	code, stdout, stderr := droverRun(t, dir, "run", "--keep-work", "--report", "json=r.json", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	w := workDirs(t, stdout)[0]
	t.Cleanup(func() {
		_ = os.Chmod(filepath.Join(w, "ro"), 0o700)
		_ = os.RemoveAll(w)
	})
	if !strings.Contains(stdout, "work directory kept: "+w+"\n") {
		t.Errorf("the kept directory is not printed with the result:\n%s", stdout)
	}
	if fi, err := os.Stat(w); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v, %v; want it kept, its owner's only", w, fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(w, "conf", "app.ini")); err != nil || string(b) != "greeting = hello world\n" {
		t.Errorf("conf/app.ini: %q, %v", b, err)
	}
	// db.sqlite from a step; late/state from the process, terminated
	// before the directory was handed over.
	for _, f := range []string{"db.sqlite", "late/state"} {
		if _, err := os.Stat(filepath.Join(w, f)); err != nil {
			t.Error(err)
		}
	}
	var rep struct {
		Jobs []struct {
			Work string `json:"work"`
		} `json:"jobs"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Jobs) != 1 || rep.Jobs[0].Work != w {
		t.Errorf("the JSON report does not name %s: %v\n%s", w, err, b)
	}
}

// TestWorkPerJob: each job of a matrix has its own ${work}, and setup:
// its own too, which lives until the last job; all are removed.
func TestWorkPerJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "jobs.yaml", `name: jobs
matrix: {n: [1, 2, 3]}
files:
  n.txt: "${n}"
setup:
  - run: {shell: "echo setup > s.txt", dir: "${work}"}
  - run: {cmd: [cat, "${work}/s.txt"], stdout: setup}
  - log: work=${work}
steps:
  - assert: {file: "${work}/n.txt", equals: "${n}"}
  - assert: {file: "${work}/s.txt", exists: false}
  - log: work=${work}
`)
	code, stdout, stderr := droverRun(t, dir, "run", "-j", "3", "-v", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	workDirsGone(t, stdout, stderr, 3)
}

// TestFilesBadPaths: a path of files: that is absolute or has .., or two
// that are the same file, are errors of drover check at their place.
func TestFilesBadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "bad.yaml", `files:
  /etc/passwd: x
  ../escape.txt: x
  a/../../b: x
  ok.txt: x
  ./ok.txt: y
  ok.txt/inner: z
  "${name}.txt": x
steps:
  - log: hi
`)
	code, stdout, stderr := droverRun(t, dir, "check", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, stdout, stderr)
	}
	want := `bad.yaml:2:3: files: "/etc/passwd": an absolute path; want one relative to ${work}
bad.yaml:3:3: files: "../escape.txt": has .., which may leave ${work}; want a path inside it, without ..
bad.yaml:4:3: files: "a/../../b": has .., which may leave ${work}; want a path inside it, without ..
bad.yaml:6:3: files: "./ok.txt" is the same file as line 5's
bad.yaml:7:3: files: "ok.txt/inner" is inside "ok.txt" (line 5), which is a file
bad.yaml:8:3: files: "${name}.txt": a path of files: is literal text, without variables (its content may use them)
`
	if got := strings.ReplaceAll(stderr, path, "bad.yaml"); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
}

// TestAssertFile: assert file checks the content of a file with the
// output checks, a relative path being relative to the script's
// directory, and says what is wrong.
func TestAssertFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "here.txt"), []byte("alpha\nbeta\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, dir, "file.yaml", `name: file
steps:
  - assert: {file: here.txt, contains: beta, lines: 2}
  - assert: {file: here.txt, exists: true}
  - if: {file: here.txt, contains: gamma}
    then: [{fail: "gamma is not there"}]
  - assert: {file: here.txt, not_contains: alpha}
`)
	code, stdout, stderr := droverRun(t, dir, "run", path)
	if code != 1 || !strings.Contains(stdout, `file.yaml:7:5: assert: file here.txt contains "alpha", which it must not`) {
		t.Errorf("exit %d, want 1 at line 7\n%s%s", code, stdout, stderr)
	}
	path = writeScript(t, dir, "missing.yaml", `steps:
  - assert: {file: nothing.txt, contains: x}
`)
	code, stdout, stderr = droverRun(t, dir, "run", path)
	if code != 1 || !strings.Contains(stdout, "missing.yaml:2:5: assert: file nothing.txt does not exist") {
		t.Errorf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
}

// TestWorkRemovedOnInterrupt: Ctrl-C in the middle of a step ends the
// job's processes, then removes its ${work} and setup's, before drover
// exits; a second Ctrl-C, which kills every process and exits at once,
// removes them too.
func TestWorkRemovedOnInterrupt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	for _, twice := range []bool{false, true} {
		t.Run(fmt.Sprintf("twice=%v", twice), func(t *testing.T) {
			t.Parallel()
			marker := uniqueSleep()
			dir := t.TempDir()
			// With twice, finally: is still sleeping when the second
			// interrupt comes: the job cannot remove its ${work} itself
			// before drover exits.
			finally := ""
			if twice {
				finally = "finally:\n  - sleep: 1m\n"
			}
			path := writeScript(t, dir, "int.yaml", fmt.Sprintf(`name: interrupted
files:
  state.txt: running
setup:
  - log: work=${work}
steps:
  - log: work=${work}
  - spawn: {name: a, cmd: [sh, -c, "sleep %s & echo started; wait"], tty: false, dir: "${work}"}
  - expect: started
  - expect: {text: never, timeout: 1m}
`, marker)+finally)
			cmd, out := startDrover(t, dir, "run", "-v", path)
			awaitProcesses(t, cmd, out, "sleep\x00"+marker, 1)
			_ = cmd.Process.Signal(os.Interrupt)
			if twice {
				time.Sleep(300 * time.Millisecond)
				_ = cmd.Process.Signal(os.Interrupt)
			}
			awaitExit(t, cmd, out)
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, out.String())
			}
			waitNoneLeft(t, "sleep\x00"+marker, out.String())
			if killed := strings.Contains(out.String(), "drover: killed"); killed != twice {
				t.Errorf("killed at once: %v, want %v\n%s", killed, twice, out)
			}
			dirs := workDirs(t, out.String()) // Live (-v), then in the block.
			slices.Sort(dirs)
			if dirs = slices.Compact(dirs); len(dirs) != 2 {
				t.Errorf("want the job's and setup's ${work} in the output, got %q", dirs)
			}
			for _, w := range dirs {
				if _, err := os.Lstat(w); !os.IsNotExist(err) {
					t.Errorf("%s is left after the interrupt: %v", w, err)
				}
			}
		})
	}
}

// TestWorkWhenUsed: without files:, a job's ${work} is made when a step
// first uses it, late in the job: empty, its owner's only, the job's own
// (not its setup's, whose variables it otherwise sees), and removed after
// the job like any other.
func TestWorkWhenUsed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeScript(t, dir, "late.yaml", `name: late
matrix: {n: [1, 2]}
setup:
  - run: {shell: "echo setup > s.txt", dir: "${work}"}
  - log: work=${work}
steps:
  - run: {cmd: ["true"]}
  - run: {cmd: [stat, -c, "%a", "${work}"], stdout: "700"}
  - run: {cmd: [ls, -A, "${work}"], stdout: {equals: ""}}
  - log: work=${work}
`)
	code, stdout, stderr := droverRun(t, dir, "run", "-j", "2", "-v", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	workDirsGone(t, stdout, stderr, 2)
}

// TestWorkUnmakable: where no directory can be made, a job that uses
// ${work} fails with the reason when it first does, and one that never
// does runs.
func TestWorkUnmakable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	uses := writeScript(t, dir, "uses.yaml", `name: uses
steps:
  - run: {cmd: ["true"]}
  - log: work=${work}
`)
	none := writeScript(t, dir, "none.yaml", `name: none
steps:
  - run: {cmd: ["true"]}
`)
	run := func(path string) (int, string) {
		cmd := osexec.Command(drover, "run", path)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(dir, "missing"))
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := run(uses); code != 1 || !strings.Contains(out, "making the work directory") || strings.Contains(out, "undefined") {
		t.Errorf("a job using ${work}: exit %d, want 1 and the reason\n%s", code, out)
	}
	if code, out := run(none); code != 0 {
		t.Errorf("a job without ${work}: exit %d, want 0\n%s", code, out)
	}
}

// workDirsGone checks the ${work} directories a -v run logged (work=DIR):
// jobs of them in the jobs' blocks on stdout and one more of setup's,
// live on stderr, all distinct, none left after the run.
func workDirsGone(t *testing.T, stdout, stderr string, jobs int) {
	t.Helper()
	js := workDirs(t, stdout)
	setup := workDirs(t, stderr)
	seen := map[string]bool{}
	for _, w := range append(js, setup...) {
		seen[w] = true
		if _, err := os.Lstat(w); !os.IsNotExist(err) {
			t.Errorf("%s is left after the run: %v", w, err)
		}
	}
	if len(js) != jobs || len(seen) != jobs+1 {
		t.Errorf("want %d jobs and a setup with a ${work} each, got jobs %q, setup %q", jobs, js, setup)
	}
}
