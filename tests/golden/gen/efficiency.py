"""Golden cases for `dos.efficiency`."""
from dos import efficiency as ef

from .common import cases, op
from .jsonish import int64

I64_MAX = 2**63 - 1


def _policy(p):
    return ef.DEFAULT_POLICY if p is None else ef.EfficiencyPolicy(**p)


def _facts(args, v):
    facts = [v["verdict"]]
    e = v["evidence"]
    pol = _policy(args.get("policy"))
    facts.append(str(e["tokens"]))
    if v["verdict"] == "EFFICIENT" and (e["tokens"] < pol.min_tokens or e["tokens"] == 0):
        facts.append(str(pol.min_tokens))
    elif v["verdict"] in ("EFFICIENT", "COSTLY"):
        facts.append(str(e["work"]))
    return {"reason": facts}


@op("efficiency.classify", prose=["reason"], facts=_facts)
def _classify(args, config):
    return ef.classify(ef.EfficiencyEvidence(**args["evidence"]), _policy(args.get("policy"))).to_dict()


def _e(work=None, tokens=None):
    d = {}
    if work is not None:
        d["work"] = work
    if tokens is not None:
        d["tokens"] = tokens
    return d


TABLE = [
    {"evidence": {}},
    {"evidence": _e(0, 0)},
    {"evidence": _e(5, 0)},
    {"evidence": _e(0, 999)},
    {"evidence": _e(0, 1000)},
    {"evidence": _e(3, 999)},
    {"evidence": _e(3, 1000)},
    {"evidence": _e(1, 80_000)},
    {"evidence": _e(0, 80_000)},
    {"evidence": _e(tokens=5000)},
    {"evidence": _e(work=5)},
    # the floor is inclusive: a ratio exactly at it is EFFICIENT
    {"evidence": _e(1, 1000), "policy": {"floor": 0.001}},
    {"evidence": _e(1, 1001), "policy": {"floor": 0.001}},
    {"evidence": _e(2, 1000), "policy": {"floor": 0.001}},
    {"evidence": _e(1, 3000), "policy": {"floor": 1 / 3000}},
    {"evidence": _e(1, 10_000), "policy": {"floor": 0.00002}},
    {"evidence": _e(1, 100_000), "policy": {"floor": 0.00002}},
    {"evidence": _e(7, 7000), "policy": {"floor": 1}},
    {"evidence": _e(7000, 7000), "policy": {"floor": 1}},
    {"evidence": _e(7001, 7000), "policy": {"floor": 1}},
    {"evidence": _e(7, 7000), "policy": {"floor": 0}},
    {"evidence": _e(7, 7000), "policy": {"floor": -0.0}},
    {"evidence": _e(7, 7000), "policy": {"floor": float("nan")}},
    {"evidence": _e(7, 7000), "policy": {"floor": float("inf")}},
    {"evidence": _e(0, 7000), "policy": {"floor": float("inf")}},
    {"evidence": _e(0, 0), "policy": {"min_tokens": 0}},
    {"evidence": _e(0, 1), "policy": {"min_tokens": 0}},
    {"evidence": _e(1, 1), "policy": {"min_tokens": 0}},
    {"evidence": _e(1, 3), "policy": {"min_tokens": 1}},
    {"evidence": _e(2, 3), "policy": {"min_tokens": 1, "floor": 2 / 3}},
    {"evidence": _e(1, 1), "policy": {"min_tokens": I64_MAX}},
    {"evidence": _e(1, 1), "policy": {}},
    {"evidence": _e(1, 1), "policy": None},
    # large counts: the ratio must be Python's correctly rounded int / int
    {"evidence": _e(I64_MAX, 1), "policy": {"min_tokens": 0}},
    {"evidence": _e(I64_MAX, I64_MAX)},
    {"evidence": _e(1, I64_MAX)},
    {"evidence": _e(2**53 + 1, 1), "policy": {"min_tokens": 0}},
    {"evidence": _e(5258986265376043509, 7399589116837456608)},
    {"evidence": _e(591064915700530116, 1087608058291172413)},
    {"evidence": _e(4508690645783096972, 8239395385945212841)},
    {"evidence": _e(2**62 + 1, 3), "policy": {"min_tokens": 3}},
    # an integer floor is compared exactly against the float ratio
    {"evidence": _e(2**53, 1), "policy": {"min_tokens": 0, "floor": 2**53 + 1}},
    {"evidence": _e(2**53, 1), "policy": {"min_tokens": 0, "floor": 2**53}},
    {"evidence": _e(2**53, 1), "policy": {"min_tokens": 0, "floor": float(2**53 + 1)}},
    {"evidence": _e(I64_MAX, 1), "policy": {"min_tokens": 0, "floor": 2**63}},
    {"evidence": _e(I64_MAX, 1), "policy": {"min_tokens": 0, "floor": 2**63 + 1}},
    {"evidence": _e(I64_MAX, 1), "policy": {"min_tokens": 0, "floor": 10**40}},
    {"evidence": _e(I64_MAX, 1), "policy": {"min_tokens": 0, "floor": I64_MAX}},
    # the reference refuses these
    {"evidence": _e(-1, 5000)},
    {"evidence": _e(1, -1)},
    {"evidence": {"work": None}},
    {"evidence": _e(1, 5000), "policy": {"min_tokens": -1}},
    {"evidence": _e(1, 5000), "policy": {"floor": -0.5}},
    {"evidence": _e(1, 5000), "policy": {"floor": -1}},
    {"evidence": _e(1, 5000), "policy": {"floor": -(10**40)}},
    {"evidence": _e(1, 5000), "policy": {"floor": float("-inf")}},
    {"evidence": _e(1, 5000), "policy": {"floor": None}},
    {"evidence": _e(1, 5000), "policy": {"min_tokens": None}},
    {"evidence": _e(1, 5000), "policy": {"bogus": 1}},
    {"evidence": {"work": 1, "cost": 2}},
    {},
]


