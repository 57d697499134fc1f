#!/usr/bin/env bash
# publish.sh - `slate publish` against a real nats-server (tests/cli/lib/nats.sh):
# the events of `slate gen` land in the partition an independent FNV-1a (Python,
# below) gives for their case, counted by the server itself (its monitoring
# page); publishing the same file again stores nothing; a malformed line, a line
# without a case and an over-long line go to partition 0 and a tick to every
# partition; a stream layout made for another partition count is refused (exit
# 1); a server that is down, or killed half-way, gives a clear message and
# exit 3 within the timeout; valgrind (when installed) finds nothing.  Run by
# tests/run.sh with $SLATE set; skipped without nats-server.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
. tests/cli/lib/nats.sh
tmp=$(mktemp -d)
nats_on_exit 'rm -rf "$tmp"'
fail() { echo "publish.sh: $*" >&2; nats_logs >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }

nats_start 1 || fail "no server"

# Messages per partition as the server counts them: "p count" lines.
stored() {
    nats_http "/jsz?streams=true" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = {}
for a in d.get("account_details", []):
    for s in a.get("stream_detail", []):
        if s["name"].startswith("SLATE_EV_"):
            n[int(s["name"][9:])] = s["state"]["messages"]
for p in sorted(n): print(p, n[p])'
}

# What the partition function says, computed apart from slate: FNV-1a 64 of the
# case id's UTF-8 bytes modulo N; ticks to every partition, no case to 0.
expected() { # expected N FILE...
    python3 - "$@" <<'PY'
import json, sys
n = int(sys.argv[1]); count = [0] * n
def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
for path in sys.argv[2:]:
    for line in open(path, "rb"):
        line = line.rstrip(b"\n")
        if not line.strip(b" \t\r"):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            ev = None
        if isinstance(ev, dict) and ev.get("type") == "tick":
            count = [c + 1 for c in count]
        elif isinstance(ev, dict) and isinstance(ev.get("case"), str):
            count[fnv1a64(ev["case"].encode()) % n] += 1
        else:
            count[0] += 1
for p in range(n): print(p, count[p])
PY
}

"$SLATE" gen --seed 3 --cases 300 -o "$tmp/ev.jsonl" || fail "gen"
lines=$(wc -l <"$tmp/ev.jsonl")

# 1. first publish: every event stored, in its partition
"$SLATE" publish --partitions 4 --nats "$NATS_URL" "$tmp/ev.jsonl" 2>"$tmp/err1" ||
    fail "publish exited $?: $(cat "$tmp/err1")"
grep -q "$lines messages: $lines stored, 0 duplicates, 0 failed" "$tmp/err1" ||
    fail "summary: $(cat "$tmp/err1")"
expected 4 "$tmp/ev.jsonl" >"$tmp/want"
stored >"$tmp/got"
diff "$tmp/want" "$tmp/got" >/dev/null || fail "per-partition counts differ: $(diff "$tmp/want" "$tmp/got")"
# every partition gets some (300 cases over 4), and the summary agrees with the server
[ "$(awk '$2 > 0' "$tmp/got" | wc -l)" -eq 4 ] || fail "a partition is empty: $(cat "$tmp/got")"
while read -r p n; do
    grep -q "partition $p: $n stored, 0 duplicates" "$tmp/err1" || fail "summary of partition $p"
done <"$tmp/got"

# 2. the same file again: nothing new stored, everything a duplicate (under
#    valgrind's memcheck when it is installed: no leak, no invalid access)
VG=()
command -v valgrind >/dev/null 2>&1 && ! ldd "$SLATE" 2>/dev/null | grep -q libasan &&
    VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)
"${VG[@]}" "$SLATE" publish --partitions 4 --nats "$NATS_URL" "$tmp/ev.jsonl" 2>"$tmp/err2" ||
    fail "second publish exited $?: $(cat "$tmp/err2")"
grep -q "$lines messages: 0 stored, $lines duplicates, 0 failed" "$tmp/err2" ||
    fail "second summary: $(cat "$tmp/err2")"
stored >"$tmp/got2"
cmp -s "$tmp/got" "$tmp/got2" || fail "re-publishing stored something: $(cat "$tmp/got2")"

# 3. odd lines: not JSON, no case, a tick, a blank line, one longer than a message
#    may be (a stand-in goes to partition 0); from standard input
{
    echo 'not json {'
    echo '{"type":"opened","at":"2025-03-10T09:00:00Z"}'
    echo '   '
    echo '{"type":"tick","at":"2025-03-11T00:00:00Z"}'
    python3 -c 'print("{\"case\":\"C000001\",\"type\":\"updated\",\"at\":\"2025-03-10T09:00:00Z\",\"pad\":\"" + "x" * 1100000 + "\"}")'
} >"$tmp/odd.jsonl"
"$SLATE" publish --partitions 4 --nats "$NATS_URL" - <"$tmp/odd.jsonl" 2>"$tmp/err3" ||
    fail "odd publish exited $?: $(cat "$tmp/err3")"
