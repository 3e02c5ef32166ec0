package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// leakOf returns a run of the secret's characters found in out: 8 of them,
// or the whole secret when it is shorter; "" when there is none.
func leakOf(out, secret string) string {
	if len(secret) < 8 {
		if strings.Contains(out, secret) {
			return secret
		}
		return ""
	}
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+8]) {
			return secret[i : i+8]
		}
	}
	return ""
}

// unescape undoes JSON's escapes of control characters and HTML, and
// XML's, so that a secret is found in a report or a recording too.
var unescape = strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t", `\u003c`, "<", `\u003e`, ">", `\u0026`, "&", `\"`, `"`, `\\`, `\`,
	"&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#xA;", "\n", "&#x9;", "\t", "&#xD;", "\r")

// runHidingSecrets runs the script with -v, --transcripts, a JSON and a
// JUnit report, and fails t if a run of a secret's characters is in drover's
// stdout or stderr, a transcript, a recording or the report, or in the
// name of one. It returns
// the -v trace and the transcript, for the test to see that the output
// holding the secrets was shown, masked.
func runHidingSecrets(t *testing.T, src string, wantCode int, secrets []string, args ...string) (trace, transcript string) {
	t.Helper()
	dir := t.TempDir()
	path := writeScript(t, dir, "secret.yaml", src)
	tr := filepath.Join(dir, "tr")
	rep := filepath.Join(dir, "report.json")
	junit := filepath.Join(dir, "report.xml")
	args = append(append([]string{"run", "-v", "--transcripts", tr, "--report", "json=" + rep, "--report", "junit=" + junit}, args...), path)
	code, stdout, stderr := droverRun(t, dir, args...)
	if code != wantCode {
		t.Fatalf("exit %d, want %d\n%s%s", code, wantCode, stdout, stderr)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	files, _ := filepath.Glob(filepath.Join(tr, "*"))
	files = append(files, rep, junit)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs[filepath.Base(f)] = string(b)
		outputs["the file name "+filepath.Base(f)] = filepath.Base(f)
		if strings.HasSuffix(f, ".log") {
			transcript = string(b)
		}
	}
	for name, out := range outputs {
		for _, s := range secrets {
			for _, o := range []string{out, unescape.Replace(out)} {
				if l := leakOf(o, s); l != "" {
					t.Errorf("%q of a secret is in %s:\n%s", l, name, out)
				}
			}
		}
	}
	if !strings.Contains(stderr, "******") || !strings.Contains(transcript, "******") {
		t.Errorf("no masked output: the test shows nothing\n-v:\n%s\ntranscript:\n%s", stderr, transcript)
	}
	return stderr, transcript
}

// vault is what "echo NAME | sha256sum | cut -c1-40" prints: a value that
// the test knows and the script does not spell out.
func vault(name string) string {
	h := sha256.Sum256([]byte(name + "\n"))
	return hex.EncodeToString(h[:])[:40]
}

// TestSecretEchoedInTwoReads: a program echoes a secret in two writes, and
// between them drover traces steps and another process prints lines: the
// unfinished line must not be shown with half the secret in it.
func TestSecretEchoedInTwoReads(t *testing.T) {
	t.Parallel()
	const secret = "Split-Secret-0123456789-abcdefghij"
	trace, _ := runHidingSecrets(t, `name: split
steps:
  - spawn: {name: other, shell: 'for i in 1 2 3 4 5 6 7 8; do echo other line $$i; sleep 0.05; done; sleep 30'}
  - spawn: {name: echo, shell: 'read -r s; printf "got %s" "$$(printf %s "$$s" | cut -c1-17)"; read -r go; printf "%s done\n" "$$(printf %s "$$s" | cut -c18-)"; sleep 30'}
  - send: {text: "`+secret+`", secret: true}
  - expect: got
  - sleep: 300ms
  - send: go
  - expect: done
  - expect: {text: never, timeout: 200ms}
