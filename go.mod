module github.com/drover-dev/drover

go 1.26.8

require (
	github.com/creack/pty v1.1.24
	github.com/itchyny/gojq v0.12.20
	github.com/spf13/pflag v1.1.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/itchyny/timefmt-go v0.1.9 // indirect
