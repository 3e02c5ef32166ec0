package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Schema returns a JSON Schema (draft 2020-12) of the script language, for
// editors: save it and point a YAML file at it with a first line such as
//
//	# yaml-language-server: $schema=drover.schema.json
//
// It is built from the table the parser checks keys against, so it knows
// every key of every step and the type of each value. It accepts every
// script Parse accepts and rejects unknown keys and steps, values of the
// wrong type, malformed durations, signals and exit statuses, and keys
// that exclude or need each other. What depends on the rest of the script
// (undefined variables and processes, a regular expression's groups) only
// Parse checks. Schema is safe for concurrent use; the caller owns the
// returned slice.
func Schema() []byte { return bytes.Clone(schemaJSON()) }

var schemaJSON = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(schemaRoot()); err != nil {
		panic("script: schema: " + err.Error()) // Only maps, slices and strings.
	}
	return b.Bytes()
})

// schemaRoot builds the whole schema: the top-level form, then a $defs
// entry for a step and for every value type.
func schemaRoot() object {
	root := object{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"title", "drover script"},
		{"description", "A drover script: programs to start, what to type into them, what to wait for and how they must end. See https://github.com/drover-dev/drover."},
	}
	root = append(root, formSchema(&scriptForm)...)
	defs := object{{"step", stepSchema()}}
	for _, t := range valueTypes {
		defs = append(defs, member{string(t), typeSchema(t)})
	}
	return append(root, member{"$defs", defs})
}

// valueTypes are the types in the order $defs lists them.
var valueTypes = []valueType{
	tNull, tText, tPattern, tNonBlank, tArgv, tTexts, tLocks, tBool, tTrue,
	tDuration, tDuration0, tExit, tSignal, tVarName, tCaptures, tProcess,
	tProcName, tSize, tStream, tPipe, tControl, tAddr, tLines, tAttempts,
	tEnv, tVars, tMatrix, tEntries, tCSVFile, tSteps, tStepList, tMatcher, tBranches, tRetrySpec,
	tItems, tDataFile, tVarRef,
	tSeen, tSeenList,
	tRetryWhen, tDefines, tImports, tGroup,
	tJSON, tCapture,
	tRequires, tOSNames, tReason,
	tFiles, tGolden,
	tHex, tEcho,
	tCaret,
}

// scalar is what the parser reads as text: any scalar but null, which
// JSON tells apart as strings, numbers and booleans.
var scalar = []string{"string", "number", "boolean"}

