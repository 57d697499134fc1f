#!/usr/bin/env python3
"""editors_check.py - checks the highlighting of editors/ on real policies (issue 15):
the VS Code TextMate grammar (editors/vscode/syntaxes/slate.tmLanguage.json)
and the vim syntax file (editors/vim/syntax/slate.vim).

TextMate: vscode-textmate is not installable here (no npm registry), so this is a small
TextMate tokenizer of our own: `match` rules with `captures`, `begin`/`end`
rules with `beginCaptures`/`endCaptures` and nested `patterns`, `include` of
`#name`, `$self` and `$base`, line by line, the earliest match winning and the
first rule on a tie, a begin rule's `end` tried before its patterns.  Its
regexes are run by Python's `re`, so the grammar must keep to the syntax
Oniguruma and `re` share (it does; a pattern `re` cannot compile fails here).

The reference is an independent scanner that follows grammar/lexer.l: the
keyword list is read from lexer.l itself, so a keyword added there and not to
the grammar fails this test.  Every token of every file given must get the
right scope: a keyword keyword.*/storage.type.*/constant.language.*, a string
string.quoted.*, a duration constant.numeric.duration.*, an integer
constant.numeric.*, a percentage, time or date its constant, a comment
comment.line.*; and an identifier no keyword scope.

vim: vim itself is run headless on each file (with editors/vim first in its
runtimepath, so ftdetect/slate.vim must give the filetype) and the syntax group
of every byte is compared with the same reference: a keyword one of the slate
keyword groups, a string slateString, a duration slateDuration, and so on.

usage: editors_check.py textmate GRAMMAR LEXER.l FILE...
       editors_check.py vim EDITORS_VIM_DIR LEXER.l FILE...
"""
import os
import subprocess
import tempfile
import json
import re
import sys

fails = []


def fail(msg):
    if len(fails) < 40:
        print("FAIL:", msg, file=sys.stderr)
    fails.append(msg)


# ---- the tokenizer ---------------------------------------------------------------

class Grammar:
    def __init__(self, path):
        g = json.load(open(path))
        self.g = g
        self.repo = g.get("repository", {})
        self.cache = {}
        self.root = {"patterns": g["patterns"], "name": g["scopeName"]}

    def rx(self, src):
        if src not in self.cache:
            try:
                self.cache[src] = re.compile(src)
            except re.error as e:
                fail("pattern %r does not compile in Python's re: %s" % (src, e))
                self.cache[src] = re.compile(r"(?!x)x")
        return self.cache[src]

    def flatten(self, patterns, seen=None):
        """The match/begin rules a pattern list stands for, includes expanded."""
        out = []
        seen = seen or set()
        for p in patterns:
            inc = p.get("include")
            if inc is None:
                if "match" in p or "begin" in p:
                    out.append(p)
                elif "patterns" in p:
                    out.extend(self.flatten(p["patterns"], seen))
                continue
            if inc in ("$self", "$base"):
                key = inc
                target = self.root
            elif inc.startswith("#"):
                key = inc
                target = self.repo.get(inc[1:])
                if target is None:
                    fail("include %s: no such repository entry" % inc)
                    continue
            else:
                fail("include %s: only #name, $self and $base are supported" % inc)
                continue
            if key in seen:
                continue
            if "match" in target or "begin" in target:
                out.append(target)
            else:
                out.extend(self.flatten(target.get("patterns", []), seen | {key}))
        return out

    def tokenize(self, lines):
        """Per line, a list of the scope lists of each character."""
        stack = []  # (rule, compiled end)
        result = []
        for line in lines:
            scopes = [None] * len(line)
            pos = 0
            guard = 0
            while pos <= len(line):
                guard += 1
                if guard > 10 * (len(line) + 10):
                    fail("the tokenizer does not advance on %r" % line)
                    break
                ctx = stack[-1][0] if stack else self.root
                base = [r["name"] for r, _ in stack if "name" in r]
                best = None
                cands = []
                if stack:
                    cands.append(("end", stack[-1][1], None))
                for r in self.flatten(ctx.get("patterns", [])):
                    cands.append(("match" if "match" in r else "begin",
                                  self.rx(r.get("match") or r["begin"]), r))
                for kind, creg, r in cands:
                    m = creg.search(line, pos)
                    if m and (best is None or m.start() < best[1].start()):
                        best = (kind, m, r)
                if best is None:
                    for i in range(pos, len(line)):
                        scopes[i] = list(base)
                    break
                kind, m, r = best
                for i in range(pos, m.start()):
                    scopes[i] = list(base)
                if kind == "end":
                    rule = stack[-1][0]
                    self.paint(scopes, m, base, rule.get("endCaptures", rule.get("captures", {})))
                    stack.pop()
                elif kind == "match":
                    here = base + ([r["name"]] if "name" in r else [])
                    self.paint(scopes, m, here, r.get("captures", {}))
                else:
                    here = base + ([r["name"]] if "name" in r else [])
                    self.paint(scopes, m, here, r.get("beginCaptures", r.get("captures", {})))
                    stack.append((r, self.rx(r["end"])))
                if m.end() == m.start():
                    if kind == "match" or m.end() >= len(line):
                        # nothing consumed: give the character the base scopes and move on
                        if m.start() < len(line):
                            scopes[m.start()] = scopes[m.start()] or list(base)
                        pos = m.end() + 1
                        continue
                pos = m.end()
            result.append([s if s is not None else [] for s in scopes])
        return result

    @staticmethod
    def paint(scopes, m, here, captures):
        for i in range(m.start(), m.end()):
            scopes[i] = list(here)
        for k, c in sorted(captures.items(), key=lambda kv: int(kv[0])):
            g = int(k)
            if g > (m.re.groups or 0) or m.start(g) < 0 or "name" not in c:
                continue
            for i in range(m.start(g), m.end(g)):
                scopes[i] = scopes[i] + [c["name"]]


