"""test_slate.py - unittest of bindings/python/slate.py against a build's libraries.

Run by tests/cli/python.sh (`make test`) with SLATE_LIBSLATE (libslate.so),
SLATE_LIBSLATEC (libslatec.so) and SLATE (the CLI) set; the decisions of a
generated stream pushed as dicts must be those `slate run` writes for the same
JSON lines.  Not here: the engine's semantics (the C tests).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import slate  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REF = os.path.join(ROOT, "policies", "service-2025.slate")
SLATE = os.environ.get("SLATE", os.path.join(ROOT, "build", "slate"))
STEP_25 = "at 25% of resolution"

T0 = "2025-03-10T09:00:00Z"
HOUR = 3600 * 1000


def cli(*args):
    return subprocess.run([SLATE, *args], check=True, capture_output=True).stdout


class Binding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        slate.load_library(os.environ.get("SLATE_LIBSLATE"), os.environ.get("SLATE_LIBSLATEC"))
        cls.tmp = tempfile.TemporaryDirectory()
        cls.slc = os.path.join(cls.tmp.name, "p.slc")
        cli("build", "-q", REF, "-o", cls.slc)
        cls.prog = slate.Program.load(cls.slc)

    @classmethod
    def tearDownClass(cls):
        cls.prog.close()
        cls.tmp.cleanup()

    def test_version(self):
        with open(os.path.join(ROOT, "include", "slate_version.h")) as f:
            want = [ln.split('"')[1] for ln in f if ln.startswith("#define SLATE_VERSION ")][0]
        self.assertEqual(slate.version(), want)

    def test_program_schema(self):
        p = self.prog
        self.assertEqual(p.name, "service-2025")
        self.assertEqual(len(p.hash), 64)
        self.assertIn("opened", p.events)
        self.assertIn("resolution", p.clocks)
        self.assertEqual(p.fields["severity"]["type"], "enum")
        self.assertIn("emergency", p.fields["severity"]["values"])

    def test_source_compiles_to_the_image(self):
        self.assertTrue(slate.have_compiler())
        q = slate.Program.load(REF)  # source: compiled by libslatec
        self.assertEqual(q.hash, self.prog.hash)
        with open(REF) as f:
            r = slate.Program.compile(f.read(), "service-2025.slate")
        self.assertEqual(r.hash, self.prog.hash)
        with self.assertRaises(slate.SlateError) as cm:
            slate.Program.compile('policy "x" version "1"\non opened { route }\n', "bad.slate")
        self.assertIn("bad.slate:2:", str(cm.exception))
        self.assertIn("error:", str(cm.exception))
        with open(self.slc, "rb") as f:
            img = bytearray(f.read())
        img[-1] ^= 1
        with self.assertRaises(slate.SlateError) as cm:
            slate.Program.from_image(bytes(img))
        self.assertEqual(cm.exception.code, slate.ERROR)
        self.assertIn("hash", str(cm.exception))

    def test_stream_decides_as_slate_run(self):
        lines = cli("gen", "--cases", "400", "--seed", "7").decode().splitlines()
        self.assertGreater(len(lines), 1000)
        events = os.path.join(self.tmp.name, "ev.jsonl")
        with open(events, "w") as f:
            f.write("\n".join(lines) + "\n")
        want = [json.loads(x) for x in cli("run", self.slc, events).decode().splitlines()]
        got = []
        with slate.Engine(self.prog) as eng:
            for ln in lines:
                got.extend(eng.push(json.loads(ln)))
            self.assertEqual(eng.decisions, len(got))
        self.assertGreater(len(want), 1000)
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g, w)

    def test_push_many_is_push_one_by_one(self):
        lines = cli("gen", "--cases", "300", "--seed", "9").decode().splitlines()
        events = [json.loads(x) for x in lines]
        one = []
        with slate.Engine(self.prog) as eng:
            for ev in events:
                one.extend(eng.push(ev))
        many = []
        with slate.Engine(self.prog) as eng:
            for i in range(0, len(events), 97):
                many.extend(eng.push_many(events[i:i + 97]))
            self.assertEqual(eng.decisions, len(many))
            self.assertEqual(eng.push_many([]), [])
        self.assertGreater(len(one), 500)
        self.assertEqual(many, one)
        # an event the engine refuses stops the batch: the ones before it applied
        first = dict(events[0])
        far = dict(events[1], at="2099-01-01T00:00:00Z")
        with slate.Engine(self.prog) as eng:
            alone = len(eng.push(first))
        with slate.Engine(self.prog, max_jump_ms=3600 * 1000) as eng:
            with self.assertRaises(slate.SlateError) as cm:
                eng.push_many([first, far, events[2]])
            self.assertEqual(cm.exception.done, 1)
            self.assertGreater(alone, 0)
            self.assertEqual(eng.decisions, alone)

    def test_next_due_advance_and_cases(self):
        eng = slate.Engine(self.prog)
        self.assertIsNone(eng.next_due)
        self.assertIsNone(eng.now)
        out = eng.push({"case": "c1", "type": "opened", "at": T0, "kind": "complaint",
                        "severity": "emergency", "id": "e-1"})
        self.assertEqual(out[0]["action"], "sla")
        self.assertEqual(out[0]["id"], "e-1")
        self.assertEqual(eng.open_cases, 1)
        due = eng.next_due
        self.assertGreater(due, slate.to_ms(T0))
        self.assertEqual(eng.advance(due - 1), [])
        fired = eng.advance(due)
        self.assertTrue(fired)
        self.assertTrue(all(d["at"] == slate.iso(due) for d in fired))
        c = eng.case("c1")
        self.assertEqual(c["tier"], out[0]["tier"])
        running = [n for n, k in c["clocks"].items() if k["state"] == "running"]
        self.assertTrue(running)
        self.assertIsNone(eng.case("nope"))
        risky = eng.at_risk(100)
        self.assertTrue(risky)
        self.assertEqual(risky[0]["case"], "c1")
        self.assertLessEqual(risky[0]["left_ms"], 0)
        self.assertTrue(c["clocks"][risky[0]["clock"]]["breached"])
        self.assertEqual(eng.at_risk(100, limit=0), [])
        self.assertGreater(eng.memory_used, 0)
        self.assertGreater(eng.pending_timers, 0)
        eng.trim()
        eng.close()

    def test_tolerance_holds_and_flush_applies(self):
        eng = slate.Engine(self.prog, tolerance_ms=HOUR)
        base = {"kind": "complaint", "severity": "emergency"}
        self.assertEqual(eng.push(dict(base, case="a", type="opened", at=T0)), [])
        self.assertEqual(eng.buffered, 1)
        self.assertEqual(eng.now, slate.to_ms(T0))
        self.assertEqual(eng.watermark, slate.to_ms(T0) - HOUR)
        out = eng.flush()
        self.assertEqual(out[0]["action"], "sla")
        self.assertEqual(out[0]["at"], slate.iso(slate.to_ms(T0)))
        self.assertEqual(eng.buffered, 0)
        self.assertEqual(eng.watermark, eng.now)
        eng.close()

    def test_swap_away_and_back_fires_no_step_twice(self):
        with open(REF) as f:
            src = f.read()
        lines = src.split("\n")
        self.assertTrue(any(STEP_25 in ln for ln in lines))
        b = slate.Program.compile("\n".join("" if STEP_25 in ln else ln for ln in lines),
                                  "service-2025.slate")
        self.assertNotEqual(b.hash, self.prog.hash)
        # Monday 09:00 in Shanghai: 25% of a working day is due at 11:00 local
        t0 = slate.to_ms("2025-03-03T09:00:00+08:00")
        ev = {"case": "v1", "type": "opened", "at": t0, "kind": "complaint", "standing": "vip"}
        eng = slate.Engine(self.prog)
        eng.push(ev)
        out = eng.advance(t0 + 2 * HOUR + 30 * 60 * 1000)
        warned = [d for d in out if d["action"] == "warn" and d.get("percent") == 25]
        self.assertEqual(len(warned), 1)
        eng.swap(b)
        self.assertIs(eng.program, b)
        eng.swap(self.prog)
        again = eng.advance(t0 + 4 * HOUR)
        self.assertFalse([d for d in again if d["action"] == "warn" and d.get("percent") == 25])
        # a dict is resolved against the program of the moment: valid across swaps
        eng.swap(b)
        self.assertEqual(eng.push({"case": "v1", "type": "responded",
                                   "at": t0 + 5 * HOUR})[0]["case"], "v1")
        eng.close()

    def test_reject_and_bad_dicts(self):
        eng = slate.Engine(self.prog)
        eng.push({"case": "c1", "type": "opened", "at": T0})
        n = eng.decisions
        out = eng.reject({"case": "c2", "at": T0, "id": "bad-1"}, "line 2: not JSON")
        self.assertEqual(len(out), 1)
        d = out[0]
        self.assertEqual((d["action"], d["reason"], d["case"], d["seq"]),
                         ("reject", "line 2: not JSON", "c2", n + 1))
        for bad, what in [({"case": "c1", "type": "nosuch", "at": T0}, "event type"),
                          ({"case": "c1", "type": "updated", "at": T0, "nosuch": 1}, "field"),
                          ({"case": "c1", "type": "updated", "at": T0, "severity": "x"}, "value"),
                          ({"case": "c1", "type": "updated"}, "at")]:
            with self.assertRaises(ValueError) as cm:
                eng.push(bad)
            self.assertIn(what, str(cm.exception))
        with self.assertRaises(slate.SlateError) as cm:
            eng.push({"case": "c1", "type": "updated", "at": "9999-12-31T23:59:59Z"})
        self.assertEqual(cm.exception.code, slate.ERROR)  # past the forward-jump limit
        self.assertEqual(eng.decisions, n + 1)
        eng.close()
        with self.assertRaises(slate.SlateError):
            eng.push({"case": "c1", "type": "updated", "at": T0})


if __name__ == "__main__":
    unittest.main()
