#!/usr/bin/env python3
"""lsp_session.py - scripted JSON-RPC sessions with `slate lsp` (issue 15).

Speaks the Language Server Protocol to the server over pipes, as an editor
does, and checks every reply: initialize, diagnostics on open and change,
hover, definition, references, completion, document symbols, formatting,
shutdown and exit; then hostile input (bad headers, bodies that are not JSON or
not requests, unknown methods, wrong parameters, random bytes), which must get
JSON-RPC errors and never a crash.

usage: lsp_session.py SLATE [WRAPPER...]   (e.g. a valgrind command line first)
Exit status 0 when every check passed.
"""
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading

SLATE = sys.argv[1]
WRAP = sys.argv[2:]
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what, file=sys.stderr)


POLICY = '''policy "t" version "1"

calendar office {
    zone "Europe/Paris"
    hours mon-fri 09:00-17:00
}

case {
    kind: enum { question, incident }
    vip:  bool
}

levels { agent, lead }

events { triaged }

clock response starts on opened
               stops on responded, triaged

ladder fast {
    at breach of response notify lead "\u00e9\u20ac\U0001F680 late"; escalate to lead
}

sla urgent when kind == incident and vip {
    response within 1h on office
    ladder fast
}

sla normal {
    response within 1 working day on office
}

on opened when kind == incident as page {
    notify oncall "incident"
}
'''
LINES = POLICY.split("\n")
URI = "file:///tmp/t.slate"


