#!/usr/bin/env python3
# decisions_cmp.py - compares the decisions `slate serve` published (as `slate
# archive --jsonl` writes them) with those `slate run` printed over the same
# events, case by case: each case's decisions, in order, must be the same.  The
# keys `seq` (numbered per partition by serve, per run by run) and `event` (the
# stream sequence in serve, the input line's in run) are left out; the event's
# own `id` stays.  Prints one line of figures; exit 0 when nothing is lost,
# doubled or out of order, 1 otherwise (with the first differences).
#   decisions_cmp.py RUN.jsonl ARCHIVE.jsonl [EVENTS.jsonl]
import collections, json, sys

def load(path):
    per_case = collections.OrderedDict()
    n = 0
    raw = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            n += 1
            raw[line] += 1
            d = json.loads(line)
            d.pop("seq", None)
            d.pop("event", None)
            per_case.setdefault(d.get("case", ""), []).append(json.dumps(d, sort_keys=True))
    return per_case, n, raw

want, nwant, _ = load(sys.argv[1])
got, ngot, raw = load(sys.argv[2])
events = 0
if len(sys.argv) > 3:
    with open(sys.argv[3], encoding="utf-8") as f:
        events = sum(1 for l in f if l.strip())
lost = doubled = misordered = 0
first = []
for case in set(want) | set(got):
    a, b = want.get(case, []), got.get(case, [])
    ca, cb = collections.Counter(a), collections.Counter(b)
    lost += sum((ca - cb).values())
    doubled += sum((cb - ca).values())
    if ca == cb and a != b:
        misordered += 1
    if a != b and len(first) < 3:
        for i, (x, y) in enumerate(zip(a + ["<none>"] * len(b), b + ["<none>"] * len(a))):
            if x != y:
                first.append("case %r, decision %d:\n  run:   %s\n  serve: %s" % (case, i + 1, x, y))
                break
same_line = sum(c - 1 for c in raw.values() if c > 1)
print("events %d, decisions: run %d, serve %d; lost %d, duplicated %d, cases out of order %d, "
      "repeated lines %d" % (events, nwant, ngot, lost, doubled, misordered, same_line))
for f in first:
    print(f)
sys.exit(0 if lost == doubled == misordered == same_line == 0 else 1)
