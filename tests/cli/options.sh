#!/usr/bin/env bash
# options.sh - the command line every `slate` command shares (cli/args.c): an
# unknown option named in the command's words with a pointer to --help (exit 2),
# --help, -h and `slate help CMD` alike, `--name=VALUE` the same as
# `--name VALUE`, `-oVALUE` and bundled flags, `--` ending the options (so a
# file may begin with `-`), `-` as standard input, a value given to a flag, a
# missing value, a near miss of a long name hinted.  Commands that talk to NATS
# are only given command lines refused before they connect.  Run by
# tests/run.sh with $SLATE set.
set -u
cd "$(dirname "$0")/../.."
SLATE=${SLATE:-build/slate}
case $SLATE in /*) ;; *) SLATE=$PWD/$SLATE ;; esac # the script also runs it from $T
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
POL=tests/cli/run/basic.slate
EV=tests/cli/run/basic.jsonl
UNTIL=2025-03-11T12:00:00Z
bad=0

fail() { echo "options.sh: FAIL: $*" >&2; bad=1; }

# rc WANT CMD...: run CMD (stdout to $T/out, stderr to $T/err), check its status
rc() {
    local want=$1; shift
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; sed 's/^/    /' "$T/err" >&2; }
}

# usage CMD MESSAGE ARGS...: `slate CMD ARGS` is a usage error saying exactly this
usage() {
    local cmd=$1 msg=$2; shift 2
    rc 2 "$SLATE" "$cmd" "$@"
    printf 'slate %s: %s\nTry `slate %s --help`.\n' "$cmd" "$msg" "$cmd" | cmp -s - "$T/err" ||
        { fail "slate $cmd $*: want \"$msg\", got:"; sed 's/^/    /' "$T/err" >&2; }
}

commands=$("$SLATE" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
[ "$(echo "$commands" | wc -w)" -ge 15 ] || fail "commands not found in slate --help"

# ---- every command: unknown options, --help -------------------------------------
for c in $commands; do
    word=option
    [ "$c" = archive ] && word=argument
    usage "$c" "unknown $word \`--no-such-option\`" --no-such-option
    usage "$c" "unknown $word \`-Z\`" -Z
    usage "$c" "unknown $word \`-Zq\`" -Zq
    rc 0 "$SLATE" "$c" --help
    head -1 "$T/out" | grep -q "^usage: slate $c" || fail "$c --help: $(head -1 "$T/out")"
    [ -s "$T/err" ] && fail "$c --help wrote on stderr"
    cp "$T/out" "$T/help"
    rc 0 "$SLATE" "$c" -h
    cmp -s "$T/out" "$T/help" || fail "$c: -h is not --help"
    rc 0 "$SLATE" help "$c"
    cmp -s "$T/out" "$T/help" || fail "$c: \`slate help $c\` is not --help"
done

# the command's own words for a missing value and a flag given one
usage run 'option `--log` needs a value' "$POL" --log
usage run 'option `-o` needs a value' "$POL" -o
usage run '`--strict` takes no value' --strict=yes "$POL"
usage build '-o needs a file name' "$POL" -o
usage test '--coverage-min needs a percentage' --coverage-min
usage diff '`--policy` needs a file' x.db --policy
usage explain '`--pseudonymize-key` needs a file' --pseudonymize-key
usage report '`--from` needs a value' --from
usage gen '`--seed` needs a value' --seed
usage import '`--side` needs a value' --side
usage publish '`--nats` needs a URL' --nats
usage serve '`--drain` needs a number of seconds' --drain
usage archive '`--jsonl` needs a file' --jsonl
usage check 'no policy file given' --werror

# a near miss of a long name is hinted on a line of its own
rc 2 "$SLATE" run --tolerence 5m "$POL" "$EV"
[ "$(cat "$T/err")" = 'slate run: unknown option `--tolerence`
hint: did you mean `--tolerance`?
Try `slate run --help`.' ] || fail "run --tolerence: $(cat "$T/err")"
rc 2 "$SLATE" check -werror "$POL"
grep -qx 'hint: did you mean `--werror`?' "$T/err" || fail "check -werror: no hint"

# ---- --name=VALUE is --name VALUE; -oVALUE is -o VALUE; flags bundle -------------
rc 0 "$SLATE" run -q "$POL" "$EV" --until $UNTIL --log "$T/a.db"
cp "$T/out" "$T/run.a"
rc 0 "$SLATE" run -qo"$T/run.b" --until=$UNTIL --log="$T/b.db" --tolerance=0 "$POL" "$EV"
cmp -s "$T/run.a" "$T/run.b" || fail "run -qoFILE --until=T: other decisions"
rc 0 "$SLATE" run --output="$T/run.c" --quiet "$POL" "$EV" --until "$UNTIL"
cmp -s "$T/run.a" "$T/run.c" || fail "run --output=FILE: other decisions"
case_id=$(head -1 "$EV" | sed 's/.*"case":"\([^"]*\)".*/\1/')