def pos(line_no, needle, nth=0, plus=0):
    """LSP position (0-based line, UTF-16 character) of the nth `needle` on
    0-based line `line_no`."""
    text = LINES[line_no]
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += plus
    return {"line": line_no, "character": len(text[:at].encode("utf-16-le")) // 2}


def line_of(needle, nth=0):
    seen = 0
    for i, l in enumerate(LINES):
        if needle in l:
            if seen == nth:
                return i
            seen += 1
    raise KeyError(needle)


class Server:
    def __init__(self):
        self.p = subprocess.Popen(WRAP + [SLATE, "lsp", "--stdio"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.q = queue.Queue()
        self.next_id = 100
        threading.Thread(target=self._reader, daemon=True).start()
        self.err = b""
        threading.Thread(target=self._stderr, daemon=True).start()

    def _stderr(self):
        self.err = self.p.stderr.read()

    def _reader(self):
        out = self.p.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.rstrip(b"\r\n")
                if not line:
                    break
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers[b"content-length"])
            body = out.read(n)
            self.q.put(json.loads(body))

    def raw(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except BrokenPipeError:
            check(False, "the server closed its input early")

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def recv(self, timeout=60):
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            check(False, "no message from the server within %d s" % timeout)
            return None

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params=None):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.reply(self.next_id)

    def reply(self, want_id):
        """The response to request `want_id` (notifications before it are kept)."""
        self.pending = getattr(self, "pending", [])
        while True:
            m = self.recv()
            if m is None:
                check(False, "the server ended before answering %r" % want_id)
                return {}
            if "id" in m and "method" not in m and m["id"] == want_id:
                return m
            self.pending.append(m)

    def diagnostics(self):
        """The next publishDiagnostics notification's params."""
        self.pending = getattr(self, "pending", [])
        for i, m in enumerate(self.pending):
            if m.get("method") == "textDocument/publishDiagnostics":
                return self.pending.pop(i)["params"]
        while True:
            m = self.recv()
            if m is None:
                check(False, "no diagnostics before the server ended")
                return {"diagnostics": []}
            if m.get("method") == "textDocument/publishDiagnostics":
                return m["params"]
            self.pending.append(m)

    def finish(self, timeout=120):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            check(False, "the server did not end")
            return -1


def td(uri=URI):
    return {"textDocument": {"uri": uri}}


def at(p):
    d = td()
    d["position"] = p
    return d


def main_session():
    s = Server()
    r = s.request("textDocument/hover", at({"line": 0, "character": 0}))
    check(r.get("error", {}).get("code") == -32002, "a request before initialize: -32002, got %r" % r)
    r = s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    caps = r.get("result", {}).get("capabilities", {})
    for c in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
              "documentFormattingProvider"):
        check(caps.get(c) is True, "initialize: %s" % c)
    check(caps.get("textDocumentSync", {}).get("change") == 1, "initialize: full sync")
    check("completionProvider" in caps, "initialize: completion")
    check(r["result"].get("serverInfo", {}).get("name") == "slate", "initialize: serverInfo")
    s.notify("initialized", {})

    # ---- diagnostics ----
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "slate",
                                                       "version": 1, "text": POLICY}})
    d = s.diagnostics()
    check(d.get("uri") == URI and d.get("diagnostics") == [], "a clean policy: no diagnostics, got %r" % d)
    bad = POLICY.replace("when kind == incident and vip", "when kind == incidnet and vip")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                        "contentChanges": [{"text": bad}]})
    d = s.diagnostics()["diagnostics"]
    check(len(d) == 1, "one misspelt value: one diagnostic, got %r" % d)
    if d:
        ln = line_of("sla urgent")
        col = LINES[ln].index("incident")
        check(d[0]["severity"] == 1 and d[0]["source"] == "slate", "the error's severity: %r" % d[0])
        check(d[0]["range"] == {"start": {"line": ln, "character": col},
                                "end": {"line": ln, "character": col + 8}},
              "the error's range: %r" % d[0]["range"])
        check("incidnet" in d[0]["message"] and "incident" in d[0]["message"],
              "the error names the value and the hint: %r" % d[0]["message"])
    # a syntax error and a name error in the same text: both reported
    two = bad.replace("levels { agent, lead }", "levels { agent lead }")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3},
                                        "contentChanges": [{"text": two}]})
    d = s.diagnostics()["diagnostics"]
    check(len(d) >= 1 and all(x["severity"] == 1 for x in d), "a syntax error is reported: %r" % d)
    # a ranged change (incremental sync) that repairs the value again
    ln = line_of("sla urgent")
    c0 = LINES[ln].index("incident")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 4}, "contentChanges": [
        {"text": POLICY},
        {"range": {"start": {"line": ln, "character": c0}, "end": {"line": ln, "character": c0 + 8}},
         "text": "question"}]})
    d = s.diagnostics()["diagnostics"]
    check(d == [], "a ranged change applied: no diagnostics, got %r" % d)
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 5},
                                        "contentChanges": [{"text": POLICY}]})
    check(s.diagnostics()["diagnostics"] == [], "back to the clean text")

    # ---- hover ----
    def hover(p):
        r = s.request("textDocument/hover", at(p))
        res = r.get("result") or {}
        return res.get("contents", {}).get("value", "")

    ln = line_of("sla urgent")
    h = hover(pos(ln, "kind", plus=1))
    check("enum { question, incident }" in h, "hover on a field gives its type: %r" % h)
    h = hover(pos(ln, "incident"))
    check("value `incident` of field `kind`" in h, "hover on an enum value: %r" % h)
    h = hover(pos(ln, "urgent"))
    check("response within 1h on office" in h and "ladder fast" in h and "kind == incident and vip" in h,
          "hover on a tier gives its targets: %r" % h)
    h = hover(pos(line_of("response within 1h"), "response"))
    check("starts on opened" in h and "stops on responded, triaged" in h,
          "hover on a clock gives its events: %r" % h)
    h = hover(pos(line_of("response within 1h"), "office"))
    check("mon-fri 09:00-17:00" in h and "Europe/Paris" in h, "hover on a calendar gives its hours: %r" % h)
    h = hover(pos(line_of("escalate to lead"), "lead", nth=1))
    check("level `lead` (2 of 2" in h, "hover on a level after a non-ASCII string: %r" % h)
    h = hover(pos(line_of("stops on responded"), "triaged"))
    check("declared" in h and "stops clock response" in h, "hover on an event: %r" % h)
    r = s.request("textDocument/hover", at({"line": 0, "character": 0}))
    check(r.get("result") is None and "error" not in r, "hover on a keyword: null, got %r" % r)

    # ---- definition ----
    def definition(p):
        r = s.request("textDocument/definition", at(p))
        return (r.get("result") or {}).get("range", {}).get("start")

    check(definition(pos(line_of("    ladder fast"), "fast")) == pos(line_of("ladder fast {"), "fast"),
          "definition of a ladder")
    check(definition(pos(ln, "incident")) == pos(line_of("kind: enum"), "incident"),
          "definition of an enum value")
    check(definition(pos(line_of("escalate to lead"), "lead", nth=1)) == pos(line_of("levels {"), "lead"),
          "definition of a level (UTF-16 columns)")
    check(definition(pos(line_of("stops on responded"), "triaged")) == pos(line_of("events {"), "triaged"),
          "definition of an event")
    check(definition(pos(line_of("response within 1h"), "office")) == pos(line_of("calendar office"), "office"),
          "definition of a calendar")
    check(definition(pos(line_of("response within 1h"), "response")) == pos(line_of("clock response"), "response"),
          "definition of a clock")
    check(definition(pos(ln, "vip")) == pos(line_of("vip:"), "vip"), "definition of a field")
    r = s.request("textDocument/definition", at(pos(line_of("starts on opened"), "opened")))
    check(r.get("result") is None and "error" not in r, "a built-in event has no definition: %r" % r)

    # ---- references ----
    def refs(p, decl):
        q = at(p)
        q["context"] = {"includeDeclaration": decl}
        r = s.request("textDocument/references", q)
        return sorted((x["range"]["start"]["line"], x["range"]["start"]["character"])
                      for x in (r.get("result") or []))

    rr = refs(pos(line_of("clock response"), "response"), True)
    want = sorted([(line_of("clock response"), 6),
                   (line_of("at breach of response"), LINES[line_of("at breach of response")].index("response")),
                   (line_of("response within 1h"), 4), (line_of("response within 1 working"), 4)])
    check(rr == want, "references of a clock: %r, want %r" % (rr, want))
    rr = refs(pos(line_of("clock response"), "response"), False)
    check(len(rr) == 3, "references without the declaration: %r" % rr)
    rr = refs(pos(line_of("kind: enum"), "incident"), True)
    check(len(rr) == 3, "references of an enum value (declaration, tier, rule): %r" % rr)
    rr = refs(pos(line_of("levels {"), "lead"), True)
    check(len(rr) == 2, "references of a level: %r" % rr)

    # ---- completion ----
    def complete(text_line, needle, plus):
        # put a half-typed line into the document, complete at its end
        lines = list(LINES)
        lines[text_line] = needle
        s.notify("textDocument/didChange", {"textDocument": {"uri": URI},
                                            "contentChanges": [{"text": "\n".join(lines)}]})
        s.diagnostics()
        r = s.request("textDocument/completion",
                      at({"line": text_line, "character": len(needle) + plus}))
        res = r.get("result")
        items = res.get("items", []) if isinstance(res, dict) else (res or [])
        return sorted(i["label"] for i in items)

    rl = line_of("on opened when")
    check(complete(rl, "on opened when kind == ", 0) == ["incident", "question"],
          "completion of enum values after ==")
    check(complete(rl, "on opened when kind in (question, ", 0) == ["incident", "question"],
          "completion of enum values in a list")
    check(complete(rl, "on opened when vip == t", 0) == ["false", "true"], "completion of a bool")
    check(complete(line_of("escalate to lead"), "    at breach of response escalate to ", 0) == ["agent", "lead"],
          "completion of levels")
    check(complete(line_of("escalate to lead"), "    at breach of ", 0) == ["response"], "completion of clocks")
    ev = complete(line_of("stops on responded"), "               stops on ", 0)
    check("triaged" in ev and "opened" in ev and "incident" not in ev, "completion of events: %r" % ev)
    cal = complete(line_of("response within 1h"), "    response within 1h on ", 0)
    check(cal == ["office"], "completion of calendars: %r" % cal)
    every = complete(rl, "on opened when ", 0)
    for w in ("kind", "vip", "incident", "lead", "response", "fast", "office", "triaged", "sla", "within"):
        check(w in every, "completion offers %s" % w)
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{"text": POLICY}]})
    s.diagnostics()

    # ---- document symbols ----
    r = s.request("textDocument/documentSymbol", td())
    names = [x["name"] for x in r.get("result") or []]
    check(names == ["office", "case", "levels", "events", "response", "fast", "urgent", "normal",
                    "on opened as page"], "document symbols: %r" % names)
    case = [x for x in r.get("result") or [] if x["name"] == "case"]
    if case:
        kids = [k["name"] for k in case[0].get("children", [])]
        check(kids == ["kind", "vip"], "the case's fields: %r" % kids)
        vals = [v["name"] for v in case[0]["children"][0].get("children", [])]
        check(vals == ["question", "incident"], "an enum's values: %r" % vals)

    # ---- formatting ----
    ugly = POLICY.replace("    zone \"Europe/Paris\"", "  zone   \"Europe/Paris\"")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{"text": ugly}]})
    s.diagnostics()
    r = s.request("textDocument/formatting", {"textDocument": {"uri": URI},
                                              "options": {"tabSize": 4, "insertSpaces": True}})
    edits = r.get("result") or []
    want = subprocess.run([SLATE, "fmt", "-"], input=ugly.encode(), capture_output=True).stdout.decode()
    check(len(edits) == 1 and edits[0]["newText"] == want, "formatting gives `slate fmt`'s text")
    if edits:
        check(edits[0]["range"]["start"] == {"line": 0, "character": 0} and
              edits[0]["range"]["end"] == {"line": len(LINES) - 1, "character": 0},
              "formatting replaces the whole document: %r" % edits[0]["range"])
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{"text": want}]})
    s.diagnostics()
    r = s.request("textDocument/formatting", {"textDocument": {"uri": URI}, "options": {}})
    check(r.get("result") == [], "a formatted document: no edits, got %r" % r)
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI},
                                        "contentChanges": [{"text": "policy \"x\" version {"}]})
    s.diagnostics()
    r = s.request("textDocument/formatting", {"textDocument": {"uri": URI}, "options": {}})
    check(r.get("error", {}).get("code") == -32803, "formatting a syntax error fails: %r" % r)

    # ---- close ----
    s.notify("textDocument/didClose", td())
    check(s.diagnostics() == {"uri": URI, "diagnostics": []}, "closing clears the diagnostics")
    r = s.request("textDocument/hover", at({"line": 0, "character": 0}))
    check(r.get("error", {}).get("code") == -32602, "a closed document: -32602, got %r" % r)

    r = s.request("shutdown")
    check("result" in r and r["result"] is None, "shutdown: null, got %r" % r)
    r = s.request("textDocument/hover", at({"line": 0, "character": 0}))
    check(r.get("error", {}).get("code") == -32600, "a request after shutdown: -32600, got %r" % r)
    s.notify("exit", None)
    rc = s.finish()
    check(rc == 0, "exit after shutdown: status 0, got %d: %s" % (rc, s.err.decode(errors="replace")[-2000:]))


