#!/usr/bin/env bash
# audit.sh - the auditor's commands from the command line, on a log of the
# reference policy over a generated stream: replay matches and prints the head
# the independent recipe computes; report (text, JSON, HTML), explain and diff
# run and exit 0; a tampered log and a forged decision (the chain rebuilt after
# it) make replay exit 1 with the row named; usage errors exit 2.  All of it on
# a log of schema version 2 (the default) and one of version 1 (--log-schema 1).
# Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
for c in sqlite3 python3; do command -v $c >/dev/null 2>&1 || { echo "audit.sh: $c is needed" >&2; exit 1; }; done
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
for v in 2 1; do
rm -f "$tmp/a.db"
expect_rc 0 "$SLATE" run -q --log-schema $v --log "$tmp/a.db" --until 2025-04-01T00:00:00Z \
    policies/service-2025.slate "$tmp/events.jsonl"
[ "$(sqlite3 "$tmp/a.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = $v ] ||
    fail "the log is not of version $v"

expect_rc 0 "$SLATE" replay "$tmp/a.db"
grep -q "replay matches: " "$tmp/out" || fail "replay: $(cat "$tmp/out")"
head=$(sed -n 's/.*head \([0-9a-f]\{64\}\)$/\1/p' "$tmp/out")
[ -n "$head" ] || fail "replay printed no head"
expect_rc 0 python3 tools/verify-log.py "$tmp/a.db"
grep -q "$head" "$tmp/out" || fail "verify-log.py disagrees: $(cat "$tmp/out")"

expect_rc 0 "$SLATE" report "$tmp/a.db" --html "$tmp/r.html"
grep -q "^first response" "$tmp/out" || fail "report text"
grep -q "<svg" "$tmp/r.html" || fail "report html has no chart"
expect_rc 0 "$SLATE" report --json --from 2025-03-09 --to 2025-03-10 "$tmp/a.db"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cases"] > 0' \
    "$tmp/out" || fail "report --json: no cases in the window"

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

# a payload edited in place: the chain names the row
cp "$tmp/a.db" "$tmp/b.db"
sqlite3 "$tmp/b.db" "UPDATE events SET payload = replace(payload, '\"type\"', ' \"type\"') WHERE seq = 5"
expect_rc 1 "$SLATE" replay "$tmp/b.db"
grep -q "event seq 5.*edited" "$tmp/err" || fail "edited payload: $(cat "$tmp/err")"

# a decision deleted: a row of version 1, out of an entry's packed column in 2
cp "$tmp/a.db" "$tmp/c.db"
if [ $v = 1 ]; then
    sqlite3 "$tmp/c.db" "DELETE FROM decisions WHERE seq = 10"
    expect_rc 1 "$SLATE" replay "$tmp/c.db"
    grep -q "decisions row seq 10 was deleted" "$tmp/err" || fail "deleted decision: $(cat "$tmp/err")"
else
    sqlite3 "$tmp/c.db" "UPDATE events SET decisions = json_remove(decisions, '\$[0]'), \
        ndecisions = ndecisions - 1 WHERE id = (SELECT entry FROM decisions WHERE seq = 10)"
    expect_rc 1 "$SLATE" replay "$tmp/c.db"
    grep -q "events row id [0-9]* (event seq [0-9]*, pos [0-9]*): .*edited" "$tmp/err" ||
        fail "deleted decision: $(cat "$tmp/err")"
fi

# a decision forged (a missed clock shown as met) and the chain rebuilt over
# it: the chain verifies, the replay names the decision
cp "$tmp/a.db" "$tmp/d.db"
seq=$(sqlite3 "$tmp/d.db" "SELECT min(seq) FROM decisions WHERE action = 'stop' AND args LIKE '%\"met\":false%'")
[ -n "$seq" ] || fail "no missed stop to forge"
if [ $v = 1 ]; then
    sqlite3 "$tmp/d.db" "UPDATE decisions SET args = replace(args, '\"met\":false', '\"met\":true') WHERE seq = $seq"
else
    sqlite3 "$tmp/d.db" "UPDATE events SET decisions = replace(decisions, '\"met\":false', '\"met\":true') \
        WHERE id = (SELECT entry FROM decisions WHERE seq = $seq)"
fi
python3 tests/cli/lib/rechain.py "$tmp/d.db" || fail "rechain"
expect_rc 0 python3 tools/verify-log.py "$tmp/d.db"
expect_rc 1 "$SLATE" replay "$tmp/d.db"
grep -q "first divergence at event seq [0-9]* (entry [0-9]*), decision seq $seq: \`args\`" "$tmp/err" ||
    fail "forged decision: $(cat "$tmp/err")"
done

echo "audit.sh: replay, report, explain, diff and tampering ok"
