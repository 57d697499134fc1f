#!/usr/bin/env bash
# completion.sh - the bash completion (tools/completion/slate.bash): subcommands,
# every command's options (read from its --help), option arguments and operands
# completed as files of the right extension.  The zsh one is parsed by zsh when
# zsh is installed.  Each case runs the completion function as bash's
# `complete -F` would, with COMP_WORDS set, in a directory of sample files.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "completion.sh: $*" >&2; bad=1; }

mkdir -p "$tmp/bin" "$tmp/w/sub"
ln -s "$(realpath "$SLATE")" "$tmp/bin/slate"
touch "$tmp/w/a.slate" "$tmp/w/b.slc" "$tmp/w/e.jsonl" "$tmp/w/log.db" "$tmp/w/t.test" \
      "$tmp/w/data.csv" "$tmp/w/notes.txt"

# complete WORDS...: the completions for the last word, sorted, one a line
complete_words() {
    (cd "$tmp/w" && PATH="$tmp/bin:$PATH" bash --norc --noprofile -c '
        source "$0"
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        _slate
        printf "%s\n" "${COMPREPLY[@]}" | sort' "$root/tools/completion/slate.bash" "$@" 2>&1)
}
# expect "WORDS" "WANT..."  (each WANT must be offered); unwanted: `!NAME`.
# The word completed is empty, or $CUR.
expect() {
    local words=$1; shift
    local got
    # shellcheck disable=SC2086
    got=$(complete_words $words "${CUR:-}")
    for w in "$@"; do
        case $w in
            !*) grep -qx -- "${w#!}" <<<"$got" && fail "'$words <TAB>' offers ${w#!}: $(echo $got)" ;;
            *) grep -qx -- "$w" <<<"$got" || fail "'$words <TAB>' does not offer $w: $(echo $got)" ;;
        esac
    done
}

expect "slate" check build fmt test run replay diff explain report import lsp help
expect "slate check" a.slate sub '!b.slc' '!notes.txt' '!e.jsonl'
expect "slate fmt -w" a.slate '!log.db'
expect "slate run" a.slate b.slc '!e.jsonl'
expect "slate run a.slate" e.jsonl '!a.slate'
expect "slate run --log" log.db '!a.slate'
expect "slate run --log x.db a.slate" e.jsonl '!log.db'
expect "slate disasm" b.slc a.slate '!log.db'
expect "slate replay" log.db '!a.slate'
expect "slate diff --policy" a.slate b.slc '!log.db'
expect "slate diff --policy a.slate" log.db '!a.slate'
expect "slate test" t.test sub '!a.slate'
expect "slate import" volvo servicenow nyc311 '!data.csv'
expect "slate import volvo" data.csv '!a.slate'
expect "slate help" check lsp
expect "slate run -o" e.jsonl a.slate notes.txt

# options: every option a command's --help lists is offered after `-`
cmds=$(sed -n 's/^CMD(\([a-z]*\),.*/\1/p' cli/commands.def)
[ "$(echo "$cmds" | wc -l)" -ge 15 ] || fail "no commands read from cli/commands.def"
for c in $cmds; do
    got=$(cd "$tmp/w" && PATH="$tmp/bin:$PATH" bash --norc --noprofile -c '
        source "$0"; COMP_WORDS=(slate "$1" -); COMP_CWORD=2; _slate; printf "%s\n" "${COMPREPLY[@]}"' \
        "$root/tools/completion/slate.bash" "$c")
    grep -qx -- --help <<<"$got" || fail "slate $c -<TAB>: no --help"
    for o in $("$SLATE" "$c" --help | sed -n 's/^ \{1,\}\(--[a-z][-a-z]*\).*/\1/p'); do
        grep -qx -- "$o" <<<"$got" || fail "slate $c -<TAB> does not offer $o"
    done
done
CUR=-- expect "slate run" --log --quiet --tolerance --until '!--werror'
CUR=- expect "slate check" --werror -q '!--log'

if command -v zsh > /dev/null 2>&1; then
    zsh -n tools/completion/_slate || fail "_slate does not parse in zsh"
else
    echo "completion.sh: zsh not installed, _slate not parsed"
fi
bash -n tools/completion/slate.bash || fail "slate.bash does not parse"
exit $bad
