package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTranscripts runs a failing job with --transcripts and reads back
// what it left: a timestamped transcript and an asciicast v2 recording of
// its terminal, both in time order, neither holding the secret that the
// terminal echoed back.
func TestTranscripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const secret = "tr4nscr1pt-s3cr3t"
	path := writeScript(t, dir, "login.yaml", `name: login
steps:
  - spawn: {name: shell, shell: 'printf "password: "; read -r pw; echo "you typed $$pw"; echo "bye"; sleep 30', size: 30x100}
  - expect: "password: "
  - send: {text: `+secret+`, secret: true}
  - expect: bye
  - expect: {text: welcome, timeout: 300ms}
`)
	out := filepath.Join(dir, "transcripts")
	code, stdout, stderr := droverRun(t, dir, "run", "--transcripts", out, path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("the secret is in drover's output:\n%s%s", stdout, stderr)
	}

	plain, err := os.ReadFile(filepath.Join(out, "login.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), secret) {
		t.Errorf("the secret is in the transcript:\n%s", plain)
	}
	for _, want := range []string{"shell > ******", "shell < you typed ******", "login.yaml:7:5 expect", "-- failed: "} {
		if !strings.Contains(string(plain), want) {
			t.Errorf("the transcript lacks %q:\n%s", want, plain)
		}
	}

	raw, err := os.ReadFile(filepath.Join(out, "login.shell.cast"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) {
		t.Errorf("the secret is in the recording:\n%s", raw)
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	if !sc.Scan() {
		t.Fatal("empty recording")
	}
	var h struct {
		Version   int   `json:"version"`
		Width     int   `json:"width"`
		Height    int   `json:"height"`
		Timestamp int64 `json:"timestamp"`
	}
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Version != 2 || h.Width != 100 || h.Height != 30 || h.Timestamp == 0 {
		t.Fatalf("header %s: %+v, %v; want asciicast v2, 100x30", sc.Bytes(), h, err)
	}
	last, outputs, inputs := 0.0, "", 0
	for sc.Scan() {
		var ev []any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event %s: %v", sc.Bytes(), err)
		}
		at, ok1 := ev[0].(float64)
		kind, ok2 := ev[1].(string)
		data, ok3 := ev[2].(string)
		if !ok1 || !ok2 || !ok3 || (kind != "o" && kind != "i") {
			t.Fatalf("event %s: want [seconds, \"o\"|\"i\", data]", sc.Bytes())
		}
		if at < last {
			t.Errorf("event at %v after one at %v: out of order", at, last)
		}
		last = at
		if kind == "o" {
			outputs += data
		} else {
			inputs++
		}
	}
	if !strings.Contains(outputs, "password: ") || !strings.Contains(outputs, "you typed ******\r\n") || inputs != 1 {
		t.Errorf("recorded output %q with %d inputs", outputs, inputs)
	}
}
