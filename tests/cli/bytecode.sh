#!/usr/bin/env bash
# bytecode.sh - `slate build`, `slate disasm` and the embedding example from the
# command line: outputs, exit codes (0 ok, 1 bad input, 2 usage, 3 I/O), the
# same bytes for the same source, refusal of a damaged image, and
# examples/embed running a built image through slate.h.
set -eu
: "${SLATE:=build/slate}" "${BUILD:=build}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "bytecode.sh: $*" >&2; exit 1; }

cp tests/bytecode/ladder.slate "$t/p.slate"
"$SLATE" build -q "$t/p.slate" || fail "build failed"
[ -s "$t/p.slc" ] || fail "default output p.slc missing"
"$SLATE" build -q "$t/p.slate" -o "$t/q.slc"
cmp -s "$t/p.slc" "$t/q.slc" || fail "two builds differ"
head -c 8 "$t/p.slc" | od -c | grep -q 'S   L   A   T   E   B   C  \\0' || fail "bad magic"

"$SLATE" disasm "$t/p.slc" >"$t/a.txt" || fail "disasm of the image failed"
"$SLATE" disasm "$t/p.slate" >"$t/b.txt" || fail "disasm of the source failed"
cmp -s "$t/a.txt" "$t/b.txt" || fail "disasm of image and source differ"
grep -q '^hash    [0-9a-f]\{64\}$' "$t/a.txt" || fail "no hash line"
grep -q 'TIER      gold' "$t/a.txt" || fail "no TIER gold"

# exit codes
set +e
"$SLATE" build "$t/missing.slate" 2>/dev/null; [ $? -eq 3 ] || fail "missing file: want 3"
printf 'policy "x" version "1"\non opened { route }\n' >"$t/bad.slate"
"$SLATE" build "$t/bad.slate" 2>/dev/null; [ $? -eq 1 ] || fail "bad policy: want 1"
"$SLATE" build 2>/dev/null; [ $? -eq 2 ] || fail "no argument: want 2"
"$SLATE" build --bogus "$t/p.slate" 2>/dev/null; [ $? -eq 2 ] || fail "bad option: want 2"
"$SLATE" disasm 2>/dev/null; [ $? -eq 2 ] || fail "disasm without file: want 2"
cp "$t/p.slc" "$t/bad.slc"
printf '\x01' | dd of="$t/bad.slc" bs=1 seek=200 conv=notrunc 2>/dev/null
msg=$("$SLATE" disasm "$t/bad.slc" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "damaged image: want 1, got $rc"
echo "$msg" | grep -q 'hash mismatch' || fail "damaged image: message was: $msg"
"$SLATE" build -q "$t/p.slate" -o "$t/no/such/dir/p.slc" 2>/dev/null; [ $? -eq 3 ] || fail "unwritable output: want 3"
set -e

"$SLATE" build --help | grep -q '^usage: slate build' || fail "build --help"
"$SLATE" disasm --help | grep -q '^usage: slate disasm' || fail "disasm --help"

# the embedding example
out=$("$BUILD/examples/embed" "$t/p.slc" 2>"$t/err") || { cat "$t/err" >&2; fail "embed failed"; }
echo "$out" | head -1 | grep -q '"action":"sla"' || fail "embed: first decision is not sla: $out"
echo "$out" | grep -q '"action":"breach"' || fail "embed: no breach decision"
grep -q 'policy ladder 3, hash [0-9a-f]\{64\}' "$t/err" || fail "embed: no policy line"
set +e
"$BUILD/examples/embed" "$t/bad.slc" 2>/dev/null; [ $? -eq 1 ] || fail "embed of a damaged image: want 1"
set -e
echo ok
