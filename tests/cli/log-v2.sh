#!/usr/bin/env bash
# log-v2.sh - decision log schema version 2 against version 1 (docs/audit-log.md):
# the same input run with --log (version 2, the default) and --log-schema 1, on a
# generated stream whose ids and fields hold quotes, backslashes, control
# characters and non-ASCII text.  With plain sqlite3: the view `decisions` of
# version 2 holds exactly version 1's table (EXCEPT, both ways, empty), and
# `breaches` and `cases` what version 1's tables give; the per-case query
# `SELECT * FROM case_decisions WHERE case_key = ?` gives a case's rows of
# `decisions`, for every case.  tools/verify-log.py passes both; replay, report
# (text, JSON, HTML), explain and diff print the same from either log (but for
# the chain's head).  Not here: tampering (hostile-log.sh, audit.sh), kills
# (crash.sh).  Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
SLATE=$(cd "$(dirname "$SLATE")" && pwd)/$(basename "$SLATE")
cd "$(dirname "$0")/../.."
for c in sqlite3 python3; do
    command -v $c >/dev/null 2>&1 || { echo "log-v2.sh: the $c command is needed" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "log-v2.sh: $*" >&2; exit 1; }
POLICY=$PWD/policies/service-2025.slate
VERIFY=$PWD/tools/verify-log.py

# a generated stream, some case and event ids made hostile to an escaper
"$SLATE" gen --seed 21 --cases 120 -o "$tmp/gen.jsonl" || fail "gen"
python3 - "$tmp/gen.jsonl" >"$tmp/events.jsonl" <<'PY' || fail "ids"
import json, sys
odd = ['q"uote', 'back\\slash', 'tab\there', 'nl\nx', 'caf\u00e9 \u2028 \u007f', '\U0001F600 e\\"nd\\']
for line in open(sys.argv[1]):
    d = json.loads(line)
    n = int(d["case"][1:])
    if n <= len(odd):
        d["case"] = odd[n - 1] + str(n)
        d["id"] = odd[-n] + d.get("id", "")
    print(json.dumps(d, ensure_ascii=n % 2 == 0))
PY
# and a policy whose decisions' args hold strings to escape: its own (quotes,
# backslash, tab, newline) and the events' (DEL, U+2028, C0 and C1 controls)
cat >"$tmp/esc.slate" <<'EOF'
policy "esc" version "1"
case {
    who: string
    note: string
}
clock c starts on opened stops on responded
sla s { c within 1h }
on opened as odd {
    notify desk "q\"uote \\ back\ttab\nnl é"
    emit odd(who, note)
}
EOF
printf '%s\n' \
    '{"type":"opened","case":"x\"1","at":"2025-03-03T09:00:00Z","who":"a\u007fb\u2028c\"\\d\u0001","note":"caf\u00e9 \ud83d\ude00 \u0085"}' \
    '{"type":"opened","case":"x2","at":"2025-03-03T09:00:00Z","who":"plain","note":"\t"}' >"$tmp/esc.jsonl"
# log NAME POLICY EVENTS: NAME/v1 and NAME/v2, logs of either version of one run
log() {
    for v in 1 2; do
        mkdir -p "$tmp/$1/v$v"
        (cd "$tmp/$1/v$v" && "$SLATE" run -q --log-schema $v --log audit.db \
            --until 2025-05-01T00:00:00Z -o decisions.jsonl "$2" "$3") || fail "$1: run --log-schema $v"
        [ "$(sqlite3 "$tmp/$1/v$v/audit.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = $v ] ||
            fail "$1: the log is not of version $v"
    done
    cmp -s "$tmp/$1/v1/decisions.jsonl" "$tmp/$1/v2/decisions.jsonl" || fail "$1: the decisions out differ"
}
log esc "$tmp/esc.slate" "$tmp/esc.jsonl"
log gen "$POLICY" "$tmp/events.jsonl"
sql() { sqlite3 -batch -noheader "$tmp/$pair/v2/audit.db" "ATTACH '$tmp/$pair/v1/audit.db' AS v1; $1"; }
empty() { # empty WHAT SQL: the query finds no row in the logs of $pair
    local out
    out=$(sql "$2") || fail "$1: sqlite3"
    [ -z "$out" ] || fail "$pair: $1: $(printf '%s\n' "$out" | head -5)"
}

