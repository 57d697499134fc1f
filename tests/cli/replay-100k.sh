#!/usr/bin/env bash
# replay-100k.sh - issue 5's scale check: a log of more than 100,000 events of the
# reference policy (generated) verifies and replays decision for decision, and
# a single edited decision in it is found and named.  The log is of schema
# version 2 (the default; crash.sh, audit.sh and log-v2.sh cover version 1).  Run by tests/run.sh with
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

# one decision edited deep in the log (in its entry's packed decisions): replay
# must fail and name the entry
id=$(sqlite3 "$tmp/a.db" "SELECT min(id) FROM events WHERE dseq > 200000 AND decisions LIKE '%\"met\":true%'")
[ -n "$id" ] || fail "no met stop after decision 200000"
sqlite3 "$tmp/a.db" "UPDATE events SET decisions = replace(decisions, '\"met\":true', '\"met\":false')
                     WHERE id = $id" || fail "sqlite3 edit"
"$SLATE" replay "$tmp/a.db" >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "an edited decision must make replay exit 1, got $rc: $(cat "$tmp/out")"
grep -q "events row id $id (event seq [0-9]*, pos [0-9]*): its content does not match its chain hash" \
    "$tmp/out" || fail "replay did not name the entry: $(cat "$tmp/out")"
exit 0