@cases
def _cases(rng):
    for args in TABLE:
        yield "efficiency.classify", args
    for _ in range(340):
        pol = None
        if rng.random() < 0.55:
            pol = {}
            if rng.random() < 0.6:
                pol["min_tokens"] = rng.choice([0, 1, 100, 1000, rng.randint(0, 20_000)])
            if rng.random() < 0.7:
                pol["floor"] = rng.choice([0.0, 0.001, 0.0001, 0.5, 1e-5, rng.random() / 100, rng.random(),
                                           rng.randint(0, 3)])
            if rng.random() < 0.03:
                pol["min_tokens"] = -1
        tokens = rng.choice([0, 1, 999, 1000, 1001, rng.randint(0, 5000), rng.randint(0, 10**6),
                             rng.randint(0, 10**9), rng.randint(0, I64_MAX)])
        work = rng.choice([0, 0, 1, rng.randint(0, 10), rng.randint(0, 1000), rng.randint(0, 10**6),
                           rng.randint(0, I64_MAX), max(0, round(tokens * ((pol or {}).get("floor") or 0.0)))])
        ev = {"work": work, "tokens": tokens}
        if rng.random() < 0.03:
            ev[rng.choice(["work", "tokens"])] = -rng.randint(1, 5)
        args = {"evidence": ev}
        if pol is not None:
            args["policy"] = pol
        yield "efficiency.classify", args


# -- the evidence's ops on the route: EfficiencyEvidence.ratio (the
# reference's property, which its verdict's to_dict() writes) and
# EfficiencyEvidence.of. Each answer is the reference's own.

def _counts(d):
    """The op's counts are 64-bit ints (the envelope's type rule; the
    reference's annotation)."""
    if not isinstance(d, dict):
        raise TypeError("the evidence must be an object")
    return {k: int64(v, k) for k, v in d.items()}


@op("efficiency.EfficiencyEvidence.ratio")
def _ratio(args, config):
    if set(args) != {"self"}:
        raise TypeError("self is required, and nothing else")
    return ef.EfficiencyEvidence(**_counts(args["self"])).ratio


@op("efficiency.EfficiencyEvidence.of")
def _of(args, config):
    if set(args) != {"work", "tokens"}:
        raise TypeError("work and tokens are required, and nothing else")
    c = _counts(args)
    e = ef.EfficiencyEvidence.of(c["work"], c["tokens"])
    return ef.classify(e).to_dict()["evidence"]


@cases
def _evidence_cases(rng):
    counts = [0, 1, 3, 7, 999, 1000, 7000, 2**53, 2**53 + 1, I64_MAX, -1, None, "5", 2.5, True]
    for w in counts:
        for t in counts[:10]:
            yield "efficiency.EfficiencyEvidence.ratio", {"self": {"work": w, "tokens": t}}
        yield "efficiency.EfficiencyEvidence.of", {"work": w, "tokens": 7000}
        yield "efficiency.EfficiencyEvidence.of", {"work": 3, "tokens": w}
    yield "efficiency.EfficiencyEvidence.ratio", {"self": {}}
    yield "efficiency.EfficiencyEvidence.ratio", {}
    yield "efficiency.EfficiencyEvidence.of", {"work": 1}
    yield "efficiency.EfficiencyEvidence.of", {"work": 1, "tokens": 2, "extra": 3}
    for _ in range(220):
        w, t = rng.randint(0, 10**rng.randint(1, 18)), rng.randint(0, 10**rng.randint(1, 18))
        yield "efficiency.EfficiencyEvidence.ratio", {"self": {"work": w, "tokens": t}}
        yield "efficiency.EfficiencyEvidence.of", {"work": w, "tokens": t}
