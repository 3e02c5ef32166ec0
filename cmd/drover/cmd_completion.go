package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

const completionUsage = `Usage: drover completion bash|zsh|fish

Prints a script that teaches the shell to complete drover's commands, its
flags and the *.yaml scripts it runs.

  bash:  source <(drover completion bash)          # in ~/.bashrc
         drover completion bash > /etc/bash_completion.d/drover
  zsh:   source <(drover completion zsh)           # in ~/.zshrc, after compinit
         drover completion zsh > "${fpath[1]}/_drover"
  fish:  drover completion fish > ~/.config/fish/completions/drover.fish

Flags:
`

// completions are the scripts, by shell. The tests check that they name
// every command and every flag of drover run.
var completions = map[string]string{
	"bash": bashCompletion,
	"zsh":  zshCompletion,
	"fish": fishCompletion,
}

// cmdCompletion is "drover completion".
func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("completion", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "drover completion: %v\n\n%s%s", err, completionUsage, fs.FlagUsages())
		return exitUsage
	}
	if *help {
		fmt.Fprintf(stdout, "%s%s", completionUsage, fs.FlagUsages())
		return exitOK
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "drover completion: want one shell: bash, zsh or fish\n\n%s%s", completionUsage, fs.FlagUsages())
		return exitUsage
	}
	s, ok := completions[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "drover completion: unknown shell %q: want bash, zsh or fish\n", fs.Arg(0))
		return exitUsage
	}
	fmt.Fprint(stdout, s)
	return exitOK
}

const bashCompletion = `# bash completion for drover.
# Load it with: source <(drover completion bash)

_drover_scripts() {
    local IFS=$'\n'
    COMPREPLY+=($(compgen -d -- "$cur"))
    COMPREPLY+=($(compgen -f -X '!*.yaml' -- "$cur"))
    COMPREPLY+=($(compgen -f -X '!*.yml' -- "$cur"))
    compopt -o filenames 2>/dev/null
}

_drover() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd= i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    COMPREPLY=()
    case $cmd in
    "")
        COMPREPLY=($(compgen -W "run check schema completion record version help --help --version report" -- "$cur"))
        ;;
    run)
        case $prev in
        -j|--jobs|--var|--run) return ;;
        --shard) COMPREPLY=($(compgen -W "auto auto/" -- "$cur")); return ;;
        --shard-by|--rerun-failed) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur")); COMPREPLY+=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        --timeout) COMPREPLY=($(compgen -W "30s 1m 5m 10m" -- "$cur")); return ;;
        --report) COMPREPLY=($(compgen -W "json= junit=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
        --transcripts) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        esac
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--jobs -j --timeout --var --verbose -v --fail-fast --run --shard --shard-by --report --transcripts --no-skip --update --keep-work --yes --quiet -q --help -h --rerun-failed" -- "$cur"))
        else
            _drover_scripts
        fi
        ;;
    check)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help -h" -- "$cur"))
        else
            _drover_scripts
        fi
        ;;
    completion)
        COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
        ;;
    record)
        case $prev in
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        esac
        for ((i++; i < COMP_CWORD; i++)); do
            if [[ ${COMP_WORDS[i]} == -- ]]; then
                COMPREPLY=($(compgen -c -- "$cur")) # the command to record
                return
            fi
        done
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--output -o --help -h --" -- "$cur"))
        fi
        ;;
    help)
        COMPREPLY=($(compgen -W "run check schema completion record version report" -- "$cur"))
        ;;
    report)
        case $prev in
        -o|--output|--junit|--rerun) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        esac
        if [[ $prev == report ]]; then
            COMPREPLY=($(compgen -W "merge --help -h" -- "$cur"))
        elif [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--output -o --junit --rerun --help -h" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -X '!*.json' -- "$cur")); COMPREPLY+=($(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
        fi
        ;;
    esac
}

complete -F _drover drover
`

