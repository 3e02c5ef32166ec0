package main

// The CI examples of examples/ci are checked as far as they can be
// offline: each parses as YAML and has the structure its engine needs,
// and every drover command line it runs is checked against the --help of
// the drover built for these tests (the subcommand exists, it accepts
// every flag used). The Kubernetes shards are then run for real, as the
// Indexed Job would run them, and merged.

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const ciDir = "../../examples/ci"

// ciDocs parses every YAML document of an example, failing t on a syntax
// error.
func ciDocs(t *testing.T, name string) (nodes []*yaml.Node, values []map[string]any) {
	t.Helper()
	f, err := os.Open(filepath.Join(ciDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: document %d: %v", name, len(nodes)+1, err)
		}
		var v map[string]any
		if err := n.Decode(&v); err != nil {
			t.Fatalf("%s: document %d: %v", name, len(nodes)+1, err)
		}
		nodes, values = append(nodes, &n), append(values, v)
	}
	if len(nodes) == 0 {
		t.Fatalf("%s: no YAML document", name)
	}
	return nodes, values
}

// droverCommands finds every drover command line under n: a sequence
// whose first item is drover (a Kubernetes command), and each line of a
// string that runs drover (a shell line; "\" continues it).
func droverCommands(n *yaml.Node) [][]string {
	var out [][]string
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) > 1 && n.Content[0].Kind == yaml.ScalarNode && isDrover(n.Content[0].Value) {
			argv := []string{"drover"}
			for _, c := range n.Content[1:] {
				argv = append(argv, c.Value)
			}
			return [][]string{argv}
		}
	case yaml.ScalarNode:
		text := strings.ReplaceAll(n.Value, "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			if argv := shellDrover(line); argv != nil {
				out = append(out, argv)
			}
		}
		return out
	}
	for _, c := range n.Content {
		out = append(out, droverCommands(c)...)
	}
	return out
}

// ghExpr is a GitHub Actions expression, ${{ matrix.shard }}: one word.
var ghExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// shellSep is what ends a shell command, a word of its own or not ("cd x;").
var shellSep = regexp.MustCompile(`(&&|\|\||;|\|)`)

// shellDrover returns the words of the drover command in a shell line, up
// to the end of that command (&&, ;, |), or nil when it runs no drover: a
// drover that is not in a command's place ("install drover") is a word.
func shellDrover(line string) []string {
	line = ghExpr.ReplaceAllString(line, "$${{$1}}")
	words := strings.Fields(shellSep.ReplaceAllString(line, " $1 "))
	for i, w := range words {
		if !isDrover(w) || i+1 == len(words) {
			continue
		}
		if i > 0 && !strings.Contains(" && || ; | exec time ", " "+words[i-1]+" ") {
			continue
		}
		argv := []string{"drover"}
		for _, w := range words[i+1:] {
			if w == "&&" || w == "||" || w == ";" || w == "|" {
				break
			}
			argv = append(argv, strings.Trim(w, `"'`))
		}
		return argv
	}
	return nil
}

// isDrover reports whether the word w runs drover: drover, bin/drover,
// "$GOPATH/bin/drover", quoted or not.
func isDrover(w string) bool {
	return path.Base(strings.Trim(w, `"'`)) == "drover"
}

// TestCIFindsCommands checks the extraction the CI tests rely on: shell
// lines continued with \, quoted, chained or in a word, Kubernetes argv
// lists, and GitHub expressions with spaces.
func TestCIFindsCommands(t *testing.T) {
	doc := `
a: "go install github.com/drover-dev/drover/cmd/drover@latest && bin/drover run --shard 1/2 \\\n  -j 2 tests"
b: [sh, -c, "cd /x; drover report merge -o all.json s-*.json | tee log"]
c: {command: [/usr/local/bin/drover, check, /scripts]}
d: "install drover"
e: drover
f: |
  echo start
  exec "drover" run --report json=shard-${{ matrix.shard }}.json t
`
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(droverCommands(&n))
	want := "[[drover run --shard 1/2 -j 2 tests] [drover report merge -o all.json s-*.json] [drover check /scripts] [drover run --report json=shard-${{matrix.shard}}.json t]]"
	if got != want {
		t.Errorf("found %s\nwant  %s", got, want)
	}
}

// helpFlag is one line of pflag's usage: "  -j, --jobs N   text".
var helpFlag = regexp.MustCompile(`(?m)^\s+(?:-(\w), )?--([\w-]+)( [^\s-]\S*)?`)

