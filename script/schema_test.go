package script

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// validatePy validates JSON documents against a schema with the Python
// jsonschema package (Debian's python3-jsonschema): the schema file is
// argv[1], the documents a JSON object of name -> document on stdin. It
// prints, as JSON, name -> the errors found, each "path: message".
const validatePy = `
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(3)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
out = {}
for name, doc in json.load(sys.stdin).items():
    out[name] = ["/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in v.iter_errors(doc)]
json.dump(out, sys.stdout)
`

// validate returns, for each document, the errors the schema finds in it.
// Without python3 and its jsonschema package it skips t, unless CI=true,
// where skipping is a failure.
func validate(t *testing.T, docs map[string]any) map[string][]string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s, and CI=true forbids skipping (install python3-jsonschema in .ci/run)", why)
		}
		t.Skipf("%s: install python3-jsonschema to validate the schema", why)
	}
	schema := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(schema, Schema(), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	// Debian's python3 first, where .ci/run installs python3-jsonschema;
	// then whichever python3 PATH finds first (a pyenv, say).
	var out []byte
	found := false
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := osexec.LookPath(py)
		if err != nil {
			continue
		}
		cmd := osexec.CommandContext(t.Context(), path, "-c", validatePy, schema)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err = cmd.Output()
		if ee, ok := errors.AsType[*osexec.ExitError](err); ok && ee.ExitCode() == 3 {
			continue // No jsonschema for this one.
		}
		if err != nil {
			t.Fatalf("validating with %s and jsonschema: %v\n%s", path, err, stderr.Bytes())
		}
		found = true
		break
	}
	if !found {
		missing("no python3 with the jsonschema package is installed")
	}
	var res map[string][]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output of the validator: %v\n%s", err, out)
	}
	return res
}

// yamlToJSON converts a YAML document to the values JSON has, reading
// scalars the way the parser does: by their resolved tag, so that 10 is a
// number and "10" and 10s are strings. Merge keys are resolved as the
// parser resolves them.
func yamlToJSON(src []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return nodeToJSON(doc.Content[0], 0)
}