const zshCompletion = `#compdef drover
# zsh completion for drover.
# Load it with: source <(drover completion zsh), after compinit.

_drover() {
  local -a commands
  commands=(
    'run:run scripts'
    'check:parse and validate scripts, without running them'
    'schema:print the JSON Schema of the script language'
    'completion:print a shell completion script'
    'record:run a program on this terminal and write the script that replays the session'
    'version:print the version'
    'help:show help'
    'report:join the JSON reports of shards into one (report merge)'
  )
  local curcontext=$curcontext state line
  _arguments -C \
    '(- *)'{-h,--help}'[show help]' \
    '(- *)--version[print the version]' \
    '1: :->command' \
    '*:: :->args' && return
  case $state in
  command)
    _describe -t commands 'drover command' commands
    ;;
  args)
    case $words[1] in
    run)
      _arguments \
        '(-j --jobs)'{-j+,--jobs=}'[run at most N jobs at once]:N: ' \
        '--timeout=[replace every script'\''s timeout]:duration:(30s 1m 5m 10m)' \
        '*--var=[set a variable, overriding vars and matrix]:k=v: ' \
        '(-v --verbose)'{-v,--verbose}'[stream each job'\''s interaction live]' \
        '--fail-fast[at the first failure, stop the rest]' \
        '--no-skip[fail the jobs the scripts would skip]' \
        '--run=[run only the jobs whose name matches]:regex: ' \
        '--shard=[run only shard K of N, or auto from the CI'\''s variables]:K/N:(auto auto/)' \
        '--shard-by=[balance the shards by an earlier JSON report]:report:_files -g "*.json"' \
        '*--report=[write a report]:report:(json= junit=)' \
        '--transcripts=[leave transcripts in DIR]:directory:_directories' \
        '--update[rewrite the golden files with what the programs printed]' \
        '--keep-work[keep each job'\''s work directory]' \
        '--yes[answer yes to every confirm step]' \
        '(-q --quiet)'{-q,--quiet}'[print only the failed jobs and the summary]' \
        '--rerun-failed=[run only the jobs that did not pass in REPORT]:report:_files -g "*.json(-.)"' \
        '(- *)'{-h,--help}'[show help]' \
        '*:script:_files -g "*.(yaml|yml)(-.)"'
      ;;
    check)
      _arguments \
        '(- *)'{-h,--help}'[show help]' \
        '*:script:_files -g "*.(yaml|yml)(-.)"'
      ;;
    completion)
      _values 'shell' bash zsh fish
      ;;
    record)
      _arguments \
        '(-o --output)'{-o+,--output=}'[write the script to FILE]:file:_files' \
        '(- *)'{-h,--help}'[show help]' \
        '*::command:_normal'
      ;;
    help)
      _describe -t commands 'drover command' commands
      ;;
    report)
      _arguments \
        '(- *)'{-h,--help}'[show help]' \
        '1:command:(merge)' \
        '(-o --output)'{-o+,--output=}'[write the merged JSON report to FILE]:file:_files' \
        '--junit=[also write it as JUnit XML to FILE]:file:_files' \
        '*--rerun=[lay the report of a --rerun-failed run over the merge]:report:_files -g "*.json(-.)"' \
        '*:report:_files -g "*.json(-.)"'
      ;;
    esac
    ;;
  esac
}

if [[ $funcstack[1] == _drover ]]; then
  _drover "$@"
else
  compdef _drover drover
fi
`

