package script

// The json: output check and capture: {var: JQ-EXPR}: jq expressions,
// in the language of github.com/itchyny/gojq, run on output read as one
// JSON document. What an expression yields is compared with the expected
// value as JSON: by type and value (42 is not "42"), objects whatever
// the order of their keys, arrays in order, numbers by value (1 is 1.0,
// as in jq). A key that is missing yields null, as in jq: has("key")
// tells the two apart.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/drover-dev/drover/exec"
	"github.com/itchyny/gojq"
	"gopkg.in/yaml.v3"
)

// JSONCheck is one check of json:: a jq expression and what it must yield.
type JSONCheck struct {
	Pos  Pos
	Expr string     // template
	Want any        // a JSON value; its strings are templates
	code *gojq.Code // compiled when the script is parsed; nil when Expr has ${...}
}

// JSONCapture is one variable of capture: {var: JQ-EXPR}.
type JSONCapture struct {
	Pos  Pos
	Var  string
	Expr string // template
	code *gojq.Code
}

// maxOutputs bounds the values an expression may yield before it is
// judged: range(1e9) fails instead of filling memory.
const maxOutputs = 10000

// lintJQTime bounds the run of a condition's jq expressions when the
// linter judges it from values known before the script runs.
const lintJQTime = time.Second

// compileJQ parses and compiles a jq expression.
func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %s: %v", shortQuote(expr), err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %s: %v", shortQuote(expr), err)
	}
	return code, nil
}

// hasRefs reports whether the template s has ${...} references (or is
// not a well-formed template, which is reported elsewhere).
func hasRefs(s string) bool {
	refs, err := Refs(s)
	return err != nil || len(refs) > 0
}

// jq reads a jq expression, the scalar n, and compiles it now unless it
// has ${...}: then it is compiled once expanded, when the step runs.
func (c *stepCtx) jq(n *yaml.Node, key string) (string, *gojq.Code, bool) {
	expr, ok := c.tmpl(n, key)
	if !ok {
		return "", nil, false
	}
	if hasRefs(expr) {
		return expr, nil, true
	}
	code, err := compileJQ(expr)
	if err != nil {
		c.fail(n, key, err)
		return "", nil, false
	}
	return expr, code, true
}

// jsonChecks reads the value of json:, a mapping of jq expressions to the
// values they must yield.
func (c *stepCtx) jsonChecks(n *yaml.Node, key string) []JSONCheck {
	n = deref(n)
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, key, "want a mapping of jq expressions to the values they yield, such as {.version: \"1.2\", .items | length: 3}; got %s", describe(n))
		return nil
	}
	var checks []JSONCheck
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && seen[k.Value] {
			c.errorf(k, key, "the jq expression %s is checked twice", shortQuote(k.Value))
			continue
		}
		seen[k.Value] = true
		expr, code, ok := c.jq(k, key)
		want, wantOK := c.jsonValue(v, key+" "+k.Value)
		if ok && wantOK {
			checks = append(checks, JSONCheck{Pos: c.p.pos(k), Expr: expr, Want: want, code: code})
		}
	}
	return checks
}

// jsonCaptures reads capture: {var: JQ-EXPR}.
func (c *stepCtx) jsonCaptures(n *yaml.Node, key string) []JSONCapture {
	var caps []JSONCapture
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if !c.varName(k, key) {
			continue
		}
		if seen[k.Value] {
			c.errorf(k, key, "the variable %s is captured twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if expr, code, ok := c.jq(v, key+"."+k.Value); ok {
			caps = append(caps, JSONCapture{Pos: c.p.pos(k), Var: k.Value, Expr: expr, code: code})
		}
	}
	return caps
}

// jsonValue converts the YAML value n to a JSON value: null, bool, int,
// float64, *big.Int, string (a template), []any or map[string]any.
func (c *stepCtx) jsonValue(n *yaml.Node, key string) (any, bool) {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode || isNull(k) {
				c.errorf(k, key, "want a JSON object's key, text; got %s", describe(k))
				ok = false
				continue
			}
			v, vok := c.jsonValue(n.Content[i+1], key+"."+k.Value)
			m[k.Value] = v
			ok = ok && vok
		}
		return m, ok
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		ok := true
		for _, item := range n.Content {
			v, vok := c.jsonValue(item, key)
			a = append(a, v)
			ok = ok && vok
		}
		return a, ok
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, true
			}
		case "!!int":
			var i int
			if n.Decode(&i) == nil {
				return i, true
			}
			if b, ok := new(big.Int).SetString(strings.ReplaceAll(n.Value, "_", ""), 0); ok {
				return b, true
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil {
				if f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
					c.errorf(n, key, "%s is not a JSON number; quote it for the text", n.Value)
					return nil, false
				}
				return f, true
			}
		default:
			s, ok := c.tmpl(n, key)
			return s, ok
		}
	}
	c.errorf(n, key, "want a JSON value, got %s", describe(n))
	return nil, false
}

// jsonTemplates returns the strings of the JSON value v: its templates.
func jsonTemplates(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var ts []string
		for _, x := range v {
			ts = append(ts, jsonTemplates(x)...)
		}
		return ts
	case map[string]any:
		var ts []string
		for _, x := range v {
			ts = append(ts, jsonTemplates(x)...)
		}
		return ts
	}
	return nil
}

// expandJSON returns v with its strings expanded.
func (st *state) expandJSON(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return st.expand(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			e, err := st.expandJSON(x)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			e, err := st.expandJSON(x)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	}
	return v, nil
}

