#!/usr/bin/env bash
# audit.sh - the auditor's commands from the command line, on a log of the
# reference policy over a generated stream: replay matches and prints the head
# the independent recipe computes; report (text, JSON, HTML), explain and diff
# run and exit 0; a tampered log and a forged decision make replay exit 1 with
# the row named; usage errors exit 2.  Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit.sh: $*" >&2; exit 1; }
expect_rc() { # expect_rc RC CMD...: run CMD, output to $tmp/out and $tmp/err
    local want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(head -3 "$tmp/err")"
}

"$SLATE" gen --seed 3 --cases 200 -o "$tmp/events.jsonl" || fail "gen"
expect_rc 0 "$SLATE" run -q --log "$tmp/a.db" --until 2025-04-01T00:00:00Z \
    policies/service-2025.slate "$tmp/events.jsonl"

expect_rc 0 "$SLATE" replay "$tmp/a.db"
grep -q "replay matches: " "$tmp/out" || fail "replay: $(cat "$tmp/out")"
head=$(sed -n 's/.*head \([0-9a-f]\{64\}\)$/\1/p' "$tmp/out")
[ -n "$head" ] || fail "replay printed no head"
if command -v python3 >/dev/null 2>&1; then
    expect_rc 0 python3 tools/verify-log.py "$tmp/a.db"
    grep -q "$head" "$tmp/out" || fail "verify-log.py disagrees: $(cat "$tmp/out")"
fi

expect_rc 0 "$SLATE" report "$tmp/a.db" --html "$tmp/r.html"
grep -q "^first response" "$tmp/out" || fail "report text"
grep -q "<svg" "$tmp/r.html" || fail "report html has no chart"
expect_rc 0 "$SLATE" report --json --from 2025-03-09 --to 2025-03-10 "$tmp/a.db"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cases"] > 0' \
        "$tmp/out" || fail "report --json: no cases in the window"
fi

case_id=$(sqlite3 -batch -noheader "$tmp/a.db" \
    "SELECT case_id FROM decisions WHERE action = 'breach' LIMIT 1" 2>/dev/null)
if [ -n "$case_id" ]; then
    expect_rc 0 "$SLATE" explain "$tmp/a.db" "$case_id"
    grep -q "^clocks (working time elapsed)" "$tmp/out" || fail "explain: $(head -5 "$tmp/out")"
fi
expect_rc 1 "$SLATE" explain "$tmp/a.db" no-such-case

expect_rc 0 "$SLATE" diff --policy policies/service-2025.slate "$tmp/a.db"
grep -q "0 differ" "$tmp/out" || fail "diff against the same policy: $(tail -5 "$tmp/out")"

# usage errors
expect_rc 2 "$SLATE" replay
expect_rc 2 "$SLATE" diff "$tmp/a.db"
expect_rc 2 "$SLATE" report --from nonsense "$tmp/a.db"
expect_rc 3 "$SLATE" replay "$tmp/missing.db"

command -v sqlite3 >/dev/null 2>&1 || { echo "audit.sh: no sqlite3, tampering skipped"; exit 0; }

# a payload edited in place: the chain names the row
cp "$tmp/a.db" "$tmp/b.db"
sqlite3 "$tmp/b.db" "UPDATE events SET payload = replace(payload, '\"type\"', ' \"type\"') WHERE seq = 5"
expect_rc 1 "$SLATE" replay "$tmp/b.db"
grep -q "event seq 5.*edited" "$tmp/err" || fail "edited payload: $(cat "$tmp/err")"

# a decision deleted
cp "$tmp/a.db" "$tmp/c.db"
sqlite3 "$tmp/c.db" "DELETE FROM decisions WHERE seq = 10"
expect_rc 1 "$SLATE" replay "$tmp/c.db"
grep -q "decisions row seq 10 was deleted" "$tmp/err" || fail "deleted decision: $(cat "$tmp/err")"

echo "audit.sh: replay, report, explain, diff and tampering ok"