# ---- the reference scanner (grammar/lexer.l) ---------------------------------------

def lexer_keywords(path):
    kws = set()
    for line in open(path, encoding="utf-8"):
        m = re.match(r'^"([a-z]+)"\s+return\s+T_', line)
        if m:
            kws.add(m.group(1))
    return kws


TOKENS = [
    ("comment", re.compile(r"#[^\n]*")),
    ("string", re.compile(r'"([^"\\\n]|\\[^\n])*"')),
    ("date", re.compile(r"[0-9]+-[0-9]+-[0-9]+")),
    ("time", re.compile(r"[0-9]+:[0-9]+")),
    ("percent", re.compile(r"[0-9]+%")),
    ("int", re.compile(r"[0-9]+(?![A-Za-z0-9_])")),
    ("duration", re.compile(r"[0-9][A-Za-z0-9_]*")),
    ("word", re.compile(r"[A-Za-z_][A-Za-z0-9_]*")),
]
WANT = {
    "comment": ("comment.line.",),
    "string": ("string.quoted.",),
    "date": ("constant.other.date.",),
    "time": ("constant.other.time.",),
    "percent": ("constant.numeric.percent.",),
    "int": ("constant.numeric.integer.",),
    "duration": ("constant.numeric.duration.",),
    "keyword": ("keyword.", "storage.type.", "constant.language."),
}


def scan(line):
    i = 0
    while i < len(line):
        if line[i] in " \t\r":
            i += 1
            continue
        for kind, rx in TOKENS:
            m = rx.match(line, i)
            if m:
                yield kind, m.start(), m.end()
                i = m.end()
                break
        else:
            i += 1


VIM_GROUPS = {
    "comment": ("slateComment",),
    "string": ("slateString", "slateEscape"),
    "date": ("slateDate",),
    "time": ("slateTime",),
    "percent": ("slatePercent",),
    "int": ("slateNumber",),
    "duration": ("slateDuration",),
    "keyword": ("slateDeclaration", "slateType", "slateBoolean", "slateLogical", "slateAction",
                "slateKeyword"),
}

