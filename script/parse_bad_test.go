package script

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover-dev/drover/exec"
)

// TestParseBad parses each script in testdata/bad and checks the exact
// errors, which are part of the user interface.
func TestParseBad(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"alias_bomb":    "testdata/bad/alias_bomb.yaml:7:8: aliases expand to more than 100000 nodes or 1000000 bytes; write the script without them",
		"alias_cycle":   "testdata/bad/alias_cycle.yaml:3:11: alias *steps is inside the value of its own anchor &steps, which would never end",
		"alias_unknown": "testdata/bad/alias_unknown.yaml:3:10: invalid YAML: alias *greeting refers to no anchor &greeting before it",
		"each_files": `testdata/bad/each_files.yaml:2:19: each: lines: ../each/missing.txt: cannot read it: no such file or directory
testdata/bad/each_files.yaml:3:17: each: csv: ../each/ragged.csv:3: the row has 3 fields, the header 2 (name,address)
testdata/bad/each_files.yaml:4:36: each: as: names the variable of an item that is text; the keys of a mapping item, or the header of a csv file, name the variables themselves
testdata/bad/each_files.yaml:5:31: each: in: item 1 lacks key n, which the first item has
testdata/bad/each_files.yaml:6:19: each: lines: "${dir}/hosts.txt" is read when the script is loaded, so its name cannot use variables; for items known only at run time, write split: ${VAR}
testdata/bad/each_files.yaml:7:17: each: csv: ../each/empty.txt: empty: want a header row naming the columns, such as name,address
testdata/bad/each_files.yaml:13:10: log: ${each.index} is set inside the steps of an each, and this step is not one of them
testdata/bad/each_files.yaml:13:10: log: undefined variable "item" (defined: port)`,
		"each_keys": `testdata/bad/each_keys.yaml:2:21: each: in and lines cannot be used together; want one of in, lines, csv or split
testdata/bad/each_keys.yaml:3:16: each: in: want a list of items, texts or mappings, got "www"
testdata/bad/each_keys.yaml:4:20: each: in: item 1: want text, got a mapping
testdata/bad/each_keys.yaml:5:25: each: as: "env" is reserved (for ${env.NAME}); choose another name
testdata/bad/each_keys.yaml:6:5: each: missing key steps: the steps to run for each item
testdata/bad/each_keys.yaml:7:28: each: steps: want at least one step`,
		"json_checks": `testdata/bad/json_checks.yaml:2:53: run: stdout.json: invalid jq expression ".items | lenght": function not defined: lenght/0
testdata/bad/json_checks.yaml:3:46: run: stdout.json: invalid jq expression ".[": unexpected EOF
testdata/bad/json_checks.yaml:4:45: run: stdout.json: want a mapping of jq expressions to the values they yield, such as {.version: "1.2", .items | length: 3}; got a list
testdata/bad/json_checks.yaml:5:43: run: capture.n: invalid jq expression ".x |": unexpected EOF
testdata/bad/json_checks.yaml:5:51: run: capture: invalid variable name "1a": want letters, digits and _, not starting with a digit
testdata/bad/json_checks.yaml:6:50: run: stdout.json .a: .nan is not a JSON number; quote it for the text
testdata/bad/json_checks.yaml:7:39: run: capture: want a variable name, or a mapping of variables to jq expressions; got an empty mapping
testdata/bad/json_checks.yaml:8:19: assert: var: undefined variable "n"
testdata/bad/json_checks.yaml:8:29: assert: json: undefined variable "n"
testdata/bad/json_checks.yaml:8:40: assert: json: invalid jq expression ".a |= ": unexpected EOF`,
		"if_keys": `testdata/bad/if_keys.yaml:3:5: if: missing key then: the steps run when the condition holds, a key beside if
testdata/bad/if_keys.yaml:5:11: if: then: want at least one step
testdata/bad/if_keys.yaml:6:5: if: unknown key "thne" in an if step; want one of: if, then, else
testdata/bad/if_keys.yaml:7:9: if: want a check of ${addr} beside var: one of contains, not_contains, equals, re, empty, lines, json, equals_file
testdata/bad/if_keys.yaml:9:9: if: want a condition, a mapping with var or file and a check such as equals: 42 (contains, not_contains, equals, re, empty, lines, json, equals_file); got "addr"
testdata/bad/if_keys.yaml:11:5: else: goes beside if: in the same step, indented as if: is, without a "- " of its own
testdata/bad/if_keys.yaml:12:5: then: goes beside if: in the same step, indented as if: is, without a "- " of its own
testdata/bad/if_keys.yaml:13:5: a step is a mapping with one key, got 3 keys (if, then, log); begin each step with "- "
testdata/bad/if_keys.yaml:15:5: if: unknown key "log" in an if step; want one of: if, then, else
testdata/bad/if_keys.yaml:16:19: assert: var: undefined variable "total" (defined: addr)
testdata/bad/if_keys.yaml:17:13: assert: want a check of ${addr} beside var: one of contains, not_contains, equals, re, empty, lines, json, equals_file
testdata/bad/if_keys.yaml:17:25: assert: unknown key "eqals" in assert; want one of: var, file, exists, contains, not_contains, equals, re, empty, lines, json, equals_file
testdata/bad/if_keys.yaml:18:32: assert: lines: want a line count (0 or more), got "-1"
testdata/bad/if_keys.yaml:19:11: fail: want a message that says what went wrong, got ""
testdata/bad/if_keys.yaml:20:11: fail: want text, got a list`,
		"bad_duration": `testdata/bad/bad_duration.yaml:1:10: timeout: invalid duration "10": a unit is needed, such as 10s or 10ms
testdata/bad/bad_duration.yaml:3:12: sleep: invalid duration "5 minutes": want a Go duration such as 500ms, 10s or 1m30s (units: ns, us, ms, s, m, h)
testdata/bad/bad_duration.yaml:4:48: wait_port: timeout: want a duration greater than 0, got "0s"
testdata/bad/bad_duration.yaml:5:12: sleep: want a duration greater than 0, got "-1s"`,
		"bad_expect": `testdata/bad/bad_expect.yaml:3:13: expect: empty text matches at once; want some text to wait for
testdata/bad/bad_expect.yaml:4:19: expect: eof: only true means something here; remove the key or write eof: true
testdata/bad/bad_expect.yaml:5:31: expect: stream: want stdout, stderr or both, got "stdin"
testdata/bad/bad_expect.yaml:6:19: expect: any: want a non-empty list of texts or mappings with text, re, eof or timeout; got an empty list
testdata/bad/bad_expect.yaml:7:20: expect: want one of text, re, eof or timeout
testdata/bad/bad_expect.yaml:7:42: expect: unknown key "thne" in any; want one of: text, re, eof, timeout, capture, then
testdata/bad/bad_expect.yaml:8:24: expect: capture goes in each branch of any:, beside its re:
testdata/bad/bad_expect.yaml:9:12: expect: want text to wait for, or a mapping with text, re, eof, any or echo; got nothing`,
		"expect_v2": `testdata/bad/expect_v2.yaml:2:34: spawn: fail_on: want a list of texts or mappings with text or re, such as [Traceback, {re: 'Permission denied'}]; got "Traceback"
testdata/bad/expect_v2.yaml:2:58: spawn: prompt.re: invalid regular expression: missing closing ): ` + "`" + `(> ` + "`" + `
testdata/bad/expect_v2.yaml:3:40: spawn: fail_on.re: invalid regular expression: missing closing ]: ` + "`" + `[a-` + "`" + `
testdata/bad/expect_v2.yaml:3:48: spawn: want one of text or re
testdata/bad/expect_v2.yaml:3:49: spawn: unknown key "eof" in fail_on; want one of: text, re
testdata/bad/expect_v2.yaml:3:61: spawn: fail_on: want text, or a mapping with text or re; got nothing
testdata/bad/expect_v2.yaml:3:73: spawn: prompt: want text, or a mapping with text or re; got a list
testdata/bad/expect_v2.yaml:4:23: expect: timeout: want a duration such as 10s, got true; {timeout: true, then: [...]} is a branch of any: (taken when nothing matched in time), not a pattern
testdata/bad/expect_v2.yaml:5:41: expect: a second timeout branch; any: takes at most one (the first is at 5:33)
testdata/bad/expect_v2.yaml:6:25: expect: before: with eof: true: eof matches all the output left, so nothing comes before it; the output is in the job's log
testdata/bad/expect_v2.yaml:7:31: expect: before: invalid variable name "1st": want letters, digits and _, not starting with a digit`,
		"bad_indent": "testdata/bad/bad_indent.yaml:2:1: invalid YAML: did not find expected '-' indicator; check the indentation of the list's items",
		"bad_regex": "testdata/bad/bad_regex.yaml:4:11: expect: re: invalid regular expression: missing closing ): `Address: (\\d+`\n" +
			"testdata/bad/bad_regex.yaml:5:37: run: stdout.re: invalid regular expression: missing closing ]: `[0-9`",
		"bad_signal": strings.ReplaceAll(`testdata/bad/bad_signal.yaml:3:13: signal: unknown signal "SIGFOO"; want one of: ALL
testdata/bad/bad_signal.yaml:4:19: signal: sig: unknown signal "9"; want one of: ALL`, "ALL", strings.Join(exec.SignalNames(), ", ")),
		"bad_size": `testdata/bad/bad_size.yaml:2:39: spawn: size: want ROWSxCOLS such as 24x80, each from 1 to 1000, got "24*80"
testdata/bad/bad_size.yaml:3:39: spawn: size: want ROWSxCOLS such as 24x80, each from 1 to 1000, got "0x80"
testdata/bad/bad_size.yaml:4:39: spawn: size: want ROWSxCOLS such as 24x80, each from 1 to 1000, got "24x2000"
testdata/bad/bad_size.yaml:5:33: spawn: size: only a terminal has a size; remove it or set tty: true`,
		"bad_steps": `testdata/bad/bad_steps.yaml:2:5: want a step, a mapping with one key such as expect: or send:, got "just a string"
testdata/bad/bad_steps.yaml:3:5: want a step, a mapping with one key such as expect: or send:, got an empty list
testdata/bad/bad_steps.yaml:4:5: want a step, a mapping with one key such as expect: or send:, got an empty mapping
testdata/bad/bad_steps.yaml:5:11: spawn: want a command: a list such as [cat], a shell command line, or a mapping with cmd: or shell:; got nothing
testdata/bad/bad_steps.yaml:6:5: run: want one of cmd or shell
testdata/bad/bad_steps.yaml:7:18: spawn: cmd: want a non-empty list of arguments such as [ls, -l], got an empty list
testdata/bad/bad_steps.yaml:8:19: spawn: name: invalid process name "my proc": want letters, digits, _, . and -, such as db or web-1
testdata/bad/bad_steps.yaml:8:36: spawn: cmd: the program name is empty`,
		"capture_count": `testdata/bad/capture_count.yaml:3:45: expect: capture: 2 names for 1 group in the regular expression; each name takes the text of one (...) group
testdata/bad/capture_count.yaml:4:29: expect: capture needs re: it names the groups of a regular expression
testdata/bad/capture_count.yaml:5:35: expect: capture: 2 names for 1 group in the regular expression; each name takes the text of one (...) group
testdata/bad/capture_count.yaml:5:39: expect: capture: "a" appears twice`,
		"retry_when": `testdata/bad/retry_when.yaml:2:32: retry: when: want a mapping with exit, stdout, stderr or error, such as {stderr: {contains: refused}}; got "refused"
testdata/bad/retry_when.yaml:3:33: retry: unknown key "stdin" in when; want one of: exit, stdout, stderr, error
testdata/bad/retry_when.yaml:4:58: run: exit: want an exit code from 0 to 255, a list of codes, "nonzero" or "any", got "3x"
testdata/bad/retry_when.yaml:4:71: run: when.error: want text the output contains, or a mapping with contains, not_contains, equals, re, empty, lines, json, equals_file; got an empty mapping`,
		"import_cycle": `testdata/bad/import_cycle.yaml:2:5: import: testdata/lib/cycle_a.yaml:1:10: import: testdata/lib/cycle_b.yaml:1:10: import: import cycle: cycle_a.yaml imports cycle_b.yaml imports cycle_a.yaml
testdata/bad/import_cycle.yaml:3:5: import: no file testdata/lib/missing.yaml (imports are relative to the importing script's directory)`,
		"call_params": `testdata/bad/call_params.yaml:9:5: call: group "login" (testdata/bad/call_params.yaml:2:3) needs a value for user, password: give it in with:
testdata/bad/call_params.yaml:10:5: call: group "login" (testdata/bad/call_params.yaml:2:3) needs a value for password: give it in with:
testdata/bad/call_params.yaml:10:43: call: with: "pasword" is not a param of group "login" (testdata/bad/call_params.yaml:2:3); its params: user, password
testdata/bad/call_params.yaml:11:11: call: no group "logn" in define:; did you mean "login"?
testdata/bad/call_params.yaml:12:18: call: no group "nobody" in define:; defined: login
testdata/bad/call_params.yaml:13:5: call: missing key name: the group to run
testdata/bad/call_params.yaml:14:11: call: want the name of a group of define:, or a mapping with name and with; got a list`,
		"call_inside": `testdata/bad/call_inside.yaml:4:5: call login: testdata/lib/broken.yaml:6:30: expect: capture needs re: it names the groups of a regular expression
testdata/bad/call_inside.yaml:4:5: call login: testdata/lib/broken.yaml:7:14: log: undefined variable "password" (defined: user)`,
		"call_recursive": `testdata/bad/call_recursive.yaml:7:5: call ping: testdata/bad/call_recursive.yaml:3:14: call pong: testdata/bad/call_recursive.yaml:5:14: call: group "ping" calls itself (ping calls pong calls ping): a call is read as if its steps were written in its place, which would never end`,
		"setup_type":     `testdata/bad/setup_type.yaml:1:8: setup: want a list of steps, got a mapping`,
		"setup_drive": `testdata/bad/setup_drive.yaml:8:27: send: text: ${host} is a matrix value, or made of one, and setup: runs once for every job: it sees vars: and --var only
testdata/bad/setup_drive.yaml:9:5: free_port: setup: defines "n", a matrix name (line 2): choose another name
testdata/bad/setup_drive.yaml:12:16: send: on: process "dns" is setup:'s (line 7), shared by every job: a job may wait_port on its address but not drive it
testdata/bad/setup_drive.yaml:13:16: terminate: process "dns" is setup:'s (line 7), shared by every job: a job may wait_port on its address but not drive it
testdata/bad/setup_drive.yaml:14:48: wait_port: on: process "dns" is setup:'s (line 7): a job cannot watch it; a wait_port in setup:, after its spawn, does`,
		"capture_order": `testdata/bad/capture_order.yaml:3:17: run: undefined variable "version"`,
		"cmd_string":    `testdata/bad/cmd_string.yaml:2:16: run: cmd: want a list such as [ls, -l] (no shell); for a shell command line write shell: "ls -l /tmp"`,
		"colon_value":   `testdata/bad/colon_value.yaml:3:1: invalid YAML: mapping values are not allowed in this context; quote a value that holds ": "`,
		"control": `testdata/bad/control.yaml:3:21: send: control: want a letter such as c (for ^C), or one of @ [ \ ] ^ _ ? (? is DEL); got "ctrl-c"
testdata/bad/control.yaml:4:21: send: control: want a letter such as c (for ^C), or one of @ [ \ ] ^ _ ? (? is DEL); got "1"`,
		"control_char":  `testdata/bad/control_char.yaml:2:16: control character U+0007 is not allowed; write it as an escape in a double-quoted string, such as "\x07"`,
		"deep_nesting":  "testdata/bad/deep_nesting.yaml:2:106: nesting deeper than 100 levels",
		"duplicate_key": `testdata/bad/duplicate_key.yaml:3:36: expect: key "timeout" appears twice (first at line 3)`,
		"empty":         "testdata/bad/empty.yaml:1:1: empty script: want a mapping with steps:",
		"empty_steps":   "testdata/bad/empty_steps.yaml:2:8: steps: want at least one step",
		"env": `testdata/bad/env.yaml:2:9: env.PATH: undefined variable "bindir"
testdata/bad/env.yaml:3:3: env: invalid environment variable name "A=B"
testdata/bad/env.yaml:4:9: env.EMPTY: want a value (write "" for an empty one), got nothing
testdata/bad/env.yaml:6:28: run: env: want a mapping of variable names to values, got a list`,
		"exclusive": `testdata/bad/exclusive.yaml:3:27: expect: text and re cannot be used together; want one of text, re, eof, any or echo
testdata/bad/exclusive.yaml:4:22: run: cmd and shell cannot be used together; want one of cmd or shell
testdata/bad/exclusive.yaml:5:21: wait: exit and signal cannot be used together: a process either exits or dies of a signal
testdata/bad/exclusive.yaml:6:21: send: text and eof cannot be used together; want one of text, raw, control, eof or hex`,
		"exit": `testdata/bad/exit.yaml:2:31: run: exit: want an exit code from 0 to 255, a list of codes, "nonzero" or "any", got "300"
testdata/bad/exit.yaml:3:35: run: exit: want an exit code from 0 to 255, got "two"
testdata/bad/exit.yaml:4:31: run: exit: want an exit code from 0 to 255, a list of codes, "nonzero" or "any", got "1"
testdata/bad/exit.yaml:5:31: run: exit: want an exit code from 0 to 255, a list of codes, "nonzero" or "any", got an empty list`,
		"invalid_utf8": "testdata/bad/invalid_utf8.yaml:2:13: invalid UTF-8 (byte 0xE9)",
		"filter": `testdata/bad/filter.yaml:3:18: run: shell: unknown filter "shell" in ${file|shell}; want one of: json, re, sh
testdata/bad/filter.yaml:4:10: log: unknown filter "JSON" in ${file|JSON}; want one of: json, re, sh`,
		"flow_var":       `testdata/bad/flow_var.yaml:4:25: invalid YAML: did not find expected ',' or ']'; inside [...] or {...} a value that holds ${bin} must be quoted, such as "${bin}"`,
		"flow_var_lines": `testdata/bad/flow_var_lines.yaml:6:10: invalid YAML: did not find expected ',' or ']'; inside [...] or {...} a value that holds ${x} must be quoted, such as "${x}"`,
		"malformed_yaml": "testdata/bad/malformed_yaml.yaml:3:1: invalid YAML: did not find expected ',' or ']'",
		"match_index": `testdata/bad/match_index.yaml:3:10: log: ${match.index} is set by an expect with any:, and none comes before
testdata/bad/match_index.yaml:13:20: log: undefined variable "why"`,
		"matcher": `testdata/bad/matcher.yaml:4:16: run: unknown key "contain" in stdout; want one of: contains, not_contains, equals, re, empty, lines, json, equals_file
testdata/bad/matcher.yaml:4:35: run: stdout.lines: want a line count (0 or more), got "-1"
testdata/bad/matcher.yaml:5:23: run: stderr.empty: want true or false, got "yes"
testdata/bad/matcher.yaml:5:34: run: stderr.re: invalid regular expression: missing closing ): ` + "`(`" + `
testdata/bad/matcher.yaml:5:53: run: stderr.not_contains: want text or a non-empty list of texts, got an empty list
testdata/bad/matcher.yaml:6:30: run: stdout: want text the output contains, or a mapping with contains, not_contains, equals, re, empty, lines, json, equals_file; got an empty mapping`,
		"matrix": `testdata/bad/matrix.yaml:2:9: matrix.host: want a non-empty list of values such as [a, b], got an empty list
testdata/bad/matrix.yaml:3:9: matrix.port: want a non-empty list of values such as [a, b], got "53"
testdata/bad/matrix.yaml:4:15: matrix.os: want text, got nothing
testdata/bad/matrix.yaml:6:3: vars: "host" is also a matrix name (line 2); use one or the other`,
		"matrix_size":       "testdata/bad/matrix_size.yaml:2:1: matrix: 10 axes make 10000000000 jobs, more than the 100000 a script may make; use fewer values, or split the script",
		"matrix_csv":        "testdata/bad/ragged.csv:3:1: matrix.csv: this row has 3 fields, the header 2 (host, addr)",
		"matrix_csv_header": `testdata/bad/bad_header.csv:1:6: matrix.csv: the header row names the variables: "1addr" is not a variable name (letters, digits and _, not starting with a digit)`,
		"matrix_include": `testdata/bad/matrix_include.yaml:5:7: matrix.include: want a mapping of variables to values, such as {os: linux}; got an empty mapping
testdata/bad/matrix_include.yaml:6:12: matrix.include.os: want text, got a list
testdata/bad/matrix_include.yaml:7:8: matrix.csv: cannot read testdata/bad/no_such.csv: no such file or directory
testdata/bad/matrix_include.yaml:8:8: vars: "arch" is also a matrix name (line 4); use one or the other`,
		"matrix_keys": `testdata/bad/matrix_keys.yaml:3:12: matrix.include: want a list of mappings of variables to values, such as [{os: linux, arch: arm64}]; got a mapping
testdata/bad/matrix_keys.yaml:5:8: matrix.exclude: unknown variable "oss": exclude names the matrix's own variables (os)
testdata/bad/matrix_keys.yaml:6:12: matrix.exclude.os: "windows" is not a value of os (linux, mac)
testdata/bad/matrix_keys.yaml:7:7: matrix.exclude: want a mapping of variables to values, such as {os: linux}; got "linux"
testdata/bad/matrix_keys.yaml:8:8: matrix.csv: want text, got a list`,
		"matrix_none": "testdata/bad/matrix_none.yaml:1:1: matrix: exclude removes every combination and include adds none: the matrix makes no job",
		"merge_key": `testdata/bad/merge_key.yaml:3:37: spawn: size: only a terminal has a size; remove it or set tty: true
testdata/bad/merge_key.yaml:4:27: spawn: <<: want a mapping to merge, got "3"
testdata/bad/merge_key.yaml:5:5: spawn: want one of cmd or shell
testdata/bad/merge_key.yaml:5:17: spawn: <<: want a mapping or a list of mappings to merge, got "text"`,
		"missing_steps": `testdata/bad/missing_steps.yaml:1:1: missing key "steps": a script needs at least one step`,
		"multi_doc":     "testdata/bad/multi_doc.yaml:3:1: a second YAML document: a script is one document (remove the ---)",
		"multi_key_step": `testdata/bad/multi_key_step.yaml:3:5: a step is a mapping with one key, got 2 keys (expect, timeout); indent timeout under expect: as its options
testdata/bad/multi_key_step.yaml:5:5: a step is a mapping with one key, got 2 keys (send, expect); begin each step with "- "`,
		"no_process": `testdata/bad/no_process.yaml:4:5: expect: no process to act on: expect acts on the last process spawned, and no spawn comes before it
testdata/bad/no_process.yaml:5:5: wait: no process to act on: wait acts on the last process spawned, and no spawn comes before it
testdata/bad/no_process.yaml:7:5: terminate: no process to act on: terminate acts on the last process spawned, and no spawn comes before it`,
		"not_mapping": "testdata/bad/not_mapping.yaml:1:1: want a mapping with steps: and keys such as name:, got a list",
		"fanout_keys": `testdata/bad/fanout_keys.yaml:1:8: locks: want text or a non-empty list of texts, got a mapping
testdata/bad/fanout_keys.yaml:3:16: free_port: want the name of a variable to receive the port, got a list
testdata/bad/fanout_keys.yaml:4:16: free_port: invalid variable name "9lives": want letters, digits and _, not starting with a digit
testdata/bad/fanout_keys.yaml:5:10: log: undefined variable "port"`,
		"runbook_keys": `testdata/bad/runbook_keys.yaml:2:42: run: attempts: want a number of attempts from 1 to 1000 (the first included), got "0"
testdata/bad/runbook_keys.yaml:2:60: run: max_duration: invalid duration "soon": want a Go duration such as 500ms, 10s or 1m30s (units: ns, us, ms, s, m, h)
testdata/bad/runbook_keys.yaml:3:31: run: retry: want a mapping with attempts and delay, such as {attempts: 3, delay: 1s}; got "3"
testdata/bad/runbook_keys.yaml:4:5: retry: missing key attempts: how many times to try in all
testdata/bad/runbook_keys.yaml:4:31: retry: steps: want at least one step
testdata/bad/runbook_keys.yaml:5:5: retry: missing key steps: the steps to try again`,
		"on_unknown": `testdata/bad/on_unknown.yaml:4:30: expect: on: unknown process "dsn" (spawned before this step: dns, nslookup)
testdata/bad/on_unknown.yaml:5:16: terminate: unknown process "dsn" (spawned before this step: dns, nslookup)
testdata/bad/on_unknown.yaml:6:28: signal: on: unknown process "web" (spawned before this step: dns, nslookup)`,
		"run_tty_stderr": "testdata/bad/run_tty_stderr.yaml:2:51: run: stderr: under tty: true stderr is the terminal, mixed with stdout; check stdout instead",
		"resize": `testdata/bad/resize.yaml:3:13: resize: size: want ROWSxCOLS such as 24x80, each from 1 to 1000, got "40*120"
testdata/bad/resize.yaml:4:20: resize: size: want ROWSxCOLS such as 24x80, each from 1 to 1000, got "0x80"
testdata/bad/resize.yaml:5:5: resize: missing key size: the terminal's new size, ROWSxCOLS such as 40x120
testdata/bad/resize.yaml:6:13: resize: want the terminal's new size, ROWSxCOLS such as 40x120, or a mapping with size and on; got a list
testdata/bad/resize.yaml:7:32: resize: on: unknown process "nobody" (spawned before this step: cat)`,
		"echo": `testdata/bad/echo.yaml:3:20: expect: echo: want off (wait until the terminal stops echoing input) or on (until it echoes again), got "false"
testdata/bad/echo.yaml:4:20: expect: echo: want off (wait until the terminal stops echoing input) or on (until it echoes again), got "maybe"
testdata/bad/echo.yaml:5:25: expect: stream: is about output, and echo: waits for the terminal's mode, not for output; remove it
testdata/bad/echo.yaml:5:41: expect: idle_timeout: is about output, and echo: waits for the terminal's mode, not for output; remove it
testdata/bad/echo.yaml:6:25: expect: echo and text cannot be used together; want one of text, re, eof, any or echo
testdata/bad/echo.yaml:7:24: expect: before: is about output, and echo: waits for the terminal's mode, not for output; remove it`,
		"send_bytes": `testdata/bad/send_bytes.yaml:3:17: send: hex: want bytes as pairs of hex digits, such as 80ff1b or "80 ff 1b"; got "80f"
testdata/bad/send_bytes.yaml:4:17: send: hex: want bytes as pairs of hex digits, such as 80ff1b or "80 ff 1b"; got "0x80"
testdata/bad/send_bytes.yaml:5:17: send: hex: want bytes as pairs of hex digits, such as 80ff1b or "80 ff 1b"; got ""
testdata/bad/send_bytes.yaml:6:24: send: pace: paces the characters of text, raw or hex; a control key or eof is one keystroke
testdata/bad/send_bytes.yaml:7:30: send: pace: want a duration greater than 0, got "0s"
testdata/bad/send_bytes.yaml:8:21: send: hex and text cannot be used together; want one of text, raw, control, eof or hex`,
		"send_null": `testdata/bad/send_null.yaml:3:10: send: want text to send (send: "" sends just a newline), or a mapping with text, raw, control, eof or hex; got nothing
testdata/bad/send_null.yaml:4:9: log: want text, got nothing`,
		"shell_var": `testdata/bad/shell_var.yaml:2:10: run: undefined variable "HOME"; for the shell's own variable write $${HOME}
testdata/bad/shell_var.yaml:3:20: spawn: shell: undefined variable "f"; for the shell's own variable write $${f}`,
		"stdin_from": `testdata/bad/stdin_from.yaml:2:53: spawn: stdin_from: unknown process "producer" (no spawn comes before this step)`,
		"stdin_from_tty": `testdata/bad/stdin_from_tty.yaml:3:59: spawn: stdin_from: sw is spawned under a tty (line 2), and a process that feeds stdin_from needs tty: false
testdata/bad/stdin_from_tty.yaml:6:58: spawn: stdin_from: w is spawned under a tty (line 5), and a process that feeds stdin_from needs tty: false
testdata/bad/stdin_from_tty.yaml:8:59: spawn: stdin_from: v is spawned under a tty (line 12), and a process that feeds stdin_from needs tty: false`,
		"tab": "testdata/bad/tab.yaml:2:1: invalid YAML: found character that cannot start any token; indent with spaces, not tabs, and quote a value that starts with @ or `",
		"template_syntax": `testdata/bad/template_syntax.yaml:2:10: log: unterminated "${" in "${host"; write ${name} for a variable, $$ for a literal $
testdata/bad/template_syntax.yaml:3:10: log: empty variable name in "${}"; write $$ for a literal $
testdata/bad/template_syntax.yaml:4:10: log: invalid variable name "first name" in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}
testdata/bad/template_syntax.yaml:5:10: log: invalid variable name "env." in ${...}: want letters, digits and _, such as ${host} or ${env.HOME}`,
		"template_size": `testdata/bad/template_size.yaml:10:7: vars.v7: expands to 10000000 bytes, more than the 1048576 bytes (1 MiB) a value may have
testdata/bad/template_size.yaml:17:10: log: expands to 2000000 bytes, more than the 1048576 bytes (1 MiB) a value may have`,
		"too_many":        tooManyWant(),
		"unclosed_quote":  "testdata/bad/unclosed_quote.yaml:3:1: invalid YAML: found unexpected end of stream; is a quote or bracket left open?",
		"undefined_var":   `testdata/bad/undefined_var.yaml:4:11: send: undefined variable "hots" (defined: host, port)`,
		"unknown_key":     `testdata/bad/unknown_key.yaml:4:7: expect: unknown key "tiemout" in expect; want one of: text, re, eof, any, stream, capture, before, timeout, idle_timeout, on, echo`,
		"unknown_step":    "testdata/bad/unknown_step.yaml:3:5: unknown step \"expcet\"; did you mean \"expect\"?\ntestdata/bad/unknown_step.yaml:4:5: unknown step \"frobnicate\"; want one of: run, spawn, expect, send, wait, signal, resize, terminate, wait_port, free_port, retry, call, each, if, assert, fail, sleep, log, interact, confirm, ask",
		"unknown_top_key": `testdata/bad/unknown_top_key.yaml:2:1: unknown key "stpes" in script; want one of: name, timeout, env, vars, matrix, locks, setup, import, define, steps, finally, skip, requires, files`,
		"var_names": `testdata/bad/var_names.yaml:2:3: vars: invalid variable name "1st": want letters, digits and _, not starting with a digit
testdata/bad/var_names.yaml:3:3: vars: "env" is reserved (for ${env.NAME}); choose another name
testdata/bad/var_names.yaml:6:33: run: capture: invalid variable name "the date": want letters, digits and _, not starting with a digit
testdata/bad/var_names.yaml:8:37: expect: capture: "match" is reserved (for ${match.index}); choose another name`,
		"wait_port": `testdata/bad/wait_port.yaml:2:16: wait_port: want host:port such as 127.0.0.1:8080 or [::1]:8080, got "localhost"
testdata/bad/wait_port.yaml:3:16: wait_port: want host:port such as 127.0.0.1:8080 or [::1]:8080, got "localhost:99999"
testdata/bad/wait_port.yaml:4:5: wait_port: missing key addr: the host:port to connect to
testdata/bad/wait_port.yaml:5:16: wait_port: want host:port such as 127.0.0.1:8080 or [::1]:8080, got "8080"
testdata/bad/wait_port.yaml:6:43: wait_port: on: unknown process "dns" (no spawn comes before this step)
testdata/bad/wait_port.yaml:8:43: wait_port: on: unknown process "wbe" (spawned before this step: web)`,
		"wrong_type": `testdata/bad/wrong_type.yaml:1:10: timeout: want a duration such as 10s, got a list
testdata/bad/wrong_type.yaml:3:30: spawn: tty: want true or false, got "yes"
testdata/bad/wrong_type.yaml:4:13: expect: want text to wait for, or a mapping with text, re, eof, any or echo; got a list
testdata/bad/wrong_type.yaml:5:30: run: exit: want an exit code from 0 to 255, a list of codes, "nonzero" or "any", got "maybe"`,
		"human": `testdata/bad/human.yaml:3:14: confirm: want text, got a list
testdata/bad/human.yaml:4:14: confirm: want the question to ask, got "  "
testdata/bad/human.yaml:5:5: ask: missing key var: the variable to set
testdata/bad/human.yaml:6:16: ask: var: host is declared in vars: or matrix: already; ask declares it, and --var host=... answers it
testdata/bad/human.yaml:7:28: ask: secret: want true or false, got "maybe"
testdata/bad/human.yaml:8:10: ask: want a mapping with var, and prompt and secret if needed; got "pw"
testdata/bad/human.yaml:9:16: ask: var: invalid variable name "1x": want letters, digits and _, not starting with a digit
testdata/bad/human.yaml:9:20: ask: unknown key "echo" in ask; want one of: var, prompt, secret`,
		"requires_os": `testdata/bad/requires_os.yaml:2:15: requires.os: unknown operating system "macos" (Go calls it darwin); want Go's name of one: aix, android, darwin, dragonfly, freebsd, illumos, ios, js, linux, netbsd, openbsd, plan9, solaris, wasip1, windows
testdata/bad/requires_os.yaml:2:22: requires.os: unknown operating system "Windows" (did you mean windows?); want Go's name of one: aix, android, darwin, dragonfly, freebsd, illumos, ios, js, linux, netbsd, openbsd, plan9, solaris, wasip1, windows`,
		"requires_type": `testdata/bad/requires_type.yaml:2:11: requires: want a mapping with os: or programs:, such as {programs: [jq]}, got "jq"`,
		"requires_keys": `testdata/bad/requires_keys.yaml:1:16: requires.os: want an operating system such as linux, or a non-empty list of them, got an empty list
testdata/bad/requires_keys.yaml:1:20: unknown key "program" in requires; want one of: os, programs
testdata/bad/requires_keys.yaml:1:46: requires.programs: undefined variable "prog"`,
		"skip_type":  `testdata/bad/skip_type.yaml:1:7: skip: want text, got a list`,
		"skip_blank": `testdata/bad/skip_blank.yaml:1:7: skip: want the reason to skip the job, got "  "`,
		"skip_bool":  "testdata/bad/skip_bool.yaml:1:7: skip: want the reason to skip the job, such as skip: flaky on CI, got false; to run the job, leave skip: out",
		"work_files": `testdata/bad/work_files.yaml:2:3: files: "/etc/passwd": an absolute path; want one relative to ${work}
testdata/bad/work_files.yaml:3:3: files: "../escape.txt": has .., which may leave ${work}; want a path inside it, without ..
testdata/bad/work_files.yaml:6:22: assert: var and file cannot be used together; want one of var or file
testdata/bad/work_files.yaml:7:13: assert: want a check of the file beside file: exists: true or false, or one of contains, not_contains, equals, re, empty, lines, json, equals_file
testdata/bad/work_files.yaml:8:22: assert: exists: checks a file: it goes with file:, not var:
testdata/bad/work_files.yaml:9:36: assert: exists: a file that must not exist has no content to check; remove exists: false or the checks beside it
testdata/bad/work_files.yaml:10:46: run: stdout.equals_file: want the path of a golden file, relative to the script's directory`,
		"interact": `testdata/bad/interact.yaml:3:24: interact: escape: want a control key written with a caret, such as "^]" (^ and a letter, or one of @ [ \ ] ^ _ ?); got "]"
testdata/bad/interact.yaml:4:24: interact: escape: want a control key written with a caret, such as "^]" (^ and a letter, or one of @ [ \ ] ^ _ ?); got "ctrl-]"
testdata/bad/interact.yaml:5:23: interact: until: want text, or a mapping with text or re; got a list
testdata/bad/interact.yaml:6:33: interact: text and re cannot be used together; want one of text or re
testdata/bad/interact.yaml:7:26: interact: optional: want true or false, got "yes"
testdata/bad/interact.yaml:8:15: interact: want nothing (- interact:) or a mapping with escape, until, optional, on; got "logout"
testdata/bad/interact.yaml:9:16: interact: unknown key "timeout" in interact; want one of: escape, until, optional, on
testdata/bad/interact.yaml:10:24: interact: escape: ^@ (NUL, which Ctrl-Space types too) cannot be the escape key; ^] is the usual one`,
	}
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := tests[strings.TrimSuffix(filepath.Base(f), ".yaml")]; !ok {
			t.Errorf("%s has no test", f)
		}
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := "testdata/bad/" + name + ".yaml"
			s, err := ParseFile(file)
			if err == nil {
				t.Fatalf("ParseFile(%s) = %+v, want an error", file, s)
			}
			if s != nil {
				t.Errorf("ParseFile(%s) returned a Script with its error", file)
			}
			if got := err.Error(); got != want {
				t.Errorf("ParseFile(%s) error:\n%s\nwant:\n%s", file, got, want)
			}
			list, ok := errors.AsType[ErrorList](err)
			if !ok || len(list) == 0 || len(list) > maxErrors {
				t.Errorf("error is %T of %d errors; want an ErrorList of 1 to %d", err, len(list), maxErrors)
			}
		})
	}
}