func nodeToJSON(n *yaml.Node, depth int) (any, error) {
	if depth > 1000 { // Deeper than any script the parser accepts.
		return nil, errors.New("nested too deep")
	}
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
				return n.Value, nil // JSON has no such numbers.
			}
			return v, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := nodeToJSON(item, depth+1)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	case yaml.MappingNode:
		m := map[string]any{}
		var merged []map[string]any
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			v, err := nodeToJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			if k.Tag != "!!merge" {
				m[k.Value] = v
				continue
			}
			switch v := v.(type) {
			case map[string]any:
				merged = append(merged, v)
			case []any:
				for _, item := range v {
					if im, ok := item.(map[string]any); ok {
						merged = append(merged, im)
					}
				}
			}
		}
		for _, mm := range merged { // The mapping's own keys first, then the first merged.
			for k, v := range mm {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// TestSchemaAcceptsScripts checks that the schema accepts every script in
// the repository that the parser accepts: the examples, the end-to-end
// scripts and their fixtures, and scripttest's.
func TestSchemaAcceptsScripts(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pat := range []string{"../examples/*.yaml", "../testdata/e2e/*.yaml", "../testdata/e2e/fixtures/*.yaml", "scripttest/testdata/*.yaml"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	docs := map[string]any{}
	for _, f := range files {
		_, perr := ParseFile(f)
		if perr != nil {
			if strings.HasPrefix(f, "../examples/") {
				t.Errorf("example %s does not parse: %v", f, perr)
			}
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if docs[f], err = yamlToJSON(src); err != nil {
			t.Errorf("%s: converting to JSON: %v", f, err)
		}
	}
	if len(docs) < 10 {
		t.Fatalf("only %d scripts parse, of %d: the globs are wrong", len(docs), len(files))
	}
	for f, errs := range validate(t, docs) {
		if len(errs) > 0 {
			t.Errorf("%s parses, but the schema rejects it:\n\t%s", f, strings.Join(errs, "\n\t"))
		}
	}
}

// schemaBad says, for the scripts in testdata/bad that a schema can tell
// are wrong, where it must find an error: the paths of the values at
// fault, as the validator reports them (steps/1 is the second step). The
// parser's errors that depend on the rest of the script, or on a value
// beyond its type, are left to it; they are noted beside the paths.
var schemaBad = map[string][]string{
	"bad_duration":    {"timeout", "steps/0", "steps/2"}, // Not timeout: 0s, greater than 0.
	"bad_expect":      {"steps/1", "steps/2", "steps/3", "steps/4", "steps/5", "steps/6", "steps/7"},
	"expect_v2":       {"steps/0", "steps/1", "steps/2", "steps/5"}, // Not a bad re, two timeout branches, nor before with eof.
	"bad_signal":      {"steps/1", "steps/2"},
	"bad_size":        {"steps/0"}, // Not 0x80 or 24x2000 (ranges), nor size without a tty.
	"bad_steps":       {"steps/0", "steps/1", "steps/2", "steps/3", "steps/4", "steps/5", "steps/6"},
	"capture_count":   {"steps/2"}, // Not the number of groups, nor a name twice in a list of 2 for 1 group.
	"cmd_string":      {"steps/0"},
	"control":         {"steps/1", "steps/2"},
	"deep_nesting":    {"steps/0"},
	"each_keys":       {"steps/0", "steps/1", "steps/2", "steps/3", "steps/4", "steps/5"},
	"empty":           {""},
	"empty_steps":     {"steps"},
	"env":             {"env", "steps/0"}, // Not the undefined ${bindir}.
	"exclusive":       {"steps/1", "steps/2", "steps/3", "steps/4"},
	"exit":            {"steps/0", "steps/1", "steps/2", "steps/3"},
	"fanout_keys":     {"locks", "steps/0", "steps/1"},
	"if_keys":         {"steps/0", "steps/1", "steps/3", "steps/4", "steps/5", "steps/6", "steps/8", "steps/9", "steps/10", "steps/11"}, // Not var without a check, nor an undefined variable.
	"matcher":         {"steps/0", "steps/1"},                                                                                           // Not the bad regular expression.
	"matrix":          {"matrix"},                                                                                                       // Not a name in both vars and matrix.
	"matrix_include":  {"matrix"},
	"matrix_keys":     {"matrix"},
	"merge_key":       {"steps/3"}, // Not size without a tty, nor <<: 3.
	"missing_steps":   {""},
	"multi_key_step":  {"steps/1", "steps/2"},
	"not_mapping":     {""},
	"runbook_keys":    {"steps/0", "steps/1", "steps/2", "steps/3"},
	"setup_type":      {"setup"},
	"call_params":     {"steps/5", "steps/6"},
	"retry_when":      {"steps/0", "steps/1", "steps/2"},
	"send_null":       {"steps/1", "steps/2"},
	"too_many":        {"steps/0", "steps/24"},
	"unknown_key":     {"steps/1"},
	"unknown_step":    {"steps/1", "steps/2"},
	"unknown_top_key": {""},
	"var_names":       {"vars", "steps/0", "steps/2"},
	"wait_port":       {"steps/0", "steps/2", "steps/3"}, // Not port 99999.
	"wrong_type":      {"timeout", "steps/0", "steps/1", "steps/2"},
	"json_checks":     {"steps/2", "steps/3", "steps/5"}, // Not a jq expression that does not compile, nor .nan.
	"requires_os":     {"requires"},
	"requires_type":   {"requires"},
	"requires_keys":   {"requires"},
	"skip_type":       {"skip"},
	"skip_blank":      {"skip"},
	"skip_bool":       {"skip"},
	"work_files":      {"files", "steps/0", "steps/2", "steps/4"}, // Not a file without a check, nor exists: false beside one.

	// The terminal itself.
	"send_bytes": {"steps/1", "steps/2", "steps/3", "steps/6"}, // Not pace beside control, nor pace: 0s.
	"resize":     {"steps/1", "steps/3", "steps/4"},            // Not 0x80 (a range), nor an unknown process.
	"echo":       {"steps/1", "steps/2", "steps/4"},            // Not keys about output beside echo.
	"interact":   {"steps/1", "steps/2", "steps/3", "steps/4", "steps/5", "steps/6", "steps/7"},
	// Not an ask of a var in vars:.
	"human": {"steps/0", "steps/1", "steps/2", "steps/4", "steps/5", "steps/6"},
}

// schemaSemantic are the scripts in testdata/bad that are wrong only in
// ways a schema cannot see, and why: the schema accepts them.
var schemaSemantic = map[string]string{
	"bad_regex":         "a regular expression that does not compile",
	"capture_order":     "a variable used before it is captured",
	"duplicate_key":     "a key twice: JSON keeps one",
	"each_files":        "data files missing or malformed, as: beside a csv, and ${each.index} outside an each",
	"filter":            "an unknown filter in ${...|...}",
	"matrix_csv":        "a CSV file with a ragged row",
	"matrix_csv_header": "a CSV file whose header is not variable names",
	"matrix_none":       "a matrix whose exclude removes every job",
	"match_index":       "${match.index} and captures out of their scope",
	"matrix_size":       "a matrix of too many combinations",
	"no_process":        "a step that acts on a process before any spawn",
	"on_unknown":        "a process name never spawned",
	"run_tty_stderr":    "stderr: with tty: true, a value of another key",
	"shell_var":         "an undefined variable in a shell line",
	"stdin_from":        "a process name spawned only later",
	"stdin_from_tty":    "a stdin_from whose process runs under a tty",
	"template_syntax":   "a malformed ${...}",
	"template_size":     "values that expand past 1 MiB",
	"undefined_var":     "an undefined variable",
	"setup_drive":       "a job driving a setup process, a matrix value in setup, setup defining a matrix name",
	"import_cycle":      "an import cycle, a missing file",
	"call_inside":       "errors in a group's steps, read at its call",
	"call_recursive":    "groups that call each other",
}

// schemaNotYAML are the scripts in testdata/bad that are not one valid
// YAML document without aliases gone wild: nothing for a schema to see.
var schemaNotYAML = []string{
	"alias_bomb", "alias_cycle", "alias_unknown", "bad_indent", "colon_value",
	"control_char", "flow_var", "flow_var_lines", "invalid_utf8", "malformed_yaml", "multi_doc", "tab",
	"unclosed_quote",
}

// TestSchemaRejectsBad checks that the schema finds an error wherever the
// parser does in testdata/bad, as far as a schema can tell, and that every
// script there is sorted into one of the tables above.
func TestSchemaRejectsBad(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]any{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		_, bad := schemaBad[name]
		_, semantic := schemaSemantic[name]
		switch {
		case slices.Contains(schemaNotYAML, name):
			continue
		case !bad && !semantic:
			t.Errorf("%s is in none of schemaBad, schemaSemantic and schemaNotYAML", f)
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if docs[name], err = yamlToJSON(src); err != nil {
			t.Errorf("%s: converting to JSON: %v", f, err)
		}
	}
	for name, errs := range validate(t, docs) {
		if why, ok := schemaSemantic[name]; ok {
			if len(errs) > 0 {
				t.Errorf("%s (%s) is in schemaSemantic, but the schema rejects it; move it to schemaBad:\n\t%s", name, why, strings.Join(errs, "\n\t"))
			}
			continue
		}
		for _, path := range schemaBad[name] {
			found := slices.ContainsFunc(errs, func(e string) bool {
				p, _, _ := strings.Cut(e, ": ")
				return p == path || strings.HasPrefix(p, path+"/") || path == ""
			})
			if !found {
				t.Errorf("%s: the schema finds no error at %q; it found:\n\t%s", name, path, strings.Join(errs, "\n\t"))
			}
		}
	}
}