const fishCompletion = `# fish completion for drover.
# Load it with: drover completion fish > ~/.config/fish/completions/drover.fish

function __drover_needs_command
    for w in (commandline -opc)[2..-1]
        switch $w
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

function __drover_scripts
    set -l cur (commandline -ct)
    for f in $cur*
        if test -d $f
            echo $f/
        else if string match -qr '\.ya?ml$' -- $f
            echo $f
        end
    end
end

complete -c drover -f
complete -c drover -n __drover_needs_command -s h -l help -d 'show help'
complete -c drover -n __drover_needs_command -l version -d 'print the version'
complete -c drover -n __drover_needs_command -a run -d 'run scripts'
complete -c drover -n __drover_needs_command -a check -d 'parse and validate scripts, without running them'
complete -c drover -n __drover_needs_command -a schema -d 'print the JSON Schema of the script language'
complete -c drover -n __drover_needs_command -a completion -d 'print a shell completion script'
complete -c drover -n __drover_needs_command -a record -d 'run a program on this terminal and write the script that replays the session'
complete -c drover -n __drover_needs_command -a version -d 'print the version'
complete -c drover -n __drover_needs_command -a help -d 'show help'
complete -c drover -n __drover_needs_command -a report -d 'join the JSON reports of shards into one (report merge)'

complete -c drover -n '__fish_seen_subcommand_from run' -s j -l jobs -x -d 'run at most N jobs at once'
complete -c drover -n '__fish_seen_subcommand_from run' -l timeout -x -a '30s 1m 5m 10m' -d "replace every script's timeout"
complete -c drover -n '__fish_seen_subcommand_from run' -l var -x -d 'set a variable k=v, overriding vars and matrix'
complete -c drover -n '__fish_seen_subcommand_from run' -s v -l verbose -d "stream each job's interaction live"
complete -c drover -n '__fish_seen_subcommand_from run' -l fail-fast -d 'at the first failure, stop the rest'
complete -c drover -n '__fish_seen_subcommand_from run' -l no-skip -d 'fail the jobs that skip: or requires: would skip'
complete -c drover -n '__fish_seen_subcommand_from run' -l run -x -d 'run only the jobs whose name matches REGEX'
complete -c drover -n '__fish_seen_subcommand_from run' -l shard -x -a 'auto auto/' -d 'run only shard K/N of the jobs, or auto from the CI'
complete -c drover -n '__fish_seen_subcommand_from run' -l shard-by -r -F -d 'balance the shards by an earlier JSON report'
complete -c drover -n '__fish_seen_subcommand_from run' -l report -x -a 'json= junit=' -d 'write a report: json=PATH or junit=PATH'
complete -c drover -n '__fish_seen_subcommand_from run' -l transcripts -x -a '(__fish_complete_directories)' -d 'leave transcripts in DIR'
complete -c drover -n '__fish_seen_subcommand_from run' -l update -d 'rewrite the golden files with what the programs printed'
complete -c drover -n '__fish_seen_subcommand_from run' -l keep-work -d "keep each job's work directory"
complete -c drover -n '__fish_seen_subcommand_from run' -l yes -d 'answer yes to every confirm step'
complete -c drover -n '__fish_seen_subcommand_from run' -s q -l quiet -d 'print only the failed jobs and the summary'
complete -c drover -n '__fish_seen_subcommand_from run' -l rerun-failed -r -F -d 'run only the jobs that did not pass in REPORT'
complete -c drover -n '__fish_seen_subcommand_from run check' -s h -l help -d 'show help'
complete -c drover -n '__fish_seen_subcommand_from run check' -a '(__drover_scripts)'
complete -c drover -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'
complete -c drover -n '__fish_seen_subcommand_from record' -s o -l output -r -F -d 'write the script to FILE'
complete -c drover -n '__fish_seen_subcommand_from record' -s h -l help -d 'show help'
complete -c drover -n '__fish_seen_subcommand_from record' -a '(__fish_complete_command)'
complete -c drover -n '__fish_seen_subcommand_from help' -a 'run check schema completion record version report'
complete -c drover -n '__fish_seen_subcommand_from report; and not __fish_seen_subcommand_from merge' -a merge -d 'join the JSON reports of shards into one'
complete -c drover -n '__fish_seen_subcommand_from merge' -s o -l output -r -F -d 'write the merged JSON report to FILE'
complete -c drover -n '__fish_seen_subcommand_from merge' -l junit -r -F -d 'also write it as JUnit XML to FILE'
complete -c drover -n '__fish_seen_subcommand_from merge' -l rerun -r -F -d 'lay the report of a --rerun-failed run over the merge'
complete -c drover -n '__fish_seen_subcommand_from merge' -s h -l help -d 'show help'
complete -c drover -n '__fish_seen_subcommand_from merge' -F
`