// code returns the compiled expression: the one compiled when the script
// was parsed, or expr expanded and compiled now.
func (st *state) code(expr string, code *gojq.Code) (string, *gojq.Code, error) {
	if code != nil {
		return expr, code, nil
	}
	src, err := st.expand(expr)
	if err != nil {
		return "", nil, err
	}
	code, err = compileJQ(src)
	return src, code, err
}

// readJSON reads the output as one JSON document. name is the stream's,
// such as stdout, for messages.
func readJSON(name string, out *exec.Output) (any, error) {
	if out.Dropped > 0 {
		return nil, fmt.Errorf("%s is too large to read as JSON: %d bytes were dropped to bound memory, and part of a document is not judged", name, out.Dropped)
	}
	text := out.Kept
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, fmt.Errorf("%s is not JSON: it is empty", name)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s is not JSON (%s); it begins: %s", name, jsonSyntax(err, dec), outputStart(text))
	}
	end := dec.InputOffset()
	var more any
	switch err := dec.Decode(&more); {
	case err == io.EOF:
	case err == nil:
		return nil, fmt.Errorf("%s is not one JSON value: another follows the first, at byte %d; it begins: %s", name, end, outputStart(text))
	default:
		return nil, fmt.Errorf("%s is not JSON (%s after the value that ends at byte %d); it begins: %s", name, jsonSyntax(err, dec), end, outputStart(text))
	}
	return doc, nil
}

// jsonSyntax says what is wrong with a document, without Go's words.
func jsonSyntax(err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s, at byte %d", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends inside a value"
	}
	return fmt.Sprintf("at byte %d", dec.InputOffset())
}

// outputStart is the start of output, clipped and quoted: control
// characters and invalid bytes are escaped, harmless on a terminal.
func outputStart(b []byte) string {
	const most = 120
	if len(b) <= most {
		return strconv.Quote(string(b))
	}
	cut := most
	for cut > 0 && !isUTF8Start(b[cut]) {
		cut--
	}
	return strconv.Quote(string(b[:cut])) + "..."
}

// evalJQ runs code on doc and returns what it yields. what names the
// expression in messages, such as "stdout: json .version".
func evalJQ(ctx context.Context, what string, code *gojq.Code, doc any) ([]any, error) {
	var vals []any
	iter := code.RunWithContext(ctx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return vals, nil
		}
		if err, isErr := v.(error); isErr {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s was stopped: the step's time ran out, or the run was interrupted", what)
			}
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return vals, nil
			}
			return nil, fmt.Errorf("%s: jq error: %v", what, err)
		}
		if len(vals) == maxOutputs {
			return nil, fmt.Errorf("%s yields more than %d values", what, maxOutputs)
		}
		vals = append(vals, v)
	}
}

// checkJSON checks the output against json:'s checks.
func (st *state) checkJSON(ctx context.Context, name string, checks []JSONCheck, out *exec.Output) error {
	doc, err := readJSON(name, out)
	if err != nil {
		return err
	}
	for _, ch := range checks {
		expr, code, err := st.code(ch.Expr, ch.code)
		if err != nil {
			return err
		}
		want, err := st.expandJSON(ch.Want)
		if err != nil {
			return err
		}
		vals, err := evalJQ(ctx, name+": json "+expr, code, doc)
		if err != nil {
			return err
		}
		if err := judgeJSON(name, expr, vals, want); err != nil {
			return err
		}
	}
	return nil
}

// judgeJSON compares what an expression yielded with the value wanted.
// One value is compared as it is; several (or none) are compared, as a
// list, with a list wanted, and are an error otherwise.
func judgeJSON(name, expr string, vals []any, want any) error {
	got := any(vals)
	if len(vals) == 1 {
		got = vals[0]
	} else if _, isList := want.([]any); !isList {
		return fmt.Errorf("%s: json %s yields %d values, want one, %s (or write a list of all the values it yields)", name, expr, len(vals), compactJSON(want))
	}
	if gojq.Compare(got, want) == 0 && gojq.TypeOf(got) == gojq.TypeOf(want) {
		return nil
	}
	g, w := compactJSON(got), compactJSON(want)
	if len(g)+len(w) <= 160 {
		return fmt.Errorf("%s: json %s is %s, want %s", name, expr, g, w)
	}
	return fmt.Errorf("%s: json %s is not as expected (-want +got):\n%s", name, expr,
		strings.TrimRight(unifiedDiff(indentJSON(want), indentJSON(got)), "\n"))
}

// captureJSON sets the variables of capture: {var: JQ-EXPR} from the
// output: a string as it is, any other value as compact JSON.
func (st *state) captureJSON(ctx context.Context, caps []JSONCapture, out *exec.Output) error {
	doc, err := readJSON("capture: stdout", out)
	if err != nil {
		return err
	}
	values := make([]string, len(caps))
	for i, cp := range caps {
		expr, code, err := st.code(cp.Expr, cp.code)
		if err != nil {
			return err
		}
		vals, err := evalJQ(ctx, "capture "+cp.Var+": "+expr, code, doc)
		if err != nil {
			return err
		}
		if len(vals) != 1 {
			return fmt.Errorf("capture %s: %s yields %d values, want one (wrap it in [...] for a list)", cp.Var, expr, len(vals))
		}
		if s, ok := vals[0].(string); ok {
			values[i] = s
		} else {
			values[i] = compactJSON(vals[0])
		}
	}
	for i, cp := range caps { // All or none.
		st.setVar(cp.Var, values[i])
	}
	return nil
}

// compactJSON is v as compact JSON, object keys sorted.
func compactJSON(v any) string {
	b, err := gojq.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// indentJSON is v as indented JSON, object keys sorted, for a diff.
func indentJSON(v any) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(compactJSON(v)), "", "  "); err != nil {
		return compactJSON(v)
	}
	return buf.String() + "\n"
}