// checkCLI checks argv (drover SUBCOMMAND [flags] ARGS) against the help of
// the built drover: the subcommand exists (report merge is two words),
// every flag is one it lists, and it is given at least one argument.
func checkCLI(t *testing.T, where string, argv []string) {
	t.Helper()
	if len(argv) < 2 || argv[0] != "drover" {
		t.Errorf("%s: %q is not a drover command", where, strings.Join(argv, " "))
		return
	}
	sub, rest := argv[1:2], argv[2:]
	if sub[0] == "report" && len(rest) > 0 {
		sub, rest = argv[1:3], argv[3:]
	}
	name := "drover " + strings.Join(sub, " ")
	code, help, errs := droverRun(t, t.TempDir(), append(append([]string{}, sub...), "--help")...)
	if code != 0 || !strings.Contains(help, "Usage: "+name) {
		first, _, _ := strings.Cut(strings.TrimSpace(errs+help), "\n")
		t.Errorf("%s: %s: this drover has no such command (%s --help: exit %d: %s)", where, name, name, code, first)
		return
	}
	long, short, valued := map[string]bool{}, map[string]string{}, map[string]bool{}
	for _, m := range helpFlag.FindAllStringSubmatch(help, -1) {
		long[m[2]], valued[m[2]] = true, m[3] != ""
		if m[1] != "" {
			short[m[1]] = m[2]
		}
	}
	args := 0
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		var flag string
		switch {
		case w == "--":
			args += len(rest) - i - 1
			i = len(rest)
			continue
		case strings.HasPrefix(w, "--"):
			flag = strings.TrimPrefix(w, "--")
		case strings.HasPrefix(w, "-") && len(w) > 1:
			flag = short[w[1:2]]
			if flag == "" {
				t.Errorf("%s: %s has no flag %s", where, name, w[:2])
				continue
			}
			w = "--" + flag + w[2:]
		default:
			args++
			continue
		}
		flag, _, hasValue := strings.Cut(flag, "=")
		if !long[flag] {
			t.Errorf("%s: %s has no flag --%s (%q)", where, name, flag, strings.Join(argv, " "))
			continue
		}
		if valued[flag] && !hasValue && len(w) == len("--"+flag) {
			if i+1 >= len(rest) {
				t.Errorf("%s: %s: --%s needs a value", where, name, flag)
			}
			i++
		}
	}
	if args == 0 {
		t.Errorf("%s: %q gives %s no FILE", where, strings.Join(argv, " "), name)
	}
}

// ciShardN is N of the first --shard K/N or auto/N in cmds, or 0.
func ciShardN(cmds [][]string) int {
	for _, argv := range cmds {
		for i, w := range argv {
			v, ok := strings.CutPrefix(w, "--shard=")
			if !ok && w == "--shard" && i+1 < len(argv) {
				v, ok = argv[i+1], true
			}
			if _, n, cut := strings.Cut(v, "/"); ok && cut {
				if k, err := strconv.Atoi(n); err == nil {
					return k
				}
			}
		}
	}
	return 0
}

// ciHas reports whether some command of cmds starts with prefix.
func ciHas(cmds [][]string, prefix ...string) bool {
	for _, argv := range cmds {
		if len(argv) >= len(prefix) && strings.Join(argv[:len(prefix)], " ") == strings.Join(prefix, " ") {
			return true
		}
	}
	return false
}

// ciCheckAll checks every drover command of an example against the CLI
// and returns them.
func ciCheckAll(t *testing.T, name string, nodes []*yaml.Node) [][]string {
	t.Helper()
	var cmds [][]string
	for _, n := range nodes {
		cmds = append(cmds, droverCommands(n)...)
	}
	for _, argv := range cmds {
		checkCLI(t, name, argv)
	}
	if !ciHas(cmds, "drover", "run") || !ciHas(cmds, "drover", "report", "merge") {
		t.Errorf("%s: want a drover run and a drover report merge, found %q", name, cmds)
	}
	return cmds
}

