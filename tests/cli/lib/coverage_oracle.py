#!/usr/bin/env python3
"""coverage_oracle.py SLATE N SEED - the coverage proof of `slate check` against
brute force.  Makes N random policies (enum, bool, int and string fields, tiers
with random conditions, with or without a default tier, rules), decides by
enumeration over a grid that holds a value of every class the constants make
(each constant, and one value in each gap), which tiers can be chosen, whether
some case gets no tier and which rule conditions never or always hold, and
compares with the codes `slate check --format json` gives (W010, W011, W012,
W013, W014, W015).  Prints the first disagreement and exits 1; exits 0 when all
agree.  A value outside the grid cannot tell two cases the grid does not, so
enumeration is exact here too."""
import itertools, json, random, subprocess, sys

slate, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
KIND = ["a", "b", "c"]
CONSTS = [0, 2, 3, 5]
STRS = ["x", "y"]
GRID = {"kind": KIND, "flag": [False, True], "n": [-1, 0, 1, 2, 3, 4, 5, 6],
        "s": ["x", "y", "z"]}
FIELDS = list(GRID)


def atom():
    f = rng.choice(FIELDS)
    if f == "kind":
        if rng.random() < 0.3:
            vals = rng.sample(KIND, rng.randint(1, 2))
            return f"kind in ({', '.join(vals)})", lambda c, v=vals: c["kind"] in v
        op = rng.choice(["==", "!=", "<", ">="])
        v = rng.choice(KIND)
        i = KIND.index(v)
        fn = {"==": lambda c: c["kind"] == v, "!=": lambda c: c["kind"] != v,
              "<": lambda c: KIND.index(c["kind"]) < i, ">=": lambda c: KIND.index(c["kind"]) >= i}[op]
        return f"kind {op} {v}", fn
    if f == "flag":
        return ("flag", lambda c: c["flag"]) if rng.random() < 0.5 else ("not flag", lambda c: not c["flag"])
    if f == "s":
        v = rng.choice(STRS)
        if rng.random() < 0.5:
            return f's == "{v}"', lambda c: c["s"] == v
        return f's != "{v}"', lambda c: c["s"] != v
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
    v = rng.choice(CONSTS)
    fn = {"==": lambda c: c["n"] == v, "!=": lambda c: c["n"] != v, "<": lambda c: c["n"] < v,
          "<=": lambda c: c["n"] <= v, ">": lambda c: c["n"] > v, ">=": lambda c: c["n"] >= v}[op]
    return f"n {op} {v}", fn


def cond(depth=0):
    r = rng.random()
    if depth >= 2 or r < 0.4:
        return atom()
    (lt, lf), (rt, rf) = cond(depth + 1), cond(depth + 1)
    if r < 0.7:
        return f"({lt} and {rt})", lambda c: lf(c) and rf(c)
    if r < 0.95:
        return f"({lt} or {rt})", lambda c: lf(c) or rf(c)
    return f"not ({lt})", lambda c: not lf(c)


cases = [dict(zip(FIELDS, vals)) for vals in itertools.product(*GRID.values())]
for k in range(n):
    ntiers = rng.randint(1, 6)
    tiers = [cond() for _ in range(ntiers)]
    default = rng.random() < 0.5
    rules = [cond() for _ in range(rng.randint(0, 3))]
    lines = ['policy "p" version "1"',
             'case { kind: enum { a, b, c } flag: bool n: int s: string }',
             "clock response starts on opened stops on responded"]
    first = len(lines) + 1
    for i, (t, _) in enumerate(tiers):
        lines.append(f"sla t{i} when {t} {{ response within 1h }}")
    if default:
        lines.append("sla d { response within 2h }")
    rule_first = len(lines) + 1
    for t, _ in rules:
        lines.append(f"on opened when {t} {{ route desk }}")
    src = "\n".join(lines) + "\n"
    # expected
    want = set()
    left = list(cases)
    for i, (_, f) in enumerate(tiers):
        if not any(f(c) for c in cases):
            want.add((first + i, "W011"))
        elif not any(f(c) for c in left):
            want.add((first + i, "W010"))
        left = [c for c in left if not f(c)]
    if default and not left:
        want.add((first + ntiers, "W013"))
    if not default and left:
        want.add((first + ntiers - 1, "W012"))
    for j, (_, f) in enumerate(rules):
        vals = {f(c) for c in cases}
        if vals == {False}:
            want.add((rule_first + j, "W014"))
        elif vals == {True}:
            want.add((rule_first + j, "W015"))
    path = f"/tmp/coverage_oracle_{seed}.slate"
    with open(path, "w") as fh:
        fh.write(src)
    out = subprocess.run([slate, "check", "--format", "json", path], capture_output=True, text=True)
    got = set()
    for line in out.stdout.splitlines():
        d = json.loads(line)
        if d["code"] in ("W010", "W011", "W012", "W013", "W014", "W015"):
            got.add((d["line"], d["code"]))
        if d["code"] == "W012":
            # the example must really get no tier
            ex = d["message"].split("e.g. ", 1)[1]
            case = {"kind": "a", "flag": False, "n": 0, "s": ""}
            if ex != "any case":
                for part in ex.split(", "):
                    key, val = part.split(" = ")
                    case[key] = {"true": True, "false": False}.get(val, val)
                    if key == "n":
                        case[key] = int(val)
                    if key == "s":
                        case[key] = json.loads(val)
            if any(f(case) for _, f in tiers):
                print(f"policy {k}: the example `{ex}` gets a tier\n{src}")
                sys.exit(1)
    if got != want:
        print(f"policy {k}: slate says {sorted(got)}, enumeration says {sorted(want)}\n{src}")
        print(out.stdout)
        sys.exit(1)
print(f"{n} policies agree")
