#!/usr/bin/env bash
# explain-why.sh - `slate explain` says why each tier choice of a case was made
# (issue 13, item 7): a golden story of one case under a policy of four tiers
# (and/or/not, comparisons, `in`, enum, bool, int, string, duration fields and
# `level`) whose tier changes seven times, by events, by a rule's `set` and by
# an `escalate`; a tier change by a policy switch (hot swap); then logs changed to mislead it (an edited payload, a payload
# that is no event, a renamed tier, a `set` and an `escalate` naming nothing, a
# stored source that is bytes with NULs, a NUL inside a condition's comment)
# read with --no-verify: explain exits 0, never crashes, and says it cannot
# tell, or that the log and this slate disagree, instead of giving reasons.
# Run by tests/run.sh with $SLATE and $BUILD set; the sanitizer build's slate
# (build/san/slate) runs the hostile cases too when it has been built.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v sqlite3 >/dev/null 2>&1 || { echo "explain-why.sh: the sqlite3 command is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "explain-why.sh: $*" >&2; exit 1; }
expect_rc() { # expect_rc RC CMD...: run CMD, output to $tmp/out and $tmp/err
    local want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(head -3 "$tmp/err")"
}
says() { # says FILE TEXT: FILE holds TEXT (fixed string)
    grep -qF -- "$2" "$1" || fail "$1 does not say \`$2\`: $(grep -m3 'why' "$1")"
}
D=tests/cli/explain-why

expect_rc 0 "$SLATE" run -q --log "$tmp/a.db" "$D/why.slate" "$D/events.jsonl" -o /dev/null
expect_rc 0 "$SLATE" explain "$tmp/a.db" c1
sed "s#$tmp/a.db#A.DB#" "$tmp/out" >"$tmp/story"
diff -u "$D/expected.txt" "$tmp/story" >&2 || fail "the story differs from $D/expected.txt"
# every tier choice explained, none in disagreement with the engine
n_sla=$(sqlite3 -batch -noheader "$tmp/a.db" "SELECT count(*) FROM decisions WHERE action = 'sla'")
n_why=$(grep -c "why (tiers in the order tried)" "$tmp/story")
[ "$n_sla" = 8 ] && [ "$n_why" = 8 ] || fail "$n_sla sla decisions, $n_why explained"
grep -q "why: not" "$tmp/story" && fail "a tier choice not explained: $(grep 'why: not' "$tmp/story")"

# a policy switch mid-case (`run --resume` with another policy: a hot swap)
# re-tiers the case at the swap; explained under the new source, on the values
# carried over by name
sed -e 's/sla large when (seats >= 500 or budget > 8h) and not vip/sla large when seats >= 10 and region == "eu"/' \
    -e 's/region != "cn"/region == "us"/' "$D/why.slate" >"$tmp/why.slate"
head -3 "$D/events.jsonl" >"$tmp/first.jsonl"
expect_rc 0 "$SLATE" run -q --log "$tmp/s.db" "$D/why.slate" "$tmp/first.jsonl" -o /dev/null
expect_rc 0 "$SLATE" run -q --resume --log "$tmp/s.db" "$tmp/why.slate" "$D/events.jsonl" -o /dev/null
expect_rc 0 "$SLATE" explain "$tmp/s.db" c1
says "$tmp/out" "2025-03-10T10:00:00.000Z  large, by why.slate:21 (timer)"
says "$tmp/out" 'urgent failed: `region == "us"` at why.slate:18, saw region="eu"'
says "$tmp/out" 'large  held: `seats >= 10 and region == "eu"` at why.slate:21, saw seats=20, region="eu"'
says "$tmp/out" 'large  failed: `region == "eu"` at why.slate:21, saw region="cn"'
n_sla=$(sqlite3 -batch -noheader "$tmp/s.db" "SELECT count(*) FROM decisions WHERE action = 'sla'")
n_why=$(grep -c "why (tiers in the order tried)" "$tmp/out")
[ "$n_sla" = "$n_why" ] || fail "after a swap: $n_sla sla decisions, $n_why explained"
grep -q "why: not" "$tmp/out" && fail "after a swap: $(grep 'why: not' "$tmp/out")"

