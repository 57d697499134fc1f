#!/usr/bin/env python3
# failover_time.py - how long the partitions of a killed worker took to move:
# reads the survivors' notices (`slate serve --log-time`), and for each
# partition given, finds the first "partition P: acquired" and "partition P:
# taken" after the kill.  Prints "acquired MS taken MS" (the slowest partition
# of each, in ms after the kill); exit 1 when one never moved.
#   failover_time.py KILL_MS "P P ..." SURVIVOR.err...
import sys
from datetime import datetime

kill = int(sys.argv[1])
parts = [int(p) for p in sys.argv[2].split()]
first = {}
for path in sys.argv[3:]:
    for line in open(path, encoding="utf-8", errors="replace"):
        stamp, _, rest = line.partition(" ")
        try:
            t = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000
        except ValueError:
            continue
        if t < kill:
            continue
        for p in parts:
            for what in ("acquired", "taken"):
                if ("partition %d: %s" % (p, what)) in rest:
                    first[(p, what)] = min(first.get((p, what), t), t)
missing = [p for p in parts if (p, "acquired") not in first or (p, "taken") not in first]
if missing:
    print("partitions not moved: %s" % missing)
    sys.exit(1)
print("acquired %d taken %d" % (max(first[(p, "acquired")] - kill for p in parts),
                                max(first[(p, "taken")] - kill for p in parts)))