VIM_DUMP = r"""
if &filetype != 'slate'
  call writefile(['filetype: ' . &filetype], $DUMP_OUT)
  qa!
endif
let out = []
for l in range(1, line('$'))
  let row = []
  for c in range(1, col([l, '$']) - 1)
    let g = synIDattr(synID(l, c, 1), 'name')
    call add(row, g == '' ? '-' : g)
  endfor
  call add(out, join(row, ' '))
endfor
call writefile(out, $DUMP_OUT)
qa!
"""


def vim_scopes(vimdir, path, lines):
    """Per line, per character, a one-element list: vim's syntax group there."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "dump.vim")
        out = os.path.join(tmp, "dump.txt")
        open(script, "w").write(VIM_DUMP)
        env = dict(os.environ, DUMP_OUT=out)
        subprocess.run(["vim", "-Nu", "NONE", "-i", "NONE", "-n", "-es", "--cmd",
                        "set rtp^=" + os.path.abspath(vimdir), "--cmd", "filetype on", "--cmd",
                        "syntax on", "-c", "source " + script, path], env=env, timeout=120,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(out):
            fail("%s: vim wrote no syntax dump" % path)
            return None
        rows = open(out, encoding="utf-8").read().split("\n")
    if rows and rows[0].startswith("filetype:"):
        fail("%s: vim gave the %s (ftdetect/slate.vim not used)" % (path, rows[0]))
        return None
    res = []
    for ln, line in enumerate(lines):
        groups = rows[ln].split(" ") if ln < len(rows) and rows[ln] else []
        per_char = []
        for i in range(len(line)):
            b = len(line[:i].encode("utf-8"))
            per_char.append([groups[b]] if b < len(groups) else [])
        res.append(per_char)
    return res


def main():
    mode = sys.argv[1]
    if mode not in ("textmate", "vim"):
        print(__doc__, file=sys.stderr)
        return 2
    grammar = Grammar(sys.argv[2]) if mode == "textmate" else None
    keywords = lexer_keywords(sys.argv[3])
    files = sys.argv[4:]
    want = WANT if mode == "textmate" else VIM_GROUPS
    if len(keywords) < 40:
        fail("only %d keywords read from %s" % (len(keywords), sys.argv[3]))
    seen = {k: 0 for k in list(WANT) + ["word"]}
    kw_seen = set()
    for path in files:
        lines = open(path, encoding="utf-8").read().split("\n")
        toks = grammar.tokenize(lines) if grammar else vim_scopes(sys.argv[2], path, lines)
        if toks is None:
            continue
        for ln, line in enumerate(lines):
            # `starts late from change`: words the parser, not the lexer, makes keywords
            late = re.search(r"\bstarts\s+late\s+from\s+change\b", line.split("#")[0])
            for kind, a, b in scan(line):
                if kind == "word" and (line[a:b] in keywords or late and late.start() <= a < late.end()):
                    kind = "keyword"
                    kw_seen.add(line[a:b])
                seen[kind] += 1
                for i in range(a, b):
                    sc = toks[ln][i]
                    if kind == "word":
                        bad = [s for s in sc if s.startswith(want["keyword"])]
                        if bad:
                            fail("%s:%d:%d: identifier `%s` scoped as %s" % (path, ln + 1, a + 1, line[a:b], bad))
                            break
                    elif not any(s.startswith(want[kind]) for s in sc):
                        fail("%s:%d:%d: %s `%s` scoped %s, want %s" % (path, ln + 1, i + 1, kind, line[a:b], sc,
                                                                       want[kind][0]))
                        break
    for k, n in seen.items():
        if n == 0:
            fail("no %s token in the files: the check proves nothing for it" % k)
    missing = sorted(keywords - kw_seen)
    if missing:
        fail("keywords of the lexer in none of the files: %s" % " ".join(missing))
    print("editors_check %s: %d files, %s" % (mode, len(files), ", ".join("%d %s" % (n, k) for k, n in seen.items())))
    print("editors_check %s: %d failure(s)" % (mode, len(fails)))
    return 1 if fails else 0


sys.exit(main())
