#!/usr/bin/env bash
# editors.sh - the editor support in editors/ (issue 15): the VS Code TextMate
# grammar and the vim syntax file scope every keyword, string, duration, number,
# date, time and comment of every bundled policy as grammar/lexer.l reads it,
# and no identifier as a keyword (tests/cli/lib/editors_check.py; vscode-textmate
# cannot be installed here, so the grammar runs in a small tokenizer of our own).
# A file with every keyword of the lexer is checked too, so a keyword added to
# the language and not to the editors fails here; and a grammar with its
# duration rule removed must fail (the check can fail).  The extension's JSON
# files parse and name files that exist; extension.js parses (when node is
# installed); vim's check runs when vim is installed.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "editors.sh: no python3" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "editors.sh: $*" >&2; bad=1; }

{
    echo "# every keyword of grammar/lexer.l, one a line"
    sed -n 's/^"\([a-z]*\)"[[:space:]]*return T_.*/\1/p' grammar/lexer.l
    echo "clock c starts late from change"
} > "$tmp/keywords.slate"
files=(policies/*.slate tests/cli/run/basic.slate "$tmp/keywords.slate")
vs=editors/vscode

"$py" tests/cli/lib/editors_check.py textmate $vs/syntaxes/slate.tmLanguage.json grammar/lexer.l \
    "${files[@]}" || fail "the TextMate grammar"

# the check can fail: no duration rule, durations are not scoped
"$py" - $vs/syntaxes/slate.tmLanguage.json "$tmp/broken.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
lit = g["repository"]["literal"]["patterns"]
g["repository"]["literal"]["patterns"] = [p for p in lit if "duration" not in p.get("name", "")]
json.dump(g, open(sys.argv[2], "w"))
PY
if "$py" tests/cli/lib/editors_check.py textmate "$tmp/broken.json" grammar/lexer.l policies/example.slate \
    > "$tmp/broken.out" 2>&1; then
    fail "a grammar without durations passes the check"
fi
grep -q 'duration `' "$tmp/broken.out" || fail "the broken grammar failed for another reason: $(head -3 "$tmp/broken.out")"

# the extension's files
"$py" - $vs <<'PY' || fail "the VS Code extension's files"
import json, os, sys
d = sys.argv[1]
pkg = json.load(open(os.path.join(d, "package.json")))
json.load(open(os.path.join(d, "language-configuration.json")))
c = pkg["contributes"]
assert c["languages"][0]["id"] == "slate" and ".slate" in c["languages"][0]["extensions"]
for f in [pkg["main"], c["languages"][0]["configuration"], c["grammars"][0]["path"]]:
    assert os.path.exists(os.path.join(d, f)), f
assert c["grammars"][0]["scopeName"] == json.load(open(os.path.join(d, c["grammars"][0]["path"])))["scopeName"]
assert "vscode-languageclient" in pkg["dependencies"]
PY
grep -q "args: \['lsp'\]" $vs/extension.js || fail "extension.js does not start \`slate lsp\`"
if command -v node > /dev/null 2>&1; then
    node --check $vs/extension.js || fail "extension.js does not parse"
fi

if command -v vim > /dev/null 2>&1; then
    "$py" tests/cli/lib/editors_check.py vim editors/vim grammar/lexer.l "${files[@]}" || fail "the vim syntax file"
else
    echo "editors.sh: vim not installed, its syntax file not checked"
fi
exit $bad