# ---- the views against version 1's tables ----------------------------------------
for pair in esc gen; do
    n=$(sql "SELECT count(*) FROM v1.decisions")
    [ "$n" -gt 9 ] || fail "$pair: only $n decisions"
    [ "$(sql "SELECT count(*) FROM main.decisions")" = "$n" ] || fail "$pair: the view has not $n rows"
    [ "$(sql "SELECT count(*) FROM v1.decisions WHERE case_id GLOB '*[\"\\]*'")" -gt 0 ] ||
        fail "$pair: no decision of a case with a quote or backslash"
    COLS="seq, entry, event_seq, event_id, case_id, at_ms, at, rule, rule_line, rule_label, action, clock, tier, args, policy_hash"
    empty "decisions: v2 EXCEPT v1" "SELECT $COLS FROM main.decisions EXCEPT SELECT $COLS FROM v1.decisions"
    empty "decisions: v1 EXCEPT v2" "SELECT $COLS FROM v1.decisions EXCEPT SELECT $COLS FROM main.decisions"
    # the same values with the same types, in seq order, part 0 (not partitioned)
    [ "$(sql "SELECT group_concat(typeof(seq) || typeof(at_ms) || typeof(rule_line) || quote(seq), ',')
              FROM (SELECT * FROM main.decisions ORDER BY seq)")" = \
      "$(sql "SELECT group_concat(typeof(seq) || typeof(at_ms) || typeof(rule_line) || quote(seq), ',')
              FROM (SELECT * FROM v1.decisions ORDER BY seq)")" ] || fail "$pair: decisions: types or order differ"
    empty "part" "SELECT part FROM main.decisions WHERE part IS NOT 0"
    empty "breaches: v2 EXCEPT v1" "SELECT $COLS FROM main.breaches EXCEPT
        SELECT $COLS FROM v1.decisions WHERE action = 'breach'"
    empty "breaches: v1 EXCEPT v2" "SELECT $COLS FROM v1.decisions WHERE action = 'breach' EXCEPT
        SELECT $COLS FROM main.breaches"
    [ "$(sql "SELECT count(*) FROM main.breaches")" -gt 0 ] || fail "$pair: no breach"
    # cases: each case's entries, those with its events or its decisions
    CASES="SELECT case_id, count(*), min(entry), max(entry) FROM (
        SELECT case_id, id AS entry FROM v1.events WHERE case_id IS NOT NULL
        UNION SELECT case_id, entry FROM v1.decisions WHERE case_id IS NOT NULL) GROUP BY case_id"
    empty "cases: v2 EXCEPT v1" "SELECT * FROM main.cases EXCEPT $CASES"
    empty "cases: v1 EXCEPT v2" "$CASES EXCEPT SELECT * FROM main.cases"
    # the events rows hold the same but the decisions (and dseq, decisions)
    ECOLS="id, kind, seq, at_ms, at, case_id, type, status, reason, payload, policy_hash, ndecisions"
    empty "events" "SELECT $ECOLS FROM main.events EXCEPT SELECT $ECOLS FROM v1.events"
    empty "dseq" "SELECT id FROM main.events e WHERE dseq IS NOT
        (SELECT min(seq) FROM v1.decisions d WHERE d.entry = e.id)"
done
pair=esc
[ "$(sql "SELECT count(*) FROM main.decisions WHERE args LIKE '%\\u007f%\\u2028%\\u0001%'")" = 1 ] ||
    fail "no decision's args with DEL, U+2028 and U+0001 escaped"
pair=gen
n=$(sql "SELECT count(*) FROM v1.decisions")

# ---- the per-case query, for every case ------------------------------------------
sql "SELECT case_id FROM main.cases" >"$tmp/cases"
[ "$(wc -l <"$tmp/cases")" -ge 120 ] || fail "$(wc -l <"$tmp/cases") cases"
DCOLS="seq, entry, event_seq, event_id, case_id, at_ms, at, rule, rule_line, rule_label, action, clock, tier, args, policy_hash, part"
empty "case_decisions: EXCEPT decisions" "SELECT case_key, $DCOLS FROM case_decisions EXCEPT
    SELECT case_id, $DCOLS FROM main.decisions WHERE case_id IS NOT NULL"
empty "decisions EXCEPT case_decisions" "SELECT case_id, $DCOLS FROM main.decisions
    WHERE case_id IS NOT NULL EXCEPT SELECT case_key, $DCOLS FROM case_decisions"