# ---- logs changed to mislead it (read with --no-verify) -------------------------
slates="$SLATE"
[ -n "${BUILD:-}" ] && [ -x "$BUILD/san/slate" ] && slates="$slates $BUILD/san/slate"
# version 1's decisions table on a --log-schema 1 log (a1.db), the same edits
# of version 2's packed decisions column on a.db
expect_rc 0 "$SLATE" run -q --log-schema 1 --log "$tmp/a1.db" "$D/why.slate" "$D/events.jsonl" -o /dev/null
hostile() { # hostile NAME SQL TEXT [a1]: explain the changed log; it says TEXT
    rm -f "$tmp/t.db"*
    cp "$tmp/${4:-a}.db" "$tmp/t.db"
    sqlite3 "$tmp/t.db" "$2" || fail "$1: sqlite3"
    expect_rc 1 "$SLATE" explain "$tmp/t.db" c1 # the chain names the change
    for s in $slates; do
        expect_rc 0 "$s" explain --no-verify "$tmp/t.db" c1
        says "$tmp/out" "$3"
    done
}
hostile "edited payload" \
    "UPDATE events SET payload = replace(payload, '\"impact\":\"low\"', '\"impact\":\"critical\"') WHERE seq = 1" \
    'choose `major`, but the engine chose `std`; the log and this slate disagree'
hostile "payload that is no event" \
    "UPDATE events SET payload = '{\"case\":\"c1\",\"type\":\"updated\",\"at\":\"x\",\"impact\":\"nope\"}' WHERE seq = 2" \
    "why: not known (the case's values are not all in the log: event 2's payload does not read"
hostile "renamed tier (v1)" "UPDATE decisions SET tier = 'gold' WHERE seq = 1" \
    'choose `std`, but the engine chose `gold`' a1
hostile "set naming no field (v1)" \
    "UPDATE decisions SET args = '{\"field\":\"nope\",\"value\":1}' WHERE action = 'set'" \
    'why: not known (the case'"'"'s values are not all in the log: a `set` decision names no field' a1
hostile "set of the wrong type (v1)" \
    "UPDATE decisions SET args = '{\"field\":\"vip\",\"value\":\"yes\"}' WHERE action = 'set'" \
    'a `set` decision'"'"'s value does not fit its field' a1
hostile "escalate naming no level (v1)" \
    "UPDATE decisions SET args = '{\"level\":\"pope\"}' WHERE action = 'escalate'" \
    'an `escalate` decision names no level of the policy' a1
packed() { # packed FROM TO: the SQL replacing FROM with TO in every entry's packed decisions
    echo "UPDATE events SET decisions = replace(decisions, '$1', '$2') WHERE decisions IS NOT NULL"
}
hostile "renamed tier" "$(packed '{"tier":"std","targets":[{"clock":"response","target_s":14400},{"clock":"resolution","target_s":259200}]}' \
    '{"tier":"gold","targets":[{"clock":"response","target_s":14400},{"clock":"resolution","target_s":259200}]}')" \
    'choose `std`, but the engine chose `gold`'
hostile "set naming no field" "$(packed '{"field":"vip","value":true}' '{"field":"nope","value":1}')" \
    'why: not known (the case'"'"'s values are not all in the log: a `set` decision names no field'
hostile "set of the wrong type" "$(packed '{"field":"vip","value":true}' '{"field":"vip","value":"yes"}')" \
    'a `set` decision'"'"'s value does not fit its field'
hostile "escalate naming no level" "$(packed '{"level":"manager"}' '{"level":"pope"}')" \
    'an `escalate` decision names no level of the policy'
hostile "source of NUL bytes" "UPDATE policies SET source = CAST(x'00730000ff' AS TEXT)" \
    "why: not known (the stored source does not compile with this slate)"
hostile "no source" "UPDATE policies SET source = NULL" \
    "why: not known (the log does not store this policy's source)"

# a NUL byte in a comment inside a condition: the source compiles, the line is
# quoted safely, and the reasons are given
printf 'policy "n" version "1"\ncase { vip: bool }\nclock c starts on opened stops on responded\nsla v when vip # a \0 b\n  { c within 1h }\nsla s { c within 4h }\n' \
    >"$tmp/n.slate"
echo '{"type":"opened","case":"a","at":"2025-01-01T00:00:00Z","vip":false}' >"$tmp/n.jsonl"
expect_rc 0 "$SLATE" run -q "$tmp/n.slate" "$tmp/n.jsonl" -o /dev/null --log "$tmp/n.db"
for s in $slates; do
    expect_rc 0 "$s" explain "$tmp/n.db" a
    says "$tmp/out" 'v failed: `vip` at n.slate:4, saw vip=false'
    says "$tmp/out" "sla v when vip # a"
    says "$tmp/out" "s chosen: the default tier (no condition), n.slate:6"
done
echo "explain-why.sh: 8 tier choices explained, 12 changed logs survived"