// dig walks v by keys (string for maps, int for lists), nil when absent.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestCIGitHubActions checks examples/ci/github-actions.yml: a shard job
// with a matrix of N shards uploading its reports, a merge job that needs
// it and downloads them, only well-known actions, and drover's CLI.
func TestCIGitHubActions(t *testing.T) {
	nodes, docs := ciDocs(t, "github-actions.yml")
	cmds := ciCheckAll(t, "github-actions.yml", nodes)
	jobs, _ := docs[0]["jobs"].(map[string]any)
	var shardJob, mergeJob string
	for name, j := range jobs {
		if dig(j, "strategy", "matrix", "shard") != nil {
			shardJob = name
		}
	}
	if shardJob == "" {
		t.Fatalf("no job has strategy.matrix.shard: %v", jobs)
	}
	shards, _ := dig(jobs[shardJob], "strategy", "matrix", "shard").([]any)
	if n := ciShardN(cmds); n == 0 || len(shards) != n {
		t.Errorf("the matrix has %d shards, the command says /%d", len(shards), n)
	}
	for name, j := range jobs {
		needs := dig(j, "needs")
		if needs == shardJob || (func() bool { l, _ := needs.([]any); return len(l) > 0 && l[0] == shardJob })() {
			mergeJob = name
		}
	}
	if mergeJob == "" {
		t.Fatalf("no job needs %s", shardJob)
	}
	if dig(jobs[mergeJob], "if") != "always()" {
		t.Errorf("job %s must run after failed shards too (if: always())", mergeJob)
	}
	uses := map[string][]string{}
	for _, name := range []string{shardJob, mergeJob} {
		steps, _ := dig(jobs[name], "steps").([]any)
		for _, s := range steps {
			if u, ok := dig(s, "uses").(string); ok {
				action, _, _ := strings.Cut(u, "@")
				uses[name] = append(uses[name], action)
				switch action {
				case "actions/checkout", "actions/setup-go", "actions/upload-artifact", "actions/download-artifact":
				default:
					t.Errorf("job %s uses %s, not one of the well-known actions", name, u)
				}
			}
		}
	}
	if !strings.Contains(strings.Join(uses[shardJob], " "), "actions/upload-artifact") {
		t.Errorf("job %s uploads no report (actions/upload-artifact)", shardJob)
	}
	if !strings.Contains(strings.Join(uses[mergeJob], " "), "actions/download-artifact") {
		t.Errorf("job %s downloads no report (actions/download-artifact)", mergeJob)
	}
}

// TestCIGitLab checks examples/ci/gitlab-ci.yml: a job with parallel: N
// running --shard auto with JUnit reports, a merge job needing it, and
// drover's CLI.
func TestCIGitLab(t *testing.T) {
	nodes, docs := ciDocs(t, "gitlab-ci.yml")
	ciCheckAll(t, "gitlab-ci.yml", nodes)
	var shardJob, mergeJob string
	for name, j := range docs[0] {
		if n, ok := dig(j, "parallel").(int); ok && n > 1 {
			shardJob = name
			var run yaml.Node
			_ = run.Encode(dig(j, "script"))
			if !ciHas(droverCommands(&run), "drover", "run", "--shard", "auto") {
				t.Errorf("job %s runs no drover run --shard auto", name)
			}
			if dig(j, "artifacts", "reports", "junit") == nil {
				t.Errorf("job %s has no artifacts:reports:junit", name)
			}
		}
	}
	if shardJob == "" {
		t.Fatal("no job has parallel: N")
	}
	for name, j := range docs[0] {
		if l, _ := dig(j, "needs").([]any); len(l) > 0 && l[0] == shardJob {
			mergeJob = name
			if dig(j, "when") != "always" {
				t.Errorf("job %s must run after failed shards too (when: always)", name)
			}
		}
	}
	if mergeJob == "" {
		t.Errorf("no job needs %s", shardJob)
	}
}

// ciKinds indexes a manifest's documents by kind.
func ciKinds(docs []map[string]any) map[string][]map[string]any {
	kinds := map[string][]map[string]any{}
	for _, d := range docs {
		k, _ := d["kind"].(string)
		kinds[k] = append(kinds[k], d)
	}
	return kinds
}