func tooManyWant() string {
	var b strings.Builder
	for i := 1; i < maxErrors; i++ {
		fmt.Fprintf(&b, "testdata/bad/too_many.yaml:%d:12: sleep: invalid duration \"%d\": a unit is needed, such as %ds or %dms\n", i+2, i, i, i)
	}
	b.WriteString("testdata/bad/too_many.yaml: too many errors (6 more not shown)")
	return b.String()
}

// TestParseScopes checks what each step sees: captures of then: branches
// are seen in the branch and after the expect, not in sibling branches;
// finally: sees everything the steps define.
func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string // want is the error, "" for none
	}{
		{"sibling branch", `steps:
  - spawn: [cat]
  - expect:
      any:
        - {re: 'a(.)', capture: x, then: [{run: {cmd: [echo], capture: y}}]}
        - {text: b, then: [{log: "${x}"}]}
  - log: ${x} ${y} ${match.index}
`, `t.yaml:6:34: log: undefined variable "x"`},
		{"nested then", `steps:
  - spawn: [cat]
  - expect:
      any:
        - re: 'a(.)'
          capture: x
          then:
            - spawn: {name: inner, cmd: [cat]}
            - expect: {any: [{re: '(.)', capture: z, then: [{log: "${x} ${z}"}]}], on: inner}
  - log: ${z}
  - terminate: inner
`, ""},
		{"finally sees all", `finally:
  - log: ${late}
  - terminate: web
steps:
  - spawn: {name: web, cmd: [cat]}
  - run: {cmd: [date], capture: late}
`, ""},
		{"finally own order", `finally:
  - log: ${later}
  - run: {cmd: [date], capture: later}
steps:
  - log: hi
`, `t.yaml:2:10: log: undefined variable "later"`},
		{"capture used by own step", `steps:
  - run: {cmd: [echo, "${out}"], capture: out}
`, `t.yaml:2:23: run: cmd: undefined variable "out"`},
		{"vars order", `vars:
  b: ${a}
  a: "1"
steps:
  - log: ${b}
`, `t.yaml:2:6: vars.b: undefined variable "a"`},
		{"env not a variable", `steps:
  - log: ${env}
`, `t.yaml:2:10: log: undefined variable "env"`},
		{"respawn keeps name", `steps:
  - spawn: {name: a, cmd: [cat]}
  - terminate: a
  - spawn: {name: a, cmd: [cat]}
  - send: {text: x, on: a}
`, ""},
		{"signal without sig or spawn", `steps:
  - signal: {}
`, `t.yaml:2:5: signal: no process to act on: signal acts on the last process spawned, and no spawn comes before it
t.yaml:2:5: signal: missing key sig: the signal to send, such as TERM`},
		{"run retry without attempts", `steps:
  - run: {cmd: [date], retry: {delay: 1s}}
`, `t.yaml:2:31: run: missing key attempts: how many times to try in all`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("t.yaml", []byte(tt.src))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Parse error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestParseHostile feeds Parse inputs built to make a careless parser
// slow (quadratic work per error or per name); each must finish quickly
// with at most maxErrors errors.
func TestParseHostile(t *testing.T) {
	t.Parallel()
	gen := func(f func(b *strings.Builder)) []byte {
		var b strings.Builder
		f(&b)
		return []byte(b.String())
	}
	tests := map[string][]byte{
		"many vars, many undefined": gen(func(b *strings.Builder) {
			b.WriteString("vars:\n")
			for i := range 20_000 {
				fmt.Fprintf(b, "  v%d: x\n", i)
			}
			b.WriteString("steps:\n")
			for i := range 5_000 {
				fmt.Fprintf(b, "  - run: {cmd: [echo, '${u%d}'], capture: c%d}\n", i, i)
			}
		}),
		"long capture list": gen(func(b *strings.Builder) {
			b.WriteString("steps:\n  - spawn: [cat]\n  - expect: {re: '(.)', capture: [")
			for i := range 50_000 {
				fmt.Fprintf(b, "c%d, c%d, ", i, i)
			}
			b.WriteString("]}\n")
		}),
		"many unknown steps": gen(func(b *strings.Builder) {
			b.WriteString("steps:\n")
			for range 20_000 {
				fmt.Fprintf(b, "  - %s: x\n", strings.Repeat("expcet", 5))
			}
		}),
		"many refs in one value": gen(func(b *strings.Builder) {
			b.WriteString("steps:\n  - log: '")
			for i := range 100_000 {
				fmt.Fprintf(b, "${v%d}", i)
			}
			b.WriteString("'\n")
		}),
		"wide env": gen(func(b *strings.Builder) {
			b.WriteString("env:\n")
			for i := range 50_000 {
				fmt.Fprintf(b, "  E%d: ${x}\n", i)
			}
			b.WriteString("steps: [{log: x}]\n")
		}),
		"many processes": gen(func(b *strings.Builder) {
			b.WriteString("steps:\n")
			for i := range 10_000 {
				fmt.Fprintf(b, "  - spawn: {name: p%d, cmd: [cat]}\n  - terminate: q%d\n", i, i)
			}
		}),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("h.yaml", src)
			list, ok := errors.AsType[ErrorList](err)
			if !ok || len(list) != maxErrors {
				t.Fatalf("got %d errors (%T), want %d", len(list), err, maxErrors)
			}
			if last := list[maxErrors-1].Error(); !strings.HasPrefix(last, "h.yaml: too many errors") {
				t.Errorf("last error %q, want h.yaml: too many errors...", last)
			}
		})
	}
}
