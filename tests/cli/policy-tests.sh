#!/usr/bin/env bash
# policy-tests.sh - `slate test` on the policies' own tests (every test passes,
# every rule, tier and ladder step covered), its failure modes and exit codes,
# and `slate gen` (deterministic, time-ordered, accepted by the policy; --policy
# only filters).
# Run by tests/run.sh with SLATE set to the binary under test.
set -eu
SLATE=${SLATE:-build/slate}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "policy-tests.sh: $*" >&2; exit 1; }

# 1. The policies' tests pass with full coverage.
"$SLATE" test --coverage-min 100 policies/tests > "$tmp/out" || { cat "$tmp/out"; fail "policy tests failed"; }
grep -q '^coverage of policies/service-2025.slate: 100.0%' "$tmp/out" || fail "coverage line missing"
grep -q '^tests: [0-9]* passed, 0 failed$' "$tmp/out" || fail "summary line missing"

# 2. A failing expectation: exit 1, the line named, the decisions listed.
cat > "$tmp/bad.test" <<T
policy "$PWD/policies/service-2025.slate"
offset +08:00
test "wrong instant" {
    2025-03-10T10:00 opened c1 kind=complaint
    until 2025-03-10T13:00
    expect breach response at 2025-03-10T12:01
}
T
set +e
"$SLATE" test "$tmp/bad.test" > "$tmp/out"; rc=$?
set -e
[ $rc -eq 1 ] || fail "failing test: exit $rc, wanted 1"
grep -q '  FAIL wrong instant' "$tmp/out" || fail "no FAIL line"
grep -q 'line 6: expected breach response at 2025-03-10T12:01+08:00; 0 decisions matched' "$tmp/out" \
    || fail "no explanation"
grep -q 'breach response target=2h elapsed=2h at 2025-03-10T12:00+08:00' "$tmp/out" || fail "decisions not listed"

# 3. Coverage below the minimum fails; a syntax error names file and line.
set +e
"$SLATE" test --coverage-min 100 policies/tests/r05-complaint-answer.test > "$tmp/out"; rc=$?
set -e
[ $rc -eq 1 ] || fail "low coverage: exit $rc, wanted 1"
grep -q 'below the required 100.0%' "$tmp/out" || fail "no coverage failure"
printf 'policy "x.slate"\ntest "t" {\n  +1h opened\n}\n' > "$tmp/syntax.test"
set +e
"$SLATE" test "$tmp/syntax.test" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "syntax error: exit $rc, wanted 1"
grep -q "syntax.test:3: relative time" "$tmp/err" || fail "syntax error not reported"
set +e
"$SLATE" test --coverage-min 101 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad option: exit $rc, wanted 2"

# 4. slate gen: same seed, same bytes; sorted by time; every event accepted by
#    the reference policy (a test that rejects nothing).
"$SLATE" gen --seed 11 --cases 300 > "$tmp/a.jsonl"
"$SLATE" gen --seed 11 --cases 300 > "$tmp/b.jsonl"
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "gen is not deterministic"
"$SLATE" gen --seed 12 --cases 300 | cmp -s - "$tmp/a.jsonl" && fail "seed ignored"
sed 's/.*"at":"\([^"]*\)".*/\1/' "$tmp/a.jsonl" | sort -c || fail "gen output not time-ordered"
[ "$(grep -c '"type":"opened"' "$tmp/a.jsonl")" -eq 300 ] || fail "wrong number of cases"
{
    printf 'policy "%s/policies/service-2025.slate"\ntest "generated" {\n' "$PWD"
    cat "$tmp/a.jsonl"
    printf '}\n'
} > "$tmp/gen.test"
"$SLATE" test "$tmp/gen.test" > "$tmp/out" || { grep -m5 'rejected' "$tmp/out"; fail "generated events rejected"; }

# 5. gen --policy only leaves things out (its --help says so): the same cases,
#    event types and times as the unfiltered stream, less the event types the
#    policy does not declare, and no field it does not declare.
"$SLATE" gen --seed 11 --cases 300 --policy policies/example.slate > "$tmp/ex.jsonl"
key() { sed 's/^\({"case":"[^"]*","type":"[^"]*","at":"[^"]*"\).*/\1/' "$1"; }
types=$(key "$tmp/ex.jsonl" | sed 's/.*"type":"\([^"]*\)".*/\1/' | sort -u | paste -sd'|')
key "$tmp/a.jsonl" | grep -E "\"type\":\"($types)\"" | cmp -s - <(key "$tmp/ex.jsonl") ||
    fail "gen --policy changed more than it left out"
[ "$(wc -l < "$tmp/ex.jsonl")" -lt "$(wc -l < "$tmp/a.jsonl")" ] || fail "gen --policy left no event type out"
grep -q '"standing":' "$tmp/ex.jsonl" && fail "gen --policy wrote a field example.slate does not declare"
grep -q '"severity":' "$tmp/ex.jsonl" || fail "gen --policy left out a declared field"
exit 0
