package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/drover-dev/drover/script"
)

const schemaUsage = `Usage: drover schema

Prints a JSON Schema (draft 2020-12) of the script language, for editors
that check YAML as it is typed (VS Code's YAML extension, or any editor
with yaml-language-server). Save it and name it on a script's first line:

  drover schema > drover.schema.json
  # yaml-language-server: $schema=drover.schema.json

The schema knows every key and the type of every value. What depends on
the rest of a script, such as undefined variables, only "drover check"
finds.

Flags:
`

// cmdSchema is "drover schema".
func cmdSchema(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("schema", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "drover schema: %v\n\n%s%s", err, schemaUsage, fs.FlagUsages())
		return exitUsage
	}
	if *help {
		fmt.Fprintf(stdout, "%s%s", schemaUsage, fs.FlagUsages())
		return exitOK
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "drover schema: no arguments wanted, got %q\n\n%s%s", fs.Args(), schemaUsage, fs.FlagUsages())
		return exitUsage
	}
	if _, err := stdout.Write(script.Schema()); err != nil {
		fmt.Fprintf(stderr, "drover schema: %v\n", err)
		return exitFailed
	}
	return exitOK
}