// TestCIKubernetes checks examples/ci/kubernetes.yaml: a volume claim, a
// ConfigMap of scripts drover check accepts, an Indexed Job of N shards
// mounting both, a merge Job on the same volume; then runs each shard's
// command as its pod would (JOB_COMPLETION_INDEX set, the volumes as
// directories) and the merge Job's, which must join them into one report
// of every job.
func TestCIKubernetes(t *testing.T) {
	nodes, docs := ciDocs(t, "kubernetes.yaml")
	cmds := ciCheckAll(t, "kubernetes.yaml", nodes)
	kinds := ciKinds(docs)
	if len(kinds["PersistentVolumeClaim"]) != 1 || len(kinds["ConfigMap"]) != 1 || len(kinds["Job"]) != 2 {
		t.Fatalf("want a PersistentVolumeClaim, a ConfigMap and two Jobs; have %d, %d, %d",
			len(kinds["PersistentVolumeClaim"]), len(kinds["ConfigMap"]), len(kinds["Job"]))
	}
	claim := dig(kinds["PersistentVolumeClaim"][0], "metadata", "name")
	cm := kinds["ConfigMap"][0]
	var shards, merge map[string]any
	for _, j := range kinds["Job"] {
		if dig(j, "spec", "completionMode") == "Indexed" {
			shards = j
		} else {
			merge = j
		}
	}
	if shards == nil {
		t.Fatal("no Job has completionMode: Indexed")
	}
	n := ciShardN(cmds)
	if c, p := dig(shards, "spec", "completions"), dig(shards, "spec", "parallelism"); n == 0 || c != n || p != n {
		t.Errorf("completions %v and parallelism %v, want the N of --shard auto/N (%d)", c, p, n)
	}
	// Each Job's volumes: the shards' the ConfigMap and the claim, the
	// merge's the claim.
	volumes := func(job map[string]any) (configMaps, claims []any) {
		l, _ := dig(job, "spec", "template", "spec", "volumes").([]any)
		for _, v := range l {
			if c := dig(v, "configMap", "name"); c != nil {
				configMaps = append(configMaps, c)
			}
			if c := dig(v, "persistentVolumeClaim", "claimName"); c != nil {
				claims = append(claims, c)
			}
		}
		return configMaps, claims
	}
	if c, v := volumes(shards); len(c) != 1 || c[0] != dig(cm, "metadata", "name") || len(v) != 1 || v[0] != claim {
		t.Errorf("the shards mount ConfigMaps %v and claims %v, want %v and %v", c, v, dig(cm, "metadata", "name"), claim)
	}
	if _, v := volumes(merge); len(v) != 1 || v[0] != claim {
		t.Errorf("the merge Job mounts claims %v, want %v", v, claim)
	}

	// The pods' file system: /scripts from the ConfigMap, /reports shared.
	need(t, "bc", "sh")
	root := t.TempDir()
	scripts, reports := filepath.Join(root, "scripts"), filepath.Join(root, "reports")
	for _, d := range []string{scripts, reports} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := cm["data"].(map[string]any)
	for name, text := range data {
		s, _ := text.(string)
		if err := os.WriteFile(filepath.Join(scripts, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := droverRun(t, root, "check", scripts); code != 0 {
		t.Fatalf("drover check of the ConfigMap's scripts: exit %d\n%s%s", code, out, errs)
	}
	local := strings.NewReplacer("/scripts", scripts, "/reports", reports)
	argv, _ := dig(shards, "spec", "template", "spec", "containers", 0, "command").([]any)
	for k := 0; k < n; k++ {
		var args []string
		for _, a := range argv[1:] {
			s := strings.ReplaceAll(local.Replace(a.(string)), "$(JOB_COMPLETION_INDEX)", strconv.Itoa(k))
			args = append(args, s)
		}
		t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(k))
		if code, out, errs := droverRun(t, root, args...); code != 0 {
			t.Errorf("shard %d (drover %s): exit %d\n%s%s", k, strings.Join(args, " "), code, out, errs)
		}
	}
	mc, _ := dig(merge, "spec", "template", "spec", "containers", 0, "command").([]any)
	if len(mc) != 3 || mc[0] != "sh" || mc[1] != "-c" {
		t.Fatalf("the merge Job's command is %v, want [sh -c LINE]", mc)
	}
	sh := osexec.Command("sh", "-c", local.Replace(mc[2].(string)))
	sh.Dir = root
	sh.Env = append(os.Environ(), "PATH="+filepath.Dir(drover)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := sh.CombinedOutput(); err != nil {
		first, _, _ := strings.Cut(string(out), "\n")
		t.Fatalf("the merge Job: %v: %s", err, first)
	}
	var all struct {
		Jobs []struct{ Name string }
	}
	b, err := os.ReadFile(filepath.Join(reports, "all.json"))
	if err == nil {
		err = yaml.Unmarshal(b, &all) // JSON is YAML.
	}
	if err != nil {
		t.Fatalf("the merged report: %v", err)
	}
	seen := map[string]int{}
	for _, j := range all.Jobs {
		seen[j.Name]++
	}
	// oneshot.yaml is one job, bc.yaml's matrix eight.
	if len(all.Jobs) != 9 || len(seen) != 9 {
		t.Errorf("the merged report holds %d jobs, %d distinct, want 9: %v", len(all.Jobs), len(seen), seen)
	}
	if _, err := os.Stat(filepath.Join(reports, "all.xml")); err != nil {
		t.Errorf("the merge Job wrote no JUnit: %v", err)
	}
}
