#!/usr/bin/env bash
# late.sh - `slate run --tolerance` holds events within the tolerance and applies
# them in time order (issue 13, item 3; docs/semantics.md, "Late events"):
#   - the issue's example: `responded` at 10:14 against a 10:15 deadline,
#     arriving after another case's 10:16 event, is met with --tolerance 5m;
#   - generated traffic shuffled within 30 minutes decides, with --tolerance 30m,
#     what the same lines sorted by time decide with none (every decision but its
#     seq and line number), with and without --until;
#   - its --log replays exactly (`slate replay`), the end-of-input flush being an
#     `advance` entry; with tolerance 0 no such entry is written;
#   - a line later than the tolerance is still rejected with the reason.
# Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "late.sh: $*" >&2; exit 1; }

cat >"$tmp/r.slate" <<'P'
policy "late" version "1"
clock response starts on opened stops on responded
ladder l { at breach of response notify desk "response breached" }
sla all { response within 15m; ladder l }
P
cat >"$tmp/ex.jsonl" <<'E'
{"case":"A","type":"opened","at":"2025-03-10T10:00:00Z"}
{"case":"B","type":"opened","at":"2025-03-10T10:16:00Z"}
{"case":"A","type":"responded","at":"2025-03-10T10:14:00Z"}
{"case":"B","type":"responded","at":"2025-03-10T10:01:00Z"}
E
"$SLATE" run -q --tolerance 5m "$tmp/r.slate" "$tmp/ex.jsonl" >"$tmp/ex.out" || fail "run"
grep -q '"at":"2025-03-10T10:14:00.000Z","case":"A","action":"stop",.*"met":true' "$tmp/ex.out" ||
    fail "A's response not met at 10:14: $(cat "$tmp/ex.out")"
grep -q '"case":"A","action":"breach"' "$tmp/ex.out" && fail "A breached: $(cat "$tmp/ex.out")"
grep -q '"case":"B","action":"reject",.*"reason":"event time 2025-03-10T10:01:00.000Z is 15m before the stream.s time 2025-03-10T10:16:00.000Z (tolerance 5m)"' \
    "$tmp/ex.out" || fail "the 15-minute-late line not rejected: $(cat "$tmp/ex.out")"
# without the tolerance the same lines breach A (the old verdict at the watermark)
"$SLATE" run -q "$tmp/r.slate" "$tmp/ex.jsonl" >"$tmp/ex0.out" || fail "run, tolerance 0"
grep -q '"case":"A","action":"breach"' "$tmp/ex0.out" || fail "tolerance 0: A did not breach"

# generated traffic, shuffled within 30 minutes; the reference: sorted by time
"$SLATE" gen --seed 4 --cases 1500 -o "$tmp/gen.jsonl" 2>/dev/null || fail "gen"
python3 - "$tmp" <<'PY' || fail "shuffle"
import datetime, json, random, sys
d = sys.argv[1]
lines = [l for l in open(d + "/gen.jsonl") if l.strip()]
def t(l):
    return datetime.datetime.fromisoformat(json.loads(l)["at"].replace("Z", "+00:00")).timestamp()
rnd = random.Random(13)
shuf = [l for _, _, l in sorted((t(l) + rnd.uniform(0, 1800), i, l) for i, l in enumerate(lines))]
open(d + "/shuf.jsonl", "w").writelines(shuf)
open(d + "/sorted.jsonl", "w").writelines(sorted(shuf, key=t))
PY
strip() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l); d.pop("seq"); d.pop("event", None); print(json.dumps(d, sort_keys=True))
' "$1"; }
P=policies/service-2025.slate
"$SLATE" run -q "$P" "$tmp/sorted.jsonl" >"$tmp/sorted.out" || fail "run sorted"
"$SLATE" run -q --tolerance 30m --log "$tmp/s.db" "$P" "$tmp/shuf.jsonl" >"$tmp/shuf.out" ||
    fail "run shuffled"
[ "$(wc -l <"$tmp/sorted.out")" -gt 10000 ] || fail "too few decisions"
grep -q '"action":"reject"' "$tmp/shuf.out" && fail "a shuffled line was rejected"
cmp -s <(strip "$tmp/sorted.out") <(strip "$tmp/shuf.out") ||
    fail "shuffled within the tolerance: not the sorted decisions"
"$SLATE" replay "$tmp/s.db" >"$tmp/replay.txt" 2>&1 || fail "replay: $(cat "$tmp/replay.txt")"
grep -q "replay matches" "$tmp/replay.txt" || fail "replay: $(cat "$tmp/replay.txt")"
[ "$(sqlite3 "$tmp/s.db" "select count(*) from events where kind = 'advance'")" = 1 ] ||
    fail "the end-of-input flush is not one advance entry"

until=2025-04-30T00:00:00Z
"$SLATE" run -q --until $until "$P" "$tmp/sorted.jsonl" >"$tmp/sorted-u.out" || fail "run --until"
"$SLATE" run -q --tolerance 30m --until $until --log "$tmp/u.db" "$P" "$tmp/shuf.jsonl" \
    >"$tmp/shuf-u.out" || fail "run shuffled --until"
cmp -s <(strip "$tmp/sorted-u.out") <(strip "$tmp/shuf-u.out") ||
    fail "--until: not the sorted decisions"
"$SLATE" replay "$tmp/u.db" >"$tmp/replay-u.txt" 2>&1 || fail "replay --until: $(cat "$tmp/replay-u.txt")"

# tolerance 0: no flush entry
"$SLATE" run -q --log "$tmp/z.db" "$P" "$tmp/sorted.jsonl" >/dev/null || fail "run --log"
[ "$(sqlite3 "$tmp/z.db" "select count(*) from events where kind = 'advance'")" = 0 ] ||
    fail "tolerance 0 wrote an advance entry"
echo "late.sh: held within the tolerance, as sorted; replay exact; too late rejected"
