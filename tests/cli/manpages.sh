#!/usr/bin/env bash
# manpages.sh - slate(1) and slate-language(5): both format without a warning
# (groff -man -ww, when groff is installed); slate(1) has a section for every
# command of cli/commands.def and names every option its --help lists (it is
# made from those texts by tools/mkman.sh: this checks the conversion); and
# slate-language(5) names every keyword of grammar/lexer.l.  `make install`
# installing them is tests/cli/install.sh's.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
BUILD=${BUILD:?set BUILD to the build directory}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "manpages.sh: $*" >&2; bad=1; }

version=$(sed -n 's/^#define SLATE_VERSION "\(.*\)"/\1/p' include/slate_version.h)
tools/mkman.sh "$SLATE" "$version" > "$tmp/slate.1" || fail "tools/mkman.sh failed"
lang=man/slate-language.5
grep -q "^\.TH SLATE 1 .*slate $version" "$tmp/slate.1" || fail "slate.1: no .TH line with the version"

if command -v groff > /dev/null 2>&1; then
    for page in "$tmp/slate.1" $lang; do
        out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
        [ -z "$out" ] || fail "$page: groff warns: $out"
    done
    groff -man -Tutf8 -P-cbou "$tmp/slate.1" 2>/dev/null > "$tmp/slate.txt"
    grep -q '^ *slate check \[' "$tmp/slate.txt" || fail "slate.1 as text: no usage line of check"
else
    echo "manpages.sh: groff not installed, the pages not formatted"
fi

for c in $(sed -n 's/^CMD(\([a-z]*\),.*/\1/p' cli/commands.def); do
    grep -q "^\.SS \"slate $c\"$" "$tmp/slate.1" || fail "slate.1: no section for $c"
    for o in $("$SLATE" "$c" --help | sed -n 's/^ \{1,\}\(--[a-z][-a-z]*\).*/\1/p'); do
        grep -q "^\.B ${o//-/\\\\-}\( \|$\)" "$tmp/slate.1" ||
            fail "slate.1: $c's option $o is not an item"
    done
done
for k in $(sed -n 's/^"\([a-z]*\)"[[:space:]]*return T_.*/\1/p' grammar/lexer.l); do
    grep -qw -- "$k" $lang || fail "$lang does not name the keyword $k"
done
if [ -f "$BUILD/man/slate.1" ]; then
    cmp -s "$BUILD/man/slate.1" "$tmp/slate.1" || fail "$BUILD/man/slate.1 is stale (make rebuilds it)"
fi
exit $bad
