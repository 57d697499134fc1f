#!/usr/bin/env bash
# mkman.sh SLATE VERSION - print slate(1) in man(7) roff, made from the program's
# own `slate --help` and `slate COMMAND --help` (so the page says what the
# commands do, option for option, and cannot drift from them), with the text
# of man/slate.1.in around it.  `make` runs it into $(B)/man/slate.1; `make
# install` installs that.  Not here: the language (man/slate-language.5).
set -eu
slate=$1 version=$2
here=$(cd "$(dirname "$0")/.." && pwd)

# help2roff: one command's --help text as a subsection body.  Lines indented
# by two spaces that start a term (`-o FILE   text`, `volvo   text`) become
# .TP items, deeper-indented lines continue the item; other lines are
# paragraphs, a blank line ends one.
help2roff() {
    sed -e 's/\\/\\e/g' | awk '
        # a text line must not start a request
        function out(s) { if (s ~ /^[.\047]/) s = "\\&" s; print s }
        NR == 1 { sub(/^usage: /, ""); printf ".PP\n.B %s\n", $0; para = 1; next }
        /^$/ { if (item || para) print ".PP"; item = 0; para = 0; next }
        /^  [^ ]/ {
            line = substr($0, 3)
            # the term runs to the first run of two or more spaces
            if (match(line, /  +/)) { term = substr(line, 1, RSTART - 1); rest = substr(line, RSTART + RLENGTH) }
            else { term = line; rest = "" }
            gsub(/-/, "\\-", term)
            printf ".TP\n.B %s\n", term
            if (rest != "") out(rest)
            item = 1; next
        }
        /^   / && item { sub(/^ +/, ""); out($0); next }
        { sub(/^ +/, ""); out($0); para = 1 }
    '
}

sed -e "s/@VERSION@/$version/" "$here/man/slate.1.in" | sed -n '1,/^\.\\" @COMMANDS@/p' | sed '$d'
echo ".SH COMMANDS"
"$slate" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' | while read -r cmd; do
    echo ".SS \"slate $cmd\""
    "$slate" "$cmd" --help | help2roff
done
sed -n '/^\.\\" @COMMANDS@/,$p' "$here/man/slate.1.in" | sed 1d