`, 1, []string{secret})
	if !strings.Contains(trace, "other line 3") {
		t.Errorf("the other process's lines are not in the trace:\n%s", trace)
	}
}

// TestSecretMatrixValue: a matrix variable feeds a secret send, so its
// values are secrets; the jobs' names, in the results, the -v trace, the
// transcripts' names and the report, show ******, numbered where the
// jobs have more than one value, so that each keeps a name of its own.
// A value given with --var over the matrix is masked as well.
func TestSecretMatrixValue(t *testing.T) {
	t.Parallel()
	const a, b, given = "Matrix-Secret-Alpha-0123456789", "Matrix-Secret-Bravo-9876543210", "Given-Secret-Charlie-5555555555"
	src := `name: mx
matrix:
  pw: ["` + a + `", "` + b + `"]
  n: [1]
steps:
  - spawn: [cat]
  - send: {text: "${pw}", secret: true}
  - expect: {text: never, timeout: 200ms}
`
	trace, _ := runHidingSecrets(t, src, 1, []string{a, b})
	for _, want := range []string{"mx [pw=******#1 n=1] |", "mx [pw=******#2 n=1] |"} {
		if !strings.Contains(trace, want) {
			t.Errorf("no %q in the trace:\n%s", want, trace)
		}
	}
	trace, _ = runHidingSecrets(t, src, 1, []string{given}, "--var", "pw="+given)
	if !strings.Contains(trace, "mx [pw=****** n=1]") {
		t.Errorf("the job is not named %q:\n%s", "mx [pw=****** n=1]", trace)
	}
}

// TestSecretOfSeveralLines: a private key sent as a secret and printed
// back by cat on pipes, and echoed by a terminal as "\r\n"-ended lines.
func TestSecretOfSeveralLines(t *testing.T) {
	t.Parallel()
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
		"QyNTUxOQAAACDr4bbt0fx1UMrtYRdPA3nWWb6PuvKXdLYe8ZMc0GRsDwAAAJgTpKRfE6Sk\n" +
		"Xw==\n" +
		"-----END OPENSSH PRIVATE KEY-----"
	src := `name: key
vars:
  key: "` + strings.ReplaceAll(key, "\n", `\n`) + `"
steps:
  - spawn: {name: pipe, cmd: [cat]}
  - send: {text: "${key}", secret: true}
  - expect: "-----\n"
  - expect: "-----\n"
  - spawn: {name: term, cmd: [cat], tty: true}
  - send: {text: "${key}", secret: true}
  - expect: {text: never, timeout: 300ms}
`
	runHidingSecrets(t, src, 1, []string{key})
}

// TestSecretAcrossLineChunk: a secret printed where a line without end
// is cut in 4 KiB pieces for the trace, the line's end coming later.
func TestSecretAcrossLineChunk(t *testing.T) {
	t.Parallel()
	const secret = "Chunk-Straddling-Secret-9876543210"
	var shell strings.Builder
	for off := 4070; off <= 4090; off += 5 {
		shell.WriteString(`head -c ` + strconv.Itoa(off) + ` /dev/zero | tr "\\000" x; printf "%s" "$$s"; sleep 0.1; echo; `)
	}
	runHidingSecrets(t, `name: chunk
steps:
  - spawn: {shell: 'read -r s; `+shell.String()+` echo end; sleep 30'}
  - send: {text: "`+secret+`", secret: true}
  - expect: {text: end, timeout: 5s}
  - expect: {text: never, timeout: 200ms}
`, 1, []string{secret})
}

// TestSecretPrintedBeforeSent: values that feed a secret send are secret
// from the job's first byte, wherever they come from: vars: and --var,
// env:, a run's capture, an expect's capture, all printed before they are
// sent.
func TestSecretPrintedBeforeSent(t *testing.T) {
	t.Parallel()
	const pw, apiKey = "Var-Password-From-Command-Line", "Env-Api-Key-0192837465"
	ranTok, expTok := vault("vault1"), vault("vault2")
	trace, transcript := runHidingSecrets(t, `name: early