// durationPattern is what time.ParseDuration accepts, without a minus
// sign: the parser rejects negative durations.
const durationPattern = `^[+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// typeSchema returns the schema of values of type t.
func typeSchema(t valueType) object {
	code := object{{"type", "integer"}, {"minimum", 0}, {"maximum", 255}}
	switch t {
	case tNull:
		return object{{"description", "nothing"}, {"type", "null"}}
	case tText:
		return object{{"description", "text; ${name} is a variable, ${name|sh} one quoted (filters: re, sh, json), $$ a $"}, {"type", scalar}}
	case tPattern:
		return object{{"description", "text that is not empty"}, {"type", scalar}, {"minLength", 1}}
	case tNonBlank:
		return object{{"description", "text that is not blank"}, {"type", scalar}, {"pattern", `\S`}}
	case tArgv:
		return object{{"description", "a program and its arguments, such as [ls, -l]"},
			{"type", "array"}, {"minItems", 1},
			{"prefixItems", []object{{{"$ref", refPath(tText)}, {"minLength", 1}}}},
			{"items", ref(tText)}}
	case tTexts:
		return object{{"description", "text or a non-empty list of texts"},
			{"anyOf", []object{ref(tText), {{"type", "array"}, {"minItems", 1}, {"items", ref(tText)}}}}}
	case tLocks:
		return object{{"anyOf", []object{ref(tNull), ref(tTexts)}}}
	case tBool:
		return object{{"type", "boolean"}}
	case tTrue:
		return object{{"description", "only true means something"}, {"const", true}}
	case tDuration:
		return object{{"description", "a duration greater than 0, such as 500ms, 10s or 1m30s"},
			{"type", "string"}, {"pattern", durationPattern}}
	case tDuration0:
		return object{{"description", "a duration, such as 0s, 500ms or 1m30s"},
			{"anyOf", []object{ref(tDuration), {{"const", 0}}}}}
	case tExit:
		return object{{"description", `an exit code from 0 to 255, a list of codes, "nonzero" or "any"`},
			{"anyOf", []object{code, {{"enum", []string{"nonzero", "any"}}},
				{{"type", "array"}, {"minItems", 1}, {"items", code}}}}}
	case tSignal:
		return object{{"description", "a signal: " + strings.Join(signalNames, ", ") + "; with or without SIG, in any case"},
			{"type", "string"}, {"pattern", signalPattern()}}
	case tVarName:
		reserved := make([]string, 0, len(reservedVars))
		for name := range reservedVars {
			reserved = append(reserved, name)
		}
		slices.Sort(reserved)
		return object{{"description", "a variable name: letters, digits and _, not starting with a digit"},
			{"type", []string{"string", "boolean"}}, {"pattern", `^[A-Za-z_][A-Za-z0-9_]*$`},
			{"not", object{{"enum", reserved}}}}
	case tCaptures:
		return object{{"description", "a variable name, or a list of them"},
			{"anyOf", []object{ref(tVarName), {{"type", "array"}, {"minItems", 1}, {"uniqueItems", true}, {"items", ref(tVarName)}}}}}
	case tProcess:
		return object{{"description", "the name of a process spawned before"}, {"type", scalar}}
	case tProcName:
		return object{{"description", "letters, digits, _, . and -, such as db or web-1"},
			{"type", scalar}, {"pattern", procNameRE().String()}}
	case tSize:
		return object{{"description", "ROWSxCOLS, such as 24x80, each from 1 to 1000"},
			{"type", "string"}, {"pattern", sizeRE().String()}}
	case tStream:
		return object{{"enum", streams}}
	case tPipe:
		return object{{"const", "pipe"}}
	case tControl:
		return object{{"description", `a letter such as c (for ^C), or one of @ [ \ ] ^ _ and ? (DEL); a leading ^ is allowed`},
			{"type", "string"}, {"pattern", `^\^?[A-Za-z@\[\\\]^_?]$`}}
	case tCaret:
		return object{{"description", `a control key written with a caret: ^ and a letter, or one of @ [ \ ] ^ _ ?; such as ^]`},
			{"type", "string"}, {"pattern", `^\^[A-Za-z@\[\\\]^_?]$`}}
	case tAddr:
		return object{{"description", "host:port, such as 127.0.0.1:8080 or [::1]:8080"},
			{"type", "string"}, {"pattern", `:[+]?[0-9]+$|\$\{`}}
	case tLines:
		return object{{"type", "integer"}, {"minimum", 0}, {"maximum", 1<<31 - 1}}
	case tAttempts:
		return object{{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}
	case tEnv:
		return object{{"description", "environment variables and their values"},
			{"type", []string{"object", "null"}}, {"propertyNames", object{{"pattern", "^[^=\x00]+$"}}},
			{"additionalProperties", ref(tText)}}
	case tVars:
		return object{{"description", "variables and their values"},
			{"type", []string{"object", "null"}}, {"propertyNames", ref(tVarName)},
			{"additionalProperties", ref(tText)}}
	case tMatrix:
		props := make(object, len(matrixForm.fields))
		for i, fl := range matrixForm.fields {
			props[i] = member{fl.name, object{{"$ref", refPath(fl.typ)}, {"description", fl.doc}}}
		}
		return object{{"description", "variables and their lists of values, and include, exclude and csv"},
			{"type", []string{"object", "null"}}, {"propertyNames", ref(tVarName)}, {"properties", props},
			{"additionalProperties", object{{"type", "array"}, {"minItems", 1}, {"items", ref(tText)}}}}
	case tFiles:
		return object{{"description", "files written under ${work} before the steps: relative paths (literal, without ..) and their contents (templates; nothing is an empty file)"},
			{"type", []string{"object", "null"}},
			{"propertyNames", object{{"pattern", `\S`}, {"not", object{{"pattern", `^/|(^|/)\.\.(/|$)|\$\{|\\`}}}}},
			{"additionalProperties", object{{"anyOf", []object{ref(tText), ref(tNull)}}}}}
	case tEcho:
		return object{{"description", "off: the terminal does not echo input (a password prompt); on: it does"},
			{"enum", []string{"on", "off"}}}
	case tHex:
		return object{{"description", "bytes as pairs of hex digits, such as 80ff1b or \"80 ff 1b\""},
			{"type", scalar}, {"pattern", `^ *([0-9A-Fa-f] *[0-9A-Fa-f] *)+$`}}
	case tGolden:
		return object{{"description", "a golden file, relative to the script's directory: the output must equal its content; drover run --update rewrites it"},
			{"type", scalar}, {"pattern", `\S`}}
	case tCSVFile:
		return object{{"description", "a CSV file, relative to the script's directory; its header row names the variables"},
			{"type", scalar}, {"pattern", `\S`}}
	case tEntries:
		return object{{"description", "a list of mappings of variables to values"},
			{"type", []string{"array", "null"}},
			{"items", object{{"type", "object"}, {"minProperties", 1}, {"propertyNames", ref(tVarName)},
				{"additionalProperties", ref(tText)}}}}
	case tSteps:
		return object{{"type", "array"}, {"minItems", 1}, {"items", object{{"$ref", "#/$defs/step"}}}}
	case tStepList:
		return object{{"type", []string{"array", "null"}}, {"items", object{{"$ref", "#/$defs/step"}}}}
	case tMatcher:
		return object{{"description", "text the output contains, or a mapping of checks that must all hold"},
			{"anyOf", []object{ref(tText), formSchema(&matcherForm)}}}
	case tBranches:
		return object{{"description", "alternatives: texts, or mappings with text, re or eof and then"},
			{"type", "array"}, {"minItems", 1},
			{"items", object{{"anyOf", []object{ref(tPattern), formSchema(&branchForm)}}}}}
	case tRetrySpec:
		return formSchema(&retrySpecForm)
	case tVarRef:
		return object{{"description", "the name of a variable defined before, such as addr, each.index or env.HOME"},
			{"type", []string{"string", "boolean"}}, {"pattern", `^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`}}
	case tDataFile:
		return object{{"description", "a file, relative to the script's directory, read when the script is loaded; no ${...}"},
			{"type", scalar}, {"pattern", `\S`}}
	case tItems:
		item := object{{"type", "object"}, {"minProperties", 1}, {"propertyNames", ref(tVarName)},
			{"additionalProperties", ref(tText)}}
		return object{{"description", "a list of texts, or of mappings (each with the same keys) that set one variable per key"},
			{"anyOf", []object{{{"type", "array"}, {"items", ref(tText)}}, {{"type", "array"}, {"items", item}}}}}
	case tSeen:
		return object{{"description", "text, or a mapping with text or re"},
			{"anyOf", []object{ref(tPattern), formSchema(&seenForm)}}}
	case tSeenList:
		return object{{"description", "a list of texts, or mappings with text or re"},
			{"type", "array"}, {"minItems", 1}, {"items", ref(tSeen)}}
	case tRetryWhen:
		return formSchema(&retryWhenForm)
	case tGroup:
		return object{{"description", "the name of a group of define:, the script's own or an imported file's"},
			{"type", "string"}, {"pattern", `^[A-Za-z_][A-Za-z0-9_]*$`}}
	case tImports:
		file := object{{"type", scalar}, {"minLength", 1}}
		return object{{"description", "a file, or a list of files, relative to the importing one"},
			{"anyOf", []object{{{"type", "null"}}, file, {{"type", "array"}, {"items", file}}}}}
	case tJSON:
		return object{{"description", "jq expressions (github.com/itchyny/gojq) and the JSON values they yield, such as {.version: \"1.2\", \".items | length\": 3}"},
			{"type", "object"}, {"minProperties", 1}, {"propertyNames", object{{"minLength", 1}}}}
	case tCapture:
		return object{{"description", "a variable that receives stdout, or a mapping of variables to jq expressions run on stdout read as JSON"},
			{"anyOf", []object{ref(tVarName), {{"type", "object"}, {"minProperties", 1}, {"propertyNames", ref(tVarName)},
				{"additionalProperties", object{{"type", scalar}, {"minLength", 1}}}}}}}
	case tDefines:
		return object{{"description", "named groups of steps, run by call"},
			{"type", []string{"object", "null"}}, {"propertyNames", ref(tVarName)},
			{"additionalProperties", formSchema(&defineForm)}}
	case tRequires:
		o := formSchema(&requiresForm)
		return append(object{{"description", "what the job needs: os, programs"}}, o...)
	case tReason:
		return object{{"description", "why: text that is not blank (true and false are no reason)"},
			{"type", []string{"string", "number"}}, {"pattern", `\S`}}
	case tOSNames:
		name := object{{"enum", knownOS}}
		return object{{"description", "an operating system as Go names it (GOOS): linux, darwin, windows, freebsd..., or a list of them"},
			{"anyOf", []object{name, {{"type", "array"}, {"minItems", 1}, {"items", name}}}}}
	}
	panic(fmt.Sprintf("script: schema: no type %q", t)) // A type missing above.
}

// stepSchema is a step: a mapping with one key, the kind of step.
func stepSchema() object {
	props := make(object, 0, len(stepSpecs))
	for _, s := range stepSpecs {
		var alts []object
		for _, t := range s.short {
			alts = append(alts, ref(t))
		}
		if s.long != nil {
			alts = append(alts, formSchema(s.long))
		}
		v := object{{"description", s.kind + ": " + s.doc}}
		if len(alts) == 1 {
			v = append(v, alts[0]...)
		} else {
			v = append(v, member{"anyOf", alts})
		}
		props = append(props, member{s.kind, v})
	}
	// The sibling keys of a kind (if's then and else) go only beside it.
	one := object{{"maxProperties", 1}}
	var alone []object
	var needs, with object
	for _, k := range builtinKinds() {
		if k.siblings == nil {
			continue
		}
		names := append([]string{k.kind}, k.siblings.names()...)
		for _, fl := range k.siblings.fields {
			props = append(props, member{fl.name, object{{"$ref", refPath(fl.typ)}, {"description", fl.doc + " (beside " + k.kind + ")"}}})
			needs = append(needs, member{fl.name, []string{k.kind}})
		}
		with = append(with, member{k.kind, object{{"propertyNames", object{{"enum", names}}}, {"required", k.siblings.required}}})
		alone = append(alone, object{{"required", []string{k.kind}}})
	}
	o := object{
		{"description", "a step: a mapping with one key, the kind of step (if also takes then and else beside it)"},
		{"type", "object"}, {"minProperties", 1},
		{"properties", props}, {"additionalProperties", false},
		{"anyOf", append([]object{one}, alone...)},
	}
	if len(needs) > 0 {
		o = append(o, member{"dependentRequired", needs}, member{"dependentSchemas", with})
	}
	return o
}

// formSchema is a mapping of the keys of f and no others.
func formSchema(f *form) object {
	props := make(object, len(f.fields))
	for i, fl := range f.fields {
		props[i] = member{fl.name, object{{"$ref", refPath(fl.typ)}, {"description", fl.doc}}}
	}
	o := object{{"type", "object"}, {"properties", props}, {"additionalProperties", false}}
	if f.nonEmpty {
		o = append(o, member{"minProperties", 1})
	}
	if len(f.required) > 0 {
		o = append(o, member{"required", f.required})
	}
	if len(f.oneOf) > 0 {
		alts := make([]object, len(f.oneOf))
		for i, k := range f.oneOf {
			alts[i] = object{{"required", []string{k}}}
		}
		o = append(o, member{"oneOf", alts})
	}
	if len(f.atMostOne) > 0 {
		var pairs []object
		for i, a := range f.atMostOne {
			for _, b := range f.atMostOne[i+1:] {
				pairs = append(pairs, object{{"required", []string{a, b}}})
			}
		}
		o = append(o, member{"not", object{{"anyOf", pairs}}})
	}
	if len(f.needs) > 0 {
		keys := make([]string, 0, len(f.needs))
		for k := range f.needs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		deps := make(object, len(keys))
		for i, k := range keys {
			deps[i] = member{k, []string{f.needs[k]}}
		}
		o = append(o, member{"dependentRequired", deps})
	}
	return o
}

func ref(t valueType) object { return object{{"$ref", refPath(t)}} }

func refPath(t valueType) string { return "#/$defs/" + string(t) }

// signalPattern matches the names the parser accepts: TERM, SIGTERM, term.
func signalPattern() string {
	fold := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if 'A' <= r && r <= 'Z' {
				fmt.Fprintf(&b, "[%c%c]", r, r+'a'-'A')
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	alts := make([]string, len(signalNames))
	for i, name := range signalNames {
		alts[i] = fold(name)
	}
	return "^(" + fold("SIG") + ")?(" + strings.Join(alts, "|") + ")$"
}

// object is a JSON object that keeps its keys in order, so that the schema
// reads as the table does.
type object []member

type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := marshalNoEscape(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape is json.Marshal without HTML escapes, which would make
// patterns such as [<>] hard to read.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
