package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// The floor is a baseline only if it reads the stream: it must refuse a
// short one and one without the marker.
func TestFloorChecksTheStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	floor, err := buildFloor(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stream := strings.Repeat(line+"\n", 1000) + "MARKER\n"
	for _, c := range []struct {
		name, in, size string
		ok             bool
	}{
		{"whole stream", stream, "55000", true},
		{"short stream", stream[len(stream)-2000:], "55000", false},
		{"no marker", strings.Repeat(line+"\n", 1000), "55000", false},
	} {
		cmd := exec.Command(floor, "pipe", c.size)
		cmd.Stdin = strings.NewReader(c.in)
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok %v\n%s", c.name, err, c.ok, out)
		}
	}
	out, err := exec.Command(floor, "pty", "100000").CombinedOutput()
	if err != nil || !bytes.HasSuffix(out, []byte(" bytes\n")) {
		t.Errorf("pty: %v\n%s", err, out)
	}
	for _, mode := range []string{"fanout", "supfanout", "reapfanout"} {
		out, err = exec.Command(floor, mode, "5").CombinedOutput()
		if err != nil || string(out) != "5 jobs\n" {
			t.Errorf("%s: %v\n%s", mode, err, out)
		}
	}
}

// The fan-out floor's row is compared with drover's row of the same N.
func TestFloorRowPeer(t *testing.T) {
	res := &result{w: &workload{name: "fanout"}}
	for _, l := range []string{"drover N=10", "floor: Go, captured pipes N=10", "drover N=100", "floor: Go, captured pipes N=100"} {
		tool, _, _ := strings.Cut(l, " ")
		res.rows = append(res.rows, &row{v: variant{tool: strings.TrimSuffix(tool, ":"), label: l}})
	}
	for i, r := range res.rows {
		if got := res.peerOf(r); got != res.rows[i&^1] {
			t.Errorf("%s: compared with %v", r.v.label, got)
		}
	}
}

func TestDroverTally(t *testing.T) {
	out := []byte("FAIL  p [n=3]  (p.yaml, 1ms)\n    p.yaml:6:5: spawn: too many open files\n418 passed, 82 failed in 2.50s\n")
	pass, total, said, ok := droverTally(out)
	if pass != 418 || total != 500 || said || !ok {
		t.Errorf("got %d/%d said %v ok %v", pass, total, said, ok)
	}
	// drover's own words when it fits its concurrency to its descriptors.
	out = []byte("drover: 1024 open files allowed: running at most 109 jobs at once instead of 500\n500 passed, 0 failed in 5.10s\n")
	if pass, total, said, ok := droverTally(out); pass != 500 || total != 500 || !said || !ok {
		t.Errorf("lowered: got %d/%d said %v ok %v", pass, total, said, ok)
	}
	if _, _, _, ok := droverTally([]byte("panic: boom\n")); ok {
		t.Error("no summary line tallied")
	}
	if pass, total, _, _ := countOK(3)([]byte("ok\nok\nnot ok\n")); pass != 2 || total != 3 {
		t.Errorf("countOK: %d/%d", pass, total)
	}
}

// A pty jobs row is met only when every run passed every job.
func TestPtyJobsTarget(t *testing.T) {
	tg := targets[slicesIndex(t, "500 pty jobs")]
	res := &result{w: &workload{name: "ptyjobs"}, rows: []*row{{
		v:       variant{tool: "drover", label: "drover", argv: []string{"drover"}, tally: droverTally},
		samples: []sample{{pass: 500, total: 500}, {pass: 418, total: 500}},
	}}}
	if got, met := tg.measure(res, "drover"); met != "**no**" || !strings.HasPrefix(got, "418/500") {
		t.Errorf("got %q %q", got, met)
	}
	res.rows[0].samples[1].pass = 500
	if _, met := tg.measure(res, "drover"); met != "yes" {
		t.Errorf("all passed: %q", met)
	}
}

func slicesIndex(t *testing.T, prefix string) int {
	for i, tg := range targets {
		if strings.HasPrefix(tg.text, prefix) {
			return i
		}
	}
	t.Fatalf("no target %q", prefix)
	return -1
}

// The candidate runs where drover runs, also under the sh that sets a
// ulimit first: only the drover binary is replaced, and only in drover's
// variants.
func TestWithCandidate(t *testing.T) {
	tl := &tools{drover: "/d/drover", candidate: "/c/drover"}
	vs := withCandidate([]variant{
		{tool: "drover", label: "drover", argv: []string{"sh", "-c", "ulimit -n 1024 && exec \"$@\"", "sh", "/d/drover", "run", "x.yaml"}},
		{tool: "xargs", label: "xargs", argv: []string{"xargs", "/d/drover"}},
	}, tl)
	if len(vs) != 3 || vs[1].tool != "candidate" || vs[1].label != "candidate" {
		t.Fatalf("variants %+v", vs)
	}
	want := []string{"sh", "-c", "ulimit -n 1024 && exec \"$@\"", "sh", "/c/drover", "run", "x.yaml"}
	if strings.Join(vs[1].argv, "|") != strings.Join(want, "|") {
		t.Errorf("candidate argv %q, want %q", vs[1].argv, want)
	}
	if vs[0].argv[4] != "/d/drover" {
		t.Errorf("drover's own argv changed: %q", vs[0].argv)
	}
}