grep -q "5 lines, 4 events (1 blank lines skipped), 1 ticks to every partition, 2 without a case to partition 0, 1 too long" "$tmp/err3" ||
    fail "odd summary: $(cat "$tmp/err3")"
stored >"$tmp/got3"
python3 - "$tmp/got" "$tmp/got3" <<'PY' || fail "odd lines went elsewhere: $(cat "$tmp/got3")"
import sys
a = dict(map(int, l.split()) for l in open(sys.argv[1]))
b = dict(map(int, l.split()) for l in open(sys.argv[2]))
want = {p: a[p] + (1 + (3 if p == 0 else 0)) for p in a}  # tick everywhere; 3 more in 0
sys.exit(0 if b == want else 1)
PY
"$SLATE" publish -q --partitions 4 --nats "$NATS_URL" "$tmp/odd.jsonl" 2>"$tmp/err4" ||
    fail "odd publish again exited $?"
[ ! -s "$tmp/err4" ] || fail "-q printed: $(cat "$tmp/err4")"
stored >"$tmp/got4"
cmp -s "$tmp/got3" "$tmp/got4" || fail "odd lines stored twice: $(cat "$tmp/got4")"

# 4. another partition count meets streams made for 4: refused, exit 1
"$SLATE" publish --partitions 8 --nats "$NATS_URL" "$tmp/ev.jsonl" 2>"$tmp/err5"
rc=$?
[ $rc -eq 1 ] || fail "8 partitions over 4: exit $rc, expected 1"
grep -q 'SLATE_EV_0 exists as "slate events partition 0 of 4", expected "slate events partition 0 of 8"' "$tmp/err5" ||
    fail "mismatch message: $(cat "$tmp/err5")"

# 5. usage errors
"$SLATE" publish --help | grep -q '^usage: slate publish' || fail "--help"
"$SLATE" publish --partitions 0 "$tmp/ev.jsonl" 2>/dev/null
[ $? -eq 2 ] || fail "--partitions 0 should exit 2"
"$SLATE" publish --nats "$NATS_URL" 2>/dev/null
[ $? -eq 2 ] || fail "no file should exit 2"
"$SLATE" publish --nats "$NATS_URL" "$tmp/none.jsonl" 2>/dev/null
[ $? -eq 3 ] || fail "a missing file should exit 3"

# 6. a server that is down: a message naming it, exit 3, within the timeout
port=$(nats_free_port)
start=$SECONDS
"$SLATE" publish --nats "nats://127.0.0.1:$port" --timeout 2 "$tmp/ev.jsonl" 2>"$tmp/err6"
rc=$?
took=$((SECONDS - start))
[ $rc -eq 3 ] || fail "down server: exit $rc, expected 3"
grep -q "no NATS server with JetStream at nats://127.0.0.1:$port after" "$tmp/err6" ||
    fail "down server message: $(cat "$tmp/err6")"
grep -q "retrying for up to" "$tmp/err6" || fail "no notice while retrying: $(cat "$tmp/err6")"
[ $took -le 5 ] || fail "down server took $took s with --timeout 2"

# 7. the server stopped: the same, against a port that was just live
nats_stop 0
"$SLATE" publish --nats "$NATS_URL" --timeout 1 "$tmp/ev.jsonl" 2>"$tmp/err7"
rc=$?
[ $rc -eq 3 ] || fail "stopped server: exit $rc, expected 3"

# 8. the server killed half-way through a large file: the publisher notices,
#    stops, says what was not stored, and exits 3 within a few timeouts
nats_restart 0 || fail "restart"
"$SLATE" gen --seed 4 --cases 30000 -o "$tmp/big.jsonl" || fail "gen"
"$SLATE" publish --partitions 4 --nats "$NATS_URL" --timeout 2 "$tmp/big.jsonl" 2>"$tmp/err8" &
pub=$!
total() { stored 2>/dev/null | awk '{s += $2} END {print s + 0}'; }
base=$(total)
for i in $(seq 1 200); do
    [ "$(total)" -gt $((base + 2000)) ] && break
    kill -0 $pub 2>/dev/null || break
    sleep 0.05
done
if kill -0 $pub 2>/dev/null; then
    nats_kill 0
    killed=$SECONDS
    wait $pub
    rc=$?
    [ $rc -eq 3 ] || fail "killed server: exit $rc, expected 3: $(cat "$tmp/err8")"
    [ $((SECONDS - killed)) -le 12 ] || fail "killed server: $((SECONDS - killed)) s to give up"
    grep -q "messages not stored; the first: no acknowledgement in time" "$tmp/err8" ||
        fail "killed server message: $(cat "$tmp/err8")"
    grep -q "publishing the same file again is safe" "$tmp/err8" || fail "no advice: $(cat "$tmp/err8")"
else
    wait $pub # finished before it could be killed: nothing to check here
fi
exit 0
