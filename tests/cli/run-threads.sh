#!/usr/bin/env bash
# run-threads.sh - `slate run --threads N` gives byte for byte what one engine
# gives (docs/io.md, "Threads"): every bundled policy over `slate gen` events;
# a stream full of odd lines (not JSON, no case, unknown types, late and
# far-ahead events, ticks, blank lines, undeclared keys) under --strict,
# --max-skip and --until; the three real logs when the data is there
# ($SLATE_DATA, as realism.sh); a live pipe (decisions before the end of the
# input); and the refusals (--log, --tolerance, a count out of range).  Run
# by tests/run.sh with $SLATE set.  Speed is measured by bench/, never here.
set -u
cd "$(dirname "$0")/../.."
SLATE=${SLATE:-build/slate}
DATA=${SLATE_DATA:-../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "run-threads.sh: FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 0; }

# same POLICY EVENTS [OPTIONS...]: --threads 2, 3 and 4 give the bytes of one engine
same() {
    local pol=$1 ev=$2
    shift 2
    "$SLATE" run -q "$@" "$pol" "$ev" >"$T/one" 2>"$T/one.err" || fail "run $pol $* exited $?"
    [ -s "$T/one" ] || fail "no decisions from $pol on $ev $*"
    for n in 2 3 4; do
        "$SLATE" run -q --threads $n "$@" "$pol" "$ev" >"$T/n" 2>"$T/n.err" ||
            fail "run --threads $n $pol $* exited $?: $(cat "$T/n.err")"
        cmp -s "$T/one" "$T/n" ||
            fail "--threads $n differs from one engine: $pol $ev $* ($(cmp "$T/one" "$T/n" | head -1))"
    done
    checked=$((checked + 1))
}
checked=0

"$SLATE" gen --seed 11 --cases 4000 -o "$T/gen.jsonl" 2>/dev/null || fail "slate gen"
for p in policies/*.slate; do same "$p" "$T/gen.jsonl"; done

# the summary names the threads, and counts as one engine does
"$SLATE" run --threads 3 policies/service-2025.slate "$T/gen.jsonl" 2>"$T/err3" >/dev/null
"$SLATE" run policies/service-2025.slate "$T/gen.jsonl" 2>"$T/err1" >/dev/null
grep -q ", 3 threads, " "$T/err3" || fail "the summary does not name 3 threads: $(cat "$T/err3")"
[ "$(sed 's/, 3 threads, .*//' "$T/err3")" = "$(sed 's/, [0-9.]* s$//' "$T/err1")" ] ||
    fail "summaries differ: $(cat "$T/err1") / $(cat "$T/err3")"

# odd lines of every kind, in between the generated ones
python3 - "$T/gen.jsonl" "$T/odd.jsonl" <<'EOF'
import json, random, sys
random.seed(5)
lines = open(sys.argv[1]).read().splitlines()[:12000]
out = []
for i, l in enumerate(lines):
    e = json.loads(l)
    r = random.random()
    if r < 0.01: out.append('{not json')
    elif r < 0.015: out.append('')
    elif r < 0.03: out.append(json.dumps({"type": "tick", "at": e["at"]}))
    elif r < 0.04: out.append(json.dumps(dict(e, type="bogus")))
    elif r < 0.05: out.append(json.dumps({k: v for k, v in e.items() if k != "case"}))
    elif r < 0.06: out.append(lines[max(0, i - random.randint(1, 300))])  # late (tolerance 0)
    elif r < 0.062: out.append(json.dumps(dict(e, at="2031-01-01T00:00:00Z")))  # far ahead
    elif r < 0.065: out.append(json.dumps(dict(e, case="X%d" % random.randint(1, 40))))
    elif r < 0.067: out.append(json.dumps(dict(e, extra_key=1)))
    out.append(l)
open(sys.argv[2], "w").write("\n".join(out) + "\n")
EOF
[ -s "$T/odd.jsonl" ] || fail "could not make the odd stream"
for p in policies/service-2025.slate policies/saas-24x7.slate policies/example.slate; do
    same "$p" "$T/odd.jsonl"
    same "$p" "$T/odd.jsonl" --max-skip 1d --until 2025-03-20T00:00:00Z
    same "$p" "$T/odd.jsonl" --until 2025-03-12T00:00:00Z
done
same policies/service-2025.slate "$T/odd.jsonl" --strict
grep -q '"action":"reject"' "$T/one" || fail "the odd stream made no rejects"
grep -q 'before the stream' "$T/one" || fail "the odd stream made no late rejects"

# the real logs
if [ -d "$DATA" ] && command -v unzip >/dev/null; then
    unzip -p "$DATA/bpi2013-volvo-it-incidents.zip" '*.csv' 2>/dev/null |
        "$SLATE" import volvo - -q -o "$T/volvo.jsonl" && same policies/volvo-incidents.slate "$T/volvo.jsonl"
    unzip -p "$DATA/servicenow-incident-event-log.csv.zip" '*.csv' 2>/dev/null |
        "$SLATE" import servicenow - -q -o "$T/sn.jsonl" &&
        same policies/servicenow-incidents.slate "$T/sn.jsonl"
    "$SLATE" import nyc311 "$DATA/nyc311-service-requests-sample.csv" -q -o "$T/nyc.jsonl" &&
        same policies/nyc311.slate "$T/nyc.jsonl"
else
    echo "run-threads.sh: real logs skipped: no data at $DATA"
fi

# a live pipe: the decisions of the lines so far come out while the input waits
mkfifo "$T/fifo"
"$SLATE" run -q --threads 2 policies/service-2025.slate "$T/fifo" >"$T/live" 2>&1 &
pid=$!
exec 3>"$T/fifo"
head -50 "$T/gen.jsonl" >&3
for _ in $(seq 50); do [ -s "$T/live" ] && break; sleep 0.1; done
[ -s "$T/live" ] || { kill $pid; fail "no decision out while the input is open"; }
tail -5 "$T/gen.jsonl" >&3
exec 3>&-
wait $pid || fail "the live run exited $?"
(head -50 "$T/gen.jsonl"; tail -5 "$T/gen.jsonl") | "$SLATE" run -q policies/service-2025.slate - |
    cmp -s - "$T/live" || fail "the live run differs from one engine"

# refusals
"$SLATE" run --threads 2 --log "$T/x.db" policies/service-2025.slate "$T/gen.jsonl" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "--threads with --log" "$T/err" || fail "--threads with --log not refused: $(cat "$T/err")"
[ ! -e "$T/x.db" ] || fail "a refused run made its log"
"$SLATE" run --threads 2 --tolerance 5m policies/service-2025.slate "$T/gen.jsonl" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "--threads with --tolerance" "$T/err" || fail "--threads with --tolerance not refused"
for bad in 0 65 x -1; do
    "$SLATE" run --threads "$bad" policies/service-2025.slate "$T/gen.jsonl" >/dev/null 2>"$T/err"
    [ $? = 2 ] && grep -q -- "--threads: expected 1 to 64" "$T/err" || fail "--threads $bad not refused"
done

echo "run-threads.sh: ok ($checked comparisons of --threads 2, 3 and 4 with one engine)"