# the documented query itself, bound as an application binds it, row for row
# in seq order, for each case (ids with quotes and newlines included)
python3 - "$tmp/gen/v2/audit.db" <<'PY' || fail "the per-case query"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cases = [c for (c,) in db.execute("SELECT case_id FROM cases")]
assert any('"' in c for c in cases) and any("\n" in c for c in cases), "no hostile id"
for c in cases:
    got = db.execute("SELECT * FROM case_decisions WHERE case_key = ? ORDER BY seq", (c,)).fetchall()
    want = db.execute("SELECT * FROM decisions WHERE case_id = ? ORDER BY seq", (c,)).fetchall()
    assert [r[1:] for r in got] == want and all(r[0] == c for r in got), c
    assert got or db.execute("SELECT 1 FROM events WHERE case_id = ?", (c,)).fetchone(), c
print(len(cases), "cases")
PY
# the query uses case_index, not a scan of every entry
sql "EXPLAIN QUERY PLAN SELECT * FROM case_decisions WHERE case_key = 'C000007'" >"$tmp/plan"
grep -q "SEARCH c USING PRIMARY KEY (case_id=?)" "$tmp/plan" || fail "query plan: $(cat "$tmp/plan")"
grep -q "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)" "$tmp/plan" || fail "query plan: $(cat "$tmp/plan")"

# ---- verify-log.py and the auditor's commands --------------------------------------
for v in 1 2; do
    python3 "$VERIFY" "$tmp/gen/v$v/audit.db" >"$tmp/verify$v" || fail "verify-log.py refuses version $v"
done
[ "$(sed -n 's/.*head \([0-9a-f]*\).*/\1/p' "$tmp/verify2")" = \
  "$(sqlite3 "$tmp/gen/v2/audit.db" "SELECT value FROM meta WHERE key = 'state.chain'")" ] ||
    fail "verify-log.py: $(cat "$tmp/verify2")"
case_id=$(sqlite3 "$tmp/gen/v2/audit.db" "SELECT case_id FROM breaches ORDER BY seq LIMIT 1")
odd_case=$(sqlite3 "$tmp/gen/v2/audit.db" "SELECT case_id FROM cases WHERE case_id LIKE 'q\"uote%'")
[ -n "$odd_case" ] || fail "no case q\"uote1"
for v in 1 2; do
    (
        cd "$tmp/gen/v$v" || exit 1
        "$SLATE" replay audit.db >replay.txt 2>&1 || { cat replay.txt; exit 1; }
        # the head and the chain's row count differ: schema 1 chains a row per decision
        sed -i -E 's/verified: [0-9]+ rows, head [0-9a-f]{64}$/verified: N rows, head H/' replay.txt
        "$SLATE" report audit.db --html report.html >report.txt 2>&1 &&
            "$SLATE" report --json audit.db >report.json 2>&1 &&
            "$SLATE" explain audit.db "$case_id" >explain.txt 2>&1 &&
            "$SLATE" explain audit.db "$odd_case" >explain-odd.txt 2>&1 &&
            "$SLATE" diff --policy "$POLICY" audit.db >diff.txt 2>&1 &&
            "$SLATE" diff --json --policy "$POLICY" audit.db >diff.json 2>&1 &&
            sed 's/ghhh/hhh/;s/within 15m/within 10m/' "$POLICY" >other.slate &&
            "$SLATE" diff --policy other.slate audit.db >diff2.txt 2>&1
    ) || fail "version $v: an auditor's command failed"
done
grep -q "replay matches" "$tmp/gen/v2/replay.txt" || fail "replay: $(cat "$tmp/gen/v2/replay.txt")"
grep -q "compared, [1-9][0-9]* differ" "$tmp/gen/v2/diff2.txt" || fail "diff: $(tail -3 "$tmp/gen/v2/diff2.txt")"
for f in replay.txt report.txt report.html report.json explain.txt explain-odd.txt diff.txt diff.json \
    diff2.txt; do
    [ -s "$tmp/gen/v2/$f" ] || fail "$f is empty"
    cmp -s "$tmp/gen/v1/$f" "$tmp/gen/v2/$f" || { diff "$tmp/gen/v1/$f" "$tmp/gen/v2/$f" | head -10; fail "$f differs"; }
done
echo "log-v2.sh: $n decisions, the views equal version 1's tables, the outputs equal"
