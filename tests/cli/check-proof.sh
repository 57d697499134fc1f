#!/usr/bin/env bash
# check-proof.sh - `slate check` as a proof and as a tool's input: the coverage
# proof against brute force on random policies (tests/cli/lib/coverage_oracle.py),
# its time on the 10,000-rule generated policy, --strict, --format json and
# sarif, `slate test --format json`, and three errors in three phases in one
# run.  Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
fail() { echo "check-proof.sh: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || fail "no python3"

# 1. Exact: what enumeration says, and an example that really gets no tier.
"$py" tests/cli/lib/coverage_oracle.py "$SLATE" 300 15 >"$tmp/oracle" 2>&1 ||
    { cat "$tmp/oracle"; fail "coverage proof disagrees with enumeration"; }

# 2. Fast: 10,000 rules and 1,000 tiers (bench/genpolicy.sh) in well under 1 s
# (the budget here is loose: the machine is shared).
sh bench/genpolicy.sh 10000 >"$tmp/g.slate"
start=$(date +%s%N)
"$SLATE" check -q "$tmp/g.slate" || fail "the generated policy must check clean"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 3000 ] || fail "check of 10k rules took ${ms} ms"

# 3. --strict turns the proof's warnings into errors (as --werror does).
cat >"$tmp/gap.slate" <<'P'
policy "gap" version "1"
case { kind: enum { inquiry, complaint, feedback } standing: enum { gold, regular } score: int }
clock response starts on opened stops on responded
sla gold when standing == gold { response within 30m }
sla complaints when kind in (inquiry, complaint) { response within 2h }
sla praise when kind == feedback and score > 0 { response within 3d }
P
"$SLATE" check "$tmp/gap.slate" 2>"$tmp/err" || fail "warnings alone must not fail check"
grep -q 'warning: some cases get no tier, e.g. kind = feedback, standing = regular, score = 0 \[W012\]' \
    "$tmp/err" || { cat "$tmp/err"; fail "W012 with its example"; }
"$SLATE" check --strict "$tmp/gap.slate" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "--strict: exit $rc, wanted 1"
grep -q 'error: some cases get no tier' "$tmp/err" || fail "--strict: not an error"

# 4. --format json: one object a line on stdout, nothing on stderr.
"$SLATE" check --format json "$tmp/gap.slate" >"$tmp/out" 2>"$tmp/err" || fail "json: exit $?"
[ -s "$tmp/err" ] && fail "json: stderr not empty: $(cat "$tmp/err")"
"$py" - "$tmp/out" <<'PY' || fail "json output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert set(r) == {"file", "line", "column", "end", "severity", "code", "message", "hints"}, r
assert (r["line"], r["column"], r["end"]) == (6, 5, {"line": 6, "column": 11}), r
assert (r["severity"], r["code"]) == ("warning", "W012"), r
assert r["hints"] and "default tier" in r["hints"][0], r
PY
"$SLATE" check --format json "$tmp/none.slate" >"$tmp/out" 2>/dev/null; rc=$?
[ $rc -eq 3 ] || fail "json: unreadable file exit $rc"
grep -q '"severity":"error".*"message":"cannot read' "$tmp/out" || fail "json: unreadable file"

# 5. --format sarif: one SARIF 2.1.0 log for all the files.
"$SLATE" check --format sarif "$tmp/gap.slate" policies/example.slate >"$tmp/out" 2>/dev/null
"$py" - "$tmp/out" <<'PY' || fail "sarif output"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
run = log["runs"][0]
assert run["tool"]["driver"]["name"] == "slate"
ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
res = run["results"]
assert any(r["ruleId"] == "W012" for r in res), res
for r in res:
    assert r["ruleId"] in ids and r["level"] in ("error", "warning", "note")
    reg = r["locations"][0]["physicalLocation"]["region"]
    assert reg["startLine"] >= 1 and reg["startColumn"] >= 1
PY

# 6. slate test --format json: one object per test result.
cat >"$tmp/t.test" <<T
policy "$PWD/policies/service-2025.slate"
offset +08:00
test "right" {
    2025-03-10T10:00 opened c1 kind=complaint
    until 2025-03-10T13:00
    expect breach response at 2025-03-10T12:00
}
test "wrong instant" {
    2025-03-10T10:00 opened c1 kind=complaint
    until 2025-03-10T13:00
    expect breach response at 2025-03-10T12:01
}
T
"$SLATE" test --format json "$tmp/t.test" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "test json: exit $rc, wanted 1"
"$py" - "$tmp/out" <<'PY' || { cat "$tmp/out"; fail "test json output"; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [(r["test"], r["result"], r["line"], r["severity"]) for r in rows] == [
    ("right", "pass", 3, "note"), ("wrong instant", "fail", 8, "error")], rows
assert any("0 decisions matched" in h for h in rows[1]["hints"]), rows[1]
assert set(rows[0]) >= {"file", "line", "column", "end", "severity", "code", "message", "hints"}
PY
grep -q '^tests: 1 passed, 1 failed$' "$tmp/err" || fail "test json: totals on stderr"

# 7. Three errors in three phases: a syntax error, an unknown field, a
# misspelt enum value, each with line, column and caret.
"$SLATE" check tests/golden/rec_three_phases.slate 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "three phases: exit $rc"
[ "$(grep -c ': error: ' "$tmp/err")" -eq 3 ] || { cat "$tmp/err"; fail "three phases: not 3 errors"; }
[ "$(grep -c '^ *| *\^' "$tmp/err")" -eq 3 ] || fail "three phases: carets"
for at in ':15:21: error: expected' ':12:33: error: unknown field `severty`' \
    ':16:29: error: `emergncy` is not a value of `severity`'; do
    grep -qF "$at" "$tmp/err" || fail "three phases: missing $at"
done
exit 0
