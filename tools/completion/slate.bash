# slate.bash - bash completion for `slate` (issue 15): subcommands, each
# command's options, and files by extension (policies *.slate, images *.slc,
# events *.jsonl, decision logs *.db, tests *.test, CSV for import).
#
# The subcommands and options are read from `slate --help` and
# `slate COMMAND --help` when first needed, so they follow the program
# installed; the file kinds each command takes are known here.
# Installed by `make install` as PREFIX/share/bash-completion/completions/slate.

# _slate_options CMD: the options `slate CMD --help` lists (cached per command).
_slate_options()
{
    local cmd=$1 var="_slate_opts_${1//-/_}"
    if [[ -z ${!var+x} ]]; then
        printf -v "$var" '%s' "$("${_slate_prog:-slate}" "$cmd" --help 2>/dev/null |
            sed -n 's/^ \{1,\}\(-[-a-zA-Z0-9][-a-zA-Z0-9]*\)\(, \(--[-a-zA-Z0-9]*\)\)\{0,1\}.*/\1 \3/p')"
    fi
    printf '%s\n' "${!var}"
}

_slate_commands()
{
    if [[ -z ${_slate_cmds+x} ]]; then
        _slate_cmds=$("${_slate_prog:-slate}" --help 2>/dev/null |
            sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
    fi
    printf '%s\n' "$_slate_cmds" help
}

# _slate_files PATTERN: files matching the extglob PATTERN, and directories.
_slate_files()
{
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -f -X "!$1" -- "$cur") $(compgen -d -- "$cur"))
}

_slate()
{
    local cur prev cmd i
    _slate_prog=${COMP_WORDS[0]}
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$(_slate_commands) --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    if [[ $cmd == help ]]; then
        [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "$(_slate_commands)" -- "$cur"))
        return
    fi

    # the argument of an option
    case $prev in
        -o|--jsonl) _slate_files '*'; return ;;
        --policy) _slate_files '*.@(slate|slc)'; return ;;
        --log) _slate_files '*.db'; return ;;
        --html) _slate_files '*.html'; return ;;
        --side|--pseudonymize-key) _slate_files '*'; return ;;
        --log-sync) COMPREPLY=($(compgen -W "full normal" -- "$cur")); return ;;
        --seed|--cases|--rate|--start|--complaint-rate|--until|--tolerance|--max-skip|--log-batch|\
        --coverage-min|--from|--to|--partitions|--nats|--replicas|--timeout|--worker|\
        --checkpoint-every|--metrics|--lease-ttl|--drain)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_slate_options "$cmd") --help" -- "$cur"))
        return
    fi

    # the operands: how many came before this one (options and their values skipped)
    local n=0 w
    for ((i = 2; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
            -o|--jsonl|--policy|--log|--html|--side|--pseudonymize-key|--log-sync|--seed|--cases|\
            --rate|--start|--complaint-rate|--until|--tolerance|--max-skip|--log-batch|\
            --coverage-min|--from|--to|--partitions|--nats|--replicas|--timeout|--worker|\
            --checkpoint-every|--metrics|--lease-ttl|--drain) ((i++)) ;;
            -*) ;;
            *) ((n++)) ;;
        esac
    done
    case $cmd in
        check|fmt|build|lsp) _slate_files '*.slate' ;;
        test) _slate_files '*.test' ;;
        disasm|serve) _slate_files '*.@(slc|slate)' ;;
        run) if [[ $n -eq 0 ]]; then _slate_files '*.@(slate|slc)'; else _slate_files '*.jsonl'; fi ;;
        replay|diff|report) _slate_files '*.db' ;;
        explain) [[ $n -eq 0 ]] && _slate_files '*.db' ;;
        import) if [[ $n -eq 0 ]]; then COMPREPLY=($(compgen -W "volvo servicenow nyc311" -- "$cur"))
                else _slate_files '*.csv'; fi ;;
        publish) _slate_files '*.jsonl' ;;
    esac
}

# extglob is needed by the file patterns above
shopt -s extglob
complete -F _slate slate
