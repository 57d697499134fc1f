#!/usr/bin/env bash
# check.sh - `slate check` and `slate --help` as a user meets them: exit codes,
# every shipped policy clean, and a policy with three separate mistakes reported
# in full (three errors, each with a caret).  Run by tests/run.sh with $SLATE set.
set -u
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$SLATE" --help >/dev/null || fail "slate --help exit $?"
"$SLATE" check --help | grep -q '^usage: slate check' || fail "check --help"
"$SLATE" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command should exit 2"
"$SLATE" check 2>/dev/null; [ $? -eq 2 ] || fail "check without files should exit 2"
"$SLATE" check "$tmp/none.slate" 2>/dev/null; [ $? -eq 3 ] || fail "missing file should exit 3"

"$SLATE" check -q policies/*.slate || fail "shipped policies must check clean"

cat > "$tmp/three.slate" <<'P'
policy "three" version "1"
case { tier: enum { vip, regular } }
clock response starts on opened stops on responded
sla fast when tier == vpi { response within 15m }
sla slow { response within 2h on bussiness }
on opened when tier == vip { escalate to specalist }
levels { agent, specialist }
P
"$SLATE" check "$tmp/three.slate" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "three mistakes should exit 1, got $rc"
n=$(grep -c ': error: ' "$tmp/err")
[ "$n" -eq 3 ] || { cat "$tmp/err"; fail "expected 3 errors, got $n"; }
[ "$(grep -c '\^' "$tmp/err")" -eq 3 ] || fail "each error needs a caret"
grep -q 'did you mean `vip`' "$tmp/err" || fail "hint for vpi"
grep -q 'did you mean `business`' "$tmp/err" || grep -q 'bussiness' "$tmp/err" || fail "calendar name"
grep -q 'did you mean `specialist`' "$tmp/err" || fail "hint for specalist"
# Invalid UTF-8 in the file's name and in a quoted token: --format json and
# sarif keep every diagnostic (U+FFFD for the bad bytes), as the text does.
bad="$tmp/$(printf 'b\377d').slate"
printf 'policy "p" version "1"\ncase { a\342\202: int }\n' >"$bad"
n=$("$SLATE" check "$bad" 2>&1 | grep -c ': error: ')
[ "$n" -ge 1 ] || fail "invalid UTF-8: no error in the text output"
"$SLATE" check --format json "$bad" >"$tmp/json" 2>/dev/null
[ "$(wc -l <"$tmp/json")" -eq "$n" ] || { cat "$tmp/json"; fail "invalid UTF-8: --format json lost diagnostics"; }
python3 - "$tmp/json" "$n" <<'PY' || fail "invalid UTF-8: --format json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert all(r["file"].endswith("b\ufffdd.slate") for r in rows), rows
assert any("\ufffd" in r["message"] for r in rows), rows
PY
"$SLATE" check --format sarif "$bad" >"$tmp/sarif" 2>/dev/null
python3 - "$tmp/sarif" "$n" <<'PY' || fail "invalid UTF-8: --format sarif"
import json, sys
res = json.load(open(sys.argv[1], encoding="utf-8"))["runs"][0]["results"]
assert len(res) == int(sys.argv[2]), res
for r in res:
    assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("b\ufffdd.slate"), r
PY
exit 0
