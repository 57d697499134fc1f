#!/usr/bin/env bash
# valgrind.sh - the CLI under valgrind's memcheck: no invalid access, no use of
# uninitialised memory and no leak (definite, indirect or possible) in check,
# build, disasm, fmt, test, run and the log's readers, on good input and on the
# error paths (syntax and semantic errors, rejected event lines, a corrupt image,
# a tampered log; logs of schema versions 2 and 1).  Each command must
# also exit with its documented status.  Skipped when valgrind is not installed.
# Takes about 15 s on an idle machine.
set -u
SLATE=${SLATE:-build/slate}
cd "$(dirname "$0")/../.."
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind not installed, skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
V=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
   --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)

# want, description, command... (stdout and stderr kept in $tmp for a failure)
vg() {
    local want=$1 what=$2; shift 2
    "${V[@]}" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: $what: exit $rc, want $want$([ "$rc" -eq 99 ] && echo ' (valgrind found an error)')"
        grep -E '^==[0-9]+==' "$tmp/err" | head -40
        fails=$((fails + 1))
    fi
}

"$SLATE" gen --cases 20 >"$tmp/events.jsonl" || exit 1
{ head -c 300 "$tmp/events.jsonl"; printf '\n{"case":1}\n[]\n{"case":"x","type":"nope","at":"bad"}\n'
  printf '{"case":"C000001","type":"updated","at":"2025-03-10T01:00:00Z","tier":"nope"}\n'; } >"$tmp/bad.jsonl"

vg 0 "check" "$SLATE" check policies/example.slate
vg 1 "check with errors" "$SLATE" check tests/golden/sem_three_mistakes.slate
vg 1 "check with a syntax error" "$SLATE" check tests/golden/syn_clock_missing_on.slate
vg 0 "build" "$SLATE" build -q -o "$tmp/s.slc" policies/service-2025.slate
vg 1 "build with errors" "$SLATE" build -q -o "$tmp/x.slc" tests/golden/sem_three_mistakes.slate
vg 0 "disasm" "$SLATE" disasm "$tmp/s.slc"
head -c 200 "$tmp/s.slc" >"$tmp/cut.slc"
vg 1 "disasm of a cut image" "$SLATE" disasm "$tmp/cut.slc"
vg 0 "fmt" "$SLATE" fmt policies/example.slate
vg 1 "fmt with a syntax error" "$SLATE" fmt tests/golden/syn_bad_character.slate
vg 0 "test" "$SLATE" test policies/tests/r01-first-contact.test
vg 0 "run from source" "$SLATE" run -q policies/service-2025.slate "$tmp/events.jsonl"
vg 0 "run an image, with rejected lines and a log" \
    "$SLATE" run -q --log "$tmp/log.db" "$tmp/s.slc" "$tmp/bad.jsonl"
vg 0 "run with a log of schema version 1" \
    "$SLATE" run -q --log-schema 1 --log "$tmp/log1.db" "$tmp/s.slc" "$tmp/bad.jsonl"
vg 1 "run a cut image" "$SLATE" run -q "$tmp/cut.slc" "$tmp/events.jsonl"
# the readers: verified, unverified, refused (issue 12)
vg 0 "replay" "$SLATE" replay "$tmp/log.db"
vg 0 "replay of a version 1 log" "$SLATE" replay "$tmp/log1.db"
vg 0 "explain of a version 1 log" "$SLATE" explain "$tmp/log1.db" C000001
vg 0 "report" "$SLATE" report --json "$tmp/log.db"
vg 0 "explain" "$SLATE" explain "$tmp/log.db" C000001
vg 0 "diff" "$SLATE" diff --policy policies/example.slate "$tmp/log.db"
# decision 3's args emptied: in its entry's packed column (version 2), in its
# row (version 1)
cp "$tmp/log.db" "$tmp/bad.db"
cp "$tmp/log1.db" "$tmp/bad1.db"
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$tmp/bad.db" "UPDATE events SET decisions = json_set(decisions, '\$[' || (3 - dseq) || '][7]', \
        json('{}')) WHERE id = (SELECT entry FROM decisions WHERE seq = 3)"
    sqlite3 "$tmp/bad1.db" "UPDATE decisions SET args = '{}' WHERE seq = 3"
    for b in bad bad1; do
        vg 1 "report of a tampered log ($b)" "$SLATE" report "$tmp/$b.db"
        vg 1 "explain of a tampered log ($b)" "$SLATE" explain "$tmp/$b.db" C000001
        vg 0 "explain --no-verify ($b)" "$SLATE" explain --no-verify "$tmp/$b.db" C000001
        vg 1 "diff of a tampered log ($b)" "$SLATE" diff --policy "$tmp/s.slc" "$tmp/$b.db"
    done
    vg 1 "replay of a tampered log" "$SLATE" replay "$tmp/bad.db"
fi

[ "$fails" -eq 0 ] || { echo "valgrind.sh: $fails failed"; exit 1; }
echo "valgrind.sh: ok"
