#!/bin/sh
# genpolicy.sh N - a policy with N event rules (and N/10 tiers, at least 1) for
# the compile-time, image-size and load+verify benchmarks.  Deterministic.
set -eu
n=${1:?usage: genpolicy.sh N}
cat <<HDR
policy "generated-$n" version "1"
case {
    kind:  enum { a, b, c, d, e, f, g, h }
    score: int
    team:  string
}
clock response   starts on opened stops on responded
clock resolution starts on opened stops on resolved, closed
HDR
t=$((n / 10)); [ "$t" -ge 1 ] || t=1
i=1
while [ $i -le $t ]; do
    echo "sla t$i when score == $i { response within ${i}m resolution within $((i + 60))m }"
    i=$((i + 1))
done
echo "sla default { response within 2h resolution within 48h }"
i=1
while [ $i -le "$n" ]; do
    echo "on opened when score == $i and kind == a as r$i { route team_$((i % 97)) }"
    i=$((i + 1))
done
