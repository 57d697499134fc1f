#!/usr/bin/env bash
# fmt.sh - `slate fmt` from the command line: stdout, -w (in place, mode kept, only
# when changed), --check, stdin, syntax errors, and the exit codes 0/1/2/3.
set -u
SLATE=${SLATE:-build/slate}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # want, description, command...
    local want=$1 what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    [ "$rc" -eq "$want" ] || { fail "$what: exit $rc, want $want"; cat "$tmp/err"; }
}

messy=tests/fmt/layout.slate
want=tests/fmt/layout.out
cp "$messy" "$tmp/a.slate"
cp "$want" "$tmp/b.slate"
chmod 640 "$tmp/a.slate"

# stdout, and the file is untouched
expect_rc 0 "fmt to stdout" "$SLATE" fmt "$tmp/a.slate"
cmp -s "$tmp/out" "$want" || fail "stdout differs from $want"
cmp -s "$tmp/a.slate" "$messy" || fail "fmt without -w changed the file"

# stdin
expect_rc 0 "fmt -" "$SLATE" fmt - <"$messy"
cmp -s "$tmp/out" "$want" || fail "stdin output differs"

# --check: names the files that would change, exit 1; 0 when all formatted
expect_rc 1 "--check unformatted" "$SLATE" fmt --check "$tmp/a.slate" "$tmp/b.slate"
[ "$(cat "$tmp/out")" = "$tmp/a.slate" ] || fail "--check listed: $(cat "$tmp/out")"
expect_rc 0 "--check formatted" "$SLATE" fmt --check "$tmp/b.slate"
[ -s "$tmp/out" ] && fail "--check printed for a formatted file"
expect_rc 1 "--check stdin" "$SLATE" fmt --check - <"$messy"
[ "$(cat "$tmp/out")" = "<stdin>" ] || fail "--check - listed: $(cat "$tmp/out")"

# -w: rewritten in place, mode kept, nothing on stdout, then formatted
touch -d '2001-01-01' "$tmp/b.slate"
expect_rc 0 "-w" "$SLATE" fmt -w "$tmp/a.slate" "$tmp/b.slate"
cmp -s "$tmp/a.slate" "$want" || fail "-w result differs from $want"
[ -s "$tmp/out" ] && fail "-w printed on stdout"
[ "$(stat -c %a "$tmp/a.slate")" = 640 ] || fail "-w changed the mode to $(stat -c %a "$tmp/a.slate")"
[ "$(stat -c %Y "$tmp/b.slate")" -lt 1000000000 ] || fail "-w rewrote a formatted file"
ls -A "$tmp" | grep -q fmt- && fail "-w left a temporary file"
expect_rc 0 "--check after -w" "$SLATE" fmt --check "$tmp/a.slate"

# -w through a symlink writes the target and keeps the link
ln -s a.slate "$tmp/link.slate"
cp "$messy" "$tmp/a.slate"
expect_rc 0 "-w symlink" "$SLATE" fmt -w "$tmp/link.slate"
[ -L "$tmp/link.slate" ] || fail "-w replaced the symlink"
cmp -s "$tmp/a.slate" "$want" || fail "-w through symlink did not format the target"

# syntax errors: diagnostics as `slate check` prints them (a file whose only errors
# are syntax errors, so check has nothing to add), exit 1, file untouched
printf 'policy "p"\non opened { route }\n' >"$tmp/bad.slate"
cp "$tmp/bad.slate" "$tmp/bad.orig"
expect_rc 1 "syntax error" "$SLATE" fmt -w "$tmp/bad.slate"
grep -q "bad.slate:2:.*error" "$tmp/err" || fail "no diagnostic: $(cat "$tmp/err")"
cmp -s "$tmp/bad.slate" "$tmp/bad.orig" || fail "a file with errors was changed"
"$SLATE" check "$tmp/bad.slate" 2>"$tmp/check.err"
cmp -s "$tmp/err" "$tmp/check.err" || fail "diagnostics differ from slate check's"
# other files are still formatted; the worst exit code wins
cp "$messy" "$tmp/a.slate"
expect_rc 1 "error + good" "$SLATE" fmt -w "$tmp/bad.slate" "$tmp/a.slate"
cmp -s "$tmp/a.slate" "$want" || fail "good file not formatted next to a bad one"

# I/O: unreadable file 3; unwritable directory 3
expect_rc 3 "missing file" "$SLATE" fmt "$tmp/nosuch.slate"
grep -q "cannot read" "$tmp/err" || fail "no message for a missing file"
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro"; cp "$messy" "$tmp/ro/a.slate"; chmod 555 "$tmp/ro"
    expect_rc 3 "read-only directory" "$SLATE" fmt -w "$tmp/ro/a.slate"
    chmod 755 "$tmp/ro"
    cmp -s "$tmp/ro/a.slate" "$messy" || fail "failed -w changed the file"
fi

# usage: 2
expect_rc 2 "no files" "$SLATE" fmt
expect_rc 2 "unknown option" "$SLATE" fmt --frobnicate "$messy"
expect_rc 2 "-w with --check" "$SLATE" fmt -w --check "$messy"
expect_rc 2 "-w stdin" "$SLATE" fmt -w -
expect_rc 0 "--help" "$SLATE" fmt --help
grep -q "usage: slate fmt" "$tmp/out" || fail "--help text"
"$SLATE" --help | grep -q "fmt" || fail "fmt missing from slate --help"

# every policy in the tree is already formatted or formats cleanly and stably
for f in policies/*.slate tests/fmt/*.slate; do
    "$SLATE" fmt "$f" >"$tmp/1" 2>"$tmp/err" || { fail "$f: $(cat "$tmp/err")"; continue; }
    "$SLATE" fmt "$tmp/1" >"$tmp/2" || fail "$f: output does not format"
    cmp -s "$tmp/1" "$tmp/2" || fail "$f: not idempotent"
done

# the bundled policies are the examples authors copy: they are kept in fmt's layout
"$SLATE" fmt --check policies/*.slate >"$tmp/out" 2>&1 ||
    fail "policies not in fmt layout (run: slate fmt -w policies/*.slate): $(cat "$tmp/out")"

[ "$fails" -eq 0 ] && echo "fmt.sh: ok"
[ "$fails" -eq 0 ]
