#!/usr/bin/env bash
# publish-cluster.sh - `slate publish` to a three-server JetStream cluster
# (tests/cli/lib/nats.sh) with R3 streams: the events land in their partitions
# on every replica; with one server killed, publishing the same file again
# stores nothing and new events are stored (a quorum of two remains); the
# restarted server catches up to the same counts.  Run by tests/run.sh with
# $SLATE set; skipped without nats-server.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
. tests/cli/lib/nats.sh
tmp=$(mktemp -d)
nats_on_exit 'rm -rf "$tmp"'
fail() { echo "publish-cluster.sh: $*" >&2; nats_logs >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }

nats_start 3 || fail "no cluster"

# Messages per partition as server I holds them: "p count" lines.
stored() { # stored I
    nats_http "/jsz?streams=true" "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = {}
for a in d.get("account_details", []):
    for s in a.get("stream_detail", []):
        if s["name"].startswith("SLATE_EV_"):
            n[int(s["name"][9:])] = s["state"]["messages"]
for p in sorted(n): print(p, n[p])'
}

# Wait (bounded) until server I holds what `want` says.
converge() { # converge I WANTFILE
    local i
    for i in $(seq 1 100); do
        stored "$1" >"$tmp/now.$1" 2>/dev/null && cmp -s "$2" "$tmp/now.$1" && return 0
        sleep 0.2
    done
    fail "server $1 holds $(cat "$tmp/now.$1" 2>/dev/null), expected $(cat "$2")"
}

"$SLATE" gen --seed 5 --cases 200 -o "$tmp/a.jsonl" || fail "gen"
"$SLATE" gen --seed 6 --cases 100 --start 2025-03-20T00:00:00Z -o "$tmp/b.jsonl" || fail "gen"
na=$(wc -l <"$tmp/a.jsonl")
nb=$(wc -l <"$tmp/b.jsonl")
sed -i 's/"id":"e/"id":"b/' "$tmp/b.jsonl" # ids of their own

"$SLATE" publish --partitions 4 --replicas 3 --nats "$NATS_URL" "$tmp/a.jsonl" 2>"$tmp/err1" ||
    fail "publish exited $?: $(cat "$tmp/err1")"
grep -q "$na messages: $na stored, 0 duplicates, 0 failed" "$tmp/err1" || fail "$(cat "$tmp/err1")"
stored 0 >"$tmp/want"
[ "$(awk '{s += $2} END {print s}' "$tmp/want")" -eq "$na" ] || fail "server 0: $(cat "$tmp/want")"
converge 1 "$tmp/want"
converge 2 "$tmp/want"

# one server down: a quorum of two remains
nats_kill 1
"$SLATE" publish --partitions 4 --replicas 3 --nats "$NATS_URL" --timeout 30 "$tmp/a.jsonl" \
    2>"$tmp/err2" || fail "publish with a server down exited $?: $(cat "$tmp/err2")"
grep -q "$na messages: 0 stored, $na duplicates, 0 failed" "$tmp/err2" || fail "$(cat "$tmp/err2")"
"$SLATE" publish --partitions 4 --replicas 3 --nats "$NATS_URL" --timeout 30 "$tmp/b.jsonl" \
    2>"$tmp/err3" || fail "new events with a server down exited $?: $(cat "$tmp/err3")"
grep -q "$nb messages: $nb stored, 0 duplicates, 0 failed" "$tmp/err3" || fail "$(cat "$tmp/err3")"
stored 0 >"$tmp/want2"
[ "$(awk '{s += $2} END {print s}' "$tmp/want2")" -eq $((na + nb)) ] ||
    fail "server 0 after b: $(cat "$tmp/want2")"
converge 2 "$tmp/want2"

# back again: it catches up
nats_restart 1 || fail "restart"
converge 1 "$tmp/want2"
exit 0
