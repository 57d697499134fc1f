#!/usr/bin/env bash
# replay-100k.sh - issue 5's scale check: a log of more than 100,000 events of the
# reference policy (generated) verifies and replays decision for decision, and
# a single edited decision in it is found and named.  Run by tests/run.sh with
# $SLATE set; about half a minute.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "replay-100k.sh: $*" >&2; exit 1; }

"$SLATE" gen --seed 11 --cases 16000 -o "$tmp/events.jsonl" || fail "gen"
n=$(wc -l <"$tmp/events.jsonl")
[ "$n" -gt 100000 ] || fail "only $n events generated"
"$SLATE" run -q --log "$tmp/a.db" --log-sync normal -o /dev/null \
    policies/service-2025.slate "$tmp/events.jsonl" || fail "run --log"
"$SLATE" replay "$tmp/a.db" >"$tmp/out" 2>&1 || fail "replay: $(cat "$tmp/out")"
grep -q "replay matches: $n events" "$tmp/out" || fail "replay: $(cat "$tmp/out")"

# one decision edited deep in the log: replay must fail and name it
sqlite3 "$tmp/a.db" "UPDATE decisions SET args = replace(args, '\"met\":true', '\"met\":false')
                     WHERE seq = (SELECT min(seq) FROM decisions WHERE seq > 200000 AND args LIKE '%\"met\":true%');" \
    || fail "sqlite3 edit"
"$SLATE" replay "$tmp/a.db" >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "an edited decision must make replay exit 1, got $rc: $(cat "$tmp/out")"
grep -q "decision" "$tmp/out" || fail "replay did not name the decision: $(cat "$tmp/out")"
exit 0