rc 0 "$SLATE" report --from 2025-03-01 --to 2025-04-01 --json "$T/a.db"
cp "$T/out" "$T/report.a"
rc 0 "$SLATE" report --from=2025-03-01 --to=2025-04-01 --json "$T/a.db"
cmp -s "$T/out" "$T/report.a" || fail "report --from=T differs from --from T"
rc 0 "$SLATE" report --html="$T/r.html" "$T/a.db"
[ -s "$T/r.html" ] || fail "report --html=FILE wrote nothing"

rc 0 "$SLATE" diff --policy "$POL" "$T/a.db"
cp "$T/out" "$T/diff.a"
rc 0 "$SLATE" diff --policy="$POL" "$T/a.db"
cmp -s "$T/out" "$T/diff.a" || fail "diff --policy=NEW differs"

rc 0 "$SLATE" explain "$T/a.db" "$case_id"
cp "$T/out" "$T/explain.a"
rc 0 "$SLATE" explain -- "$T/a.db" "$case_id"
cmp -s "$T/out" "$T/explain.a" || fail "explain -- LOG CASE differs"

rc 0 "$SLATE" gen --seed 3 --cases 20 -o "$T/g.a"
rc 0 "$SLATE" gen --seed=3 --cases=20 -o"$T/g.b"
cmp -s "$T/g.a" "$T/g.b" || fail "gen --seed=N --cases=N -oFILE differs"

rc 0 "$SLATE" test --coverage-min=0 -v policies/tests/r01-first-contact.test
rc 2 "$SLATE" test --coverage-min=101 policies/tests/r01-first-contact.test

rc 0 "$SLATE" build -qo"$T/p.slc" "$POL"
[ -s "$T/p.slc" ] || fail "build -qoFILE wrote nothing"
rc 0 "$SLATE" build -q --help
grep -q '^usage: slate build' "$T/out" || fail "build -q --help"

rc 0 "$SLATE" replay -q -- "$T/a.db"

# ---- `--` ends the options; `-` is standard input ----------------------------------
cp "$POL" "$T/-odd.slate"
(cd "$T" && "$SLATE" check -q -- -odd.slate) >"$T/out" 2>&1 || fail "check -- -odd.slate: $(cat "$T/out")"
(cd "$T" && "$SLATE" check -q -odd.slate) >"$T/out" 2>&1
[ $? -eq 2 ] || fail "check -odd.slate (no --) was not a usage error"
(cd "$T" && "$SLATE" fmt --check -- -odd.slate) >/dev/null 2>&1
[ $? -le 1 ] || fail "fmt --check -- -odd.slate"
(cd "$T" && "$SLATE" disasm -- -odd.slate) >"$T/out" 2>&1 || fail "disasm -- -odd.slate"
rc 0 "$SLATE" check -q - <"$POL"
rc 0 "$SLATE" disasm - <"$POL"
rc 0 "$SLATE" run -q "$POL" - --until $UNTIL <"$EV"
cmp -s "$T/out" "$T/run.a" || fail "run POLICY - differs"
rc 0 "$SLATE" run -q --until $UNTIL -- "$POL" "$EV"
cmp -s "$T/out" "$T/run.a" || fail "run --until T -- POL EV differs"
usage run 'too many arguments: one policy, one event file' -q -- "$POL" "$EV" --until $UNTIL

# ---- refused before connecting: the value of --name=VALUE is checked -------------
usage publish '`--partitions` must be 1 to 1024, not `0`' --partitions=0 "$EV"
usage serve '`--lease-ttl` must be 1 to 600 seconds, not `0`' --lease-ttl=0 "$POL"
usage archive '`--timeout` must be 1 to 3600 seconds, not `0`' --jsonl=- --timeout=0
usage archive 'unknown argument `extra`' --jsonl - extra
usage import 'unknown format `nope` (expected volvo, servicenow or nyc311)' nope --side="$T/s" -

exit $bad
