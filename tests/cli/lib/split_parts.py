#!/usr/bin/env python3
# split_parts.py - the event files the serve tests publish: GEN (`slate gen`
# output) plus one `tick` a day after its last event (so every timer due by then
# fires in `slate run` and in the workers alike) as DIR/ev.jsonl, and the same
# lines cut in three consecutive parts DIR/part0..2.jsonl.  It judges nothing.
#   split_parts.py GEN DIR
import json
import sys
from datetime import datetime, timedelta

lines = open(sys.argv[1]).read().splitlines(True)
t = datetime.fromisoformat(json.loads(lines[-1])["at"]) + timedelta(days=1)
lines.append(json.dumps({"type": "tick", "at": t.isoformat()}) + "\n")
open(sys.argv[2] + "/ev.jsonl", "w").writelines(lines)
n = len(lines)
for i, (a, b) in enumerate([(0, n // 3), (n // 3, 2 * n // 3), (2 * n // 3, n)]):
    open("%s/part%d.jsonl" % (sys.argv[2], i), "w").writelines(lines[a:b])