def hostile_session():
    s = Server()
    r = s.request("initialize", {"capabilities": {}})
    check("result" in r, "initialize (hostile session)")
    # a body that is not JSON
    s.raw(b"Content-Length: 9\r\n\r\n{not json")
    m = s.recv()
    check(m and m.get("id") is None and m.get("error", {}).get("code") == -32700, "not JSON: -32700, %r" % m)
    # Content-Length that is not a number, negative, huge; missing; a header without a colon
    for hdr in (b"Content-Length: abc\r\n\r\n", b"Content-Length: -5\r\n\r\n",
                b"Content-Length: 99999999999999999999\r\n\r\n", b"Content-Type: x\r\n\r\n",
                b"garbage\r\n\r\n", b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n",
                b"X-Long: " + b"a" * 5000 + b"\r\n\r\n"):
        s.raw(hdr)
        m = s.recv()
        check(m and m.get("id") is None and m.get("error", {}).get("code") == -32700,
              "a bad header block %r: -32700, got %r" % (hdr[:40], m))
    # JSON that is not a request
    for body, code in ((b"[]", -32600), (b"[1,2]", -32600), (b"42", -32600), (b'"x"', -32600),
                       (b'{"jsonrpc":"1.0","id":1,"method":"x"}', -32600),
                       (b'{"jsonrpc":"2.0","id":{},"method":"x"}', -32600),
                       (b'{"jsonrpc":"2.0","id":7}', -32600),
                       (b'{"jsonrpc":"2.0","id":8,"method":5}', -32600),
                       (b'{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}', -32700),
                       (b'\xff\xfe{}', -32700)):
        s.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        m = s.recv()
        check(m and m.get("error", {}).get("code") == code, "%r: %d, got %r" % (body, code, m))
    # an unknown method: -32601 with its id; an unknown notification: no answer
    s.notify("workspace/whatever", {"x": 1})
    s.notify("$/cancelRequest", {"id": 3})
    r = s.request("workspace/whatever", {})
    check(r.get("error", {}).get("code") == -32601, "an unknown method: -32601, got %r" % r)
    check(not getattr(s, "pending", []), "a notification got an answer: %r" % getattr(s, "pending", []))
    # parameters of the wrong shape
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "text": POLICY}})
    s.diagnostics()
    for params in (None, [], {"textDocument": {}}, {"textDocument": {"uri": URI}},
                   {"textDocument": {"uri": URI}, "position": {"line": "0", "character": 0}},
                   {"textDocument": {"uri": URI}, "position": {"line": -1, "character": 0}},
                   {"textDocument": {"uri": 5}, "position": {"line": 0, "character": 0}}):
        r = s.request("textDocument/hover", params)
        check(r.get("error", {}).get("code") == -32602, "hover with params %r: -32602, got %r" % (params, r))
    # positions past the end are clamped, not trusted
    r = s.request("textDocument/hover", at({"line": 100000, "character": 100000}))
    check("error" not in r, "a position past the end: %r" % r)
    r = s.request("textDocument/completion", at({"line": 3, "character": 100000}))
    check(isinstance(r.get("result"), list), "completion past the end of a line: %r" % r)
    # changes that do not apply, to documents that are not open
    s.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nope"}, "contentChanges": []})
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [
        {"range": {"start": {"line": 5, "character": 0}, "end": {"line": 1, "character": 0}}, "text": "x"}]})
    check(s.diagnostics()["diagnostics"] == [], "a reversed range is not applied")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{"text": 5}]})
    s.diagnostics()
    # a policy that is hostile itself: deep nesting, a long chain, NUL bytes
    for text in ("sla x when " + "(" * 5000 + "a" + ")" * 5000 + " { }",
                 "case { a: int }\nsla x when " + " or ".join(["a == 1"] * 3000) + " { }",
                 "policy \"\x00\" version \"1\"\n\x00\x01\x02",
                 "\ufeff" + POLICY[:200]):
        s.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{"text": text}]})
        d = s.diagnostics()
        check(isinstance(d.get("diagnostics"), list), "diagnostics of a hostile policy")
        r = s.request("textDocument/documentSymbol", td())
        check("result" in r, "symbols of a hostile policy: %r" % r)
    # random bytes, then the end of the input: the server ends by itself, status 1
    rnd = random.Random(15)
    s.raw(bytes(rnd.randrange(256) for _ in range(20000)))
    s.raw(b"Content-Length: 50\r\n\r\n{\"jsonrpc\":")
    rc = s.finish()
    check(rc == 1, "input ended without shutdown: status 1, got %d: %s" % (rc, s.err.decode(errors="replace")[-2000:]))

    # exit without shutdown
    s = Server()
    s.notify("exit", None)
    rc = s.finish()
    check(rc == 1, "exit without shutdown: status 1, got %d" % rc)