vars:
  pw: placeholder
env:
  API_KEY: `+apiKey+`
steps:
  - run: {shell: 'echo "pw=${pw} key=$$API_KEY"'}
  - run: {shell: 'echo vault1 | sha256sum | cut -c1-40', capture: tok}
  - spawn: {name: vault, shell: 'echo "issued token: $$(echo vault2 | sha256sum | cut -c1-40) for 1h"; echo ready; exec cat'}
  - expect: {re: 'token: (\w+)', capture: [tok2]}
  - expect: ready
  - send: {text: "${pw}", secret: true}
  - send: {text: "${env.API_KEY}", secret: true}
  - send: {text: "${tok}", secret: true}
  - send: {text: "${tok2}", secret: true}
  - send: {eof: true}
  - wait: {}
  - log: "done: ${tok} ${tok2} ${pw}"
  - expect: {text: never, timeout: 200ms}
`, 1, []string{pw, apiKey, ranTok, expTok}, "--var", "pw="+pw)
	for _, want := range []string{"sh < pw=****** key=******", "sh < ******", "vault < issued token: ****** for 1h", "done: ****** ****** ******"} {
		if !strings.Contains(trace, want) || !strings.Contains(transcript, want) {
			t.Errorf("%q is not shown:\n-v:\n%s\ntranscript:\n%s", want, trace, transcript)
		}
	}
}

// TestSecretScrolledByReadline: bash's readline, on a terminal of 80
// columns that cannot move up, scrolls a 116-character token sideways and
// prints part of it again: every piece of 8 characters or more is masked.
func TestSecretScrolledByReadline(t *testing.T) {
	t.Parallel()
	need(t, "bash")
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflK"
	trace, _ := runHidingSecrets(t, `name: readline
steps:
  - spawn: {name: sh, cmd: [bash, --norc, --noprofile, -i], tty: true, size: 24x80, env: {PS1: "$$ "}}
  - expect: "$ "
  - send: {text: "`+jwt+`", secret: true}
  - expect: "command not found"
  - send: exit
  - wait: {exit: 127}
`, 0, []string{jwt})
	if !strings.Contains(trace, `sh < \x0d<******`) {
		t.Errorf("readline's scrolled line is not shown masked:\n%s", trace)
	}
}

// TestSecretOfFailedCapture: a run that would capture a secret fails
// after printing it: what it printed is masked as the value it would have
// captured, in the trace, the failure shown and the report.
func TestSecretOfFailedCapture(t *testing.T) {
	t.Parallel()
	tok := vault("vault3")
	trace, _ := runHidingSecrets(t, `name: failed
steps:
  - run: {shell: 'echo vault3 | sha256sum | cut -c1-40; exit 3', capture: tok}
  - spawn: [cat]
  - send: {text: "${tok}", secret: true}
`, 1, []string{tok})
	if !strings.Contains(trace, "sh < ******") {
		t.Errorf("the failed run's output is not shown masked:\n%s", trace)
	}
}

// TestSecretFiltered: a secret's value printed in the forms the filters
// make of it (${pw|json} escapes a quote and a backslash, ${pw|sh} a
// tick), which differ from the value, is masked in those forms too.
func TestSecretFiltered(t *testing.T) {
	t.Parallel()
	const pw = `Quote"Back\slash'Tick-0123456789`
	runHidingSecrets(t, `name: filtered
vars: {pw: "`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(pw)+`"}
steps:
  - spawn: {cmd: [cat], tty: false}
  - send: {text: "${pw}", secret: true}
  - run: {shell: "printf '%s\\n' ${pw|json|sh} ${pw|sh|sh}", stdout: {equals: "no"}}
`, 1, []string{pw, `Quote\"Back\\slash'Tick-0123456789`, `Quote"Back\slash'\''Tick-0123456789`})
}