def sweep_session(files, step):
    """Open each policy (the bundled ones, and the golden files full of syntax
    and name errors) and ask everything at every `step`-th character: every
    answer must be a result of the right shape, never an error or a crash."""
    s = Server()
    s.request("initialize", {"capabilities": {}})
    asked = 0
    for path in files:
        text = open(path, encoding="utf-8", errors="replace").read()
        uri = "file://" + os.path.abspath(path)
        s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "slate",
                                                           "version": 1, "text": text}})
        d = s.diagnostics()
        check(d.get("uri") == uri and isinstance(d.get("diagnostics"), list), "%s: diagnostics" % path)
        for x in d.get("diagnostics", []):
            check(x["range"]["start"]["line"] >= 0 and x["message"], "%s: a diagnostic %r" % (path, x))
        r = s.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
        check(isinstance(r.get("result"), list), "%s: symbols %r" % (path, r))
        i = 0
        for ln, line in enumerate(text.split("\n")):
            for ch in range(0, len(line) + 1):
                i += 1
                if i % step:
                    continue
                q = {"textDocument": {"uri": uri}, "position": {"line": ln, "character": ch}}
                for m in ("hover", "definition", "completion"):
                    r = s.request("textDocument/" + m, q)
                    asked += 1
                    check("error" not in r and "result" in r, "%s:%d:%d: %s: %r" % (path, ln + 1, ch, m, r))
                q["context"] = {"includeDeclaration": True}
                r = s.request("textDocument/references", q)
                check(isinstance(r.get("result"), (list, type(None))), "%s:%d:%d: references %r" % (path, ln + 1, ch, r))
        r = s.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {}})
        check("result" in r or r.get("error", {}).get("code") == -32803, "%s: formatting %r" % (path, r))
        s.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        s.diagnostics()
    s.request("shutdown")
    s.notify("exit", None)
    rc = s.finish()
    check(rc == 0, "the sweep session: status %d: %s" % (rc, s.err.decode(errors="replace")[-2000:]))
    return asked


main_session()
hostile_session()
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
golden = sorted(os.path.join(root, "tests", "golden", f) for f in os.listdir(os.path.join(root, "tests", "golden"))
                if f.endswith(".slate"))
bundled = sorted(os.path.join(root, "policies", f) for f in os.listdir(os.path.join(root, "policies"))
                 if f.endswith(".slate"))
# under valgrind (a wrapper given) the golden files only, at fewer positions:
# the error paths, in a tolerable time
files = golden + bundled if not WRAP else golden
n = sweep_session(files, 31 if not WRAP else 97)
print("lsp_session: sweep: %d files, %d requests" % (len(files), n))
print("lsp_session: %d failure(s)" % len(fails))
sys.exit(1 if fails else 0)
