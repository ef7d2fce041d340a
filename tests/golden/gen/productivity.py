"""Golden cases for `dos.productivity`."""
from dos import productivity as pr

from .common import cases, op

I64_MAX = 2**63 - 1


def _policy(p):
    return pr.DEFAULT_POLICY if p is None else pr.ProductivityPolicy(**p)


def _facts(args, v):
    facts = [v["verdict"]]
    h = v["history"]
    pol = _policy(args.get("policy"))
    n = h["step_count"]
    facts.append(str(n))
    if v["verdict"] == "PRODUCTIVE" and (n < pol.min_steps or n == 0):
        facts.append(str(pol.min_steps))
    elif v["verdict"] in ("PRODUCTIVE", "DIMINISHING"):
        prior = h["prior_delta"] if h["prior_delta"] is not None else pol.floor
        facts += [str(h["last_delta"]), str(prior), str(pol.floor)]
    return {"reason": facts}


@op("productivity.classify", prose=["reason"], facts=_facts)
def _classify(args, config):
    return pr.classify(pr.WorkHistory(**args["history"]), _policy(args.get("policy"))).to_dict()


def _h(*deltas):
    return {"deltas": list(deltas)}


TABLE = [
    {"history": {}},
    {"history": _h()},
    {"history": _h(9000)},
    {"history": _h(0)},
    {"history": _h(10, 10)},
    {"history": _h(0, 0)},
    # the diminishing rule at the default policy (3 steps, floor 500)
    {"history": _h(2000, 40, 12)},
    {"history": _h(2000, 499, 499)},
    {"history": _h(2000, 500, 499)},
    {"history": _h(2000, 499, 500)},
    {"history": _h(2000, 40, 0)},
    {"history": _h(0, 0, 0)},
    {"history": _h(0, 0, 1)},
    {"history": _h(5, 5, 5, 5, 5, 5)},
    {"history": _h(100, 900, 800, 700, 600, 5000)},
    {"history": _h(I64_MAX, I64_MAX, I64_MAX)},
    {"history": _h(1, 1, I64_MAX)},
    # degenerate policies: no prior delta, zero floor, zero min_steps
    {"history": _h(), "policy": {"min_steps": 0}},
    {"history": _h(3), "policy": {"min_steps": 0}},
    {"history": _h(3), "policy": {"min_steps": 1}},
    {"history": _h(0), "policy": {"min_steps": 1}},
    {"history": _h(3), "policy": {"min_steps": 1, "floor": 0}},
    {"history": _h(1, 1), "policy": {"min_steps": 2}},
    {"history": _h(1, 1), "policy": {"min_steps": 2, "floor": 1}},
    {"history": _h(1, 1), "policy": {"min_steps": 2, "floor": 2}},
    {"history": _h(7, 7, 7), "policy": {"floor": 0}},
    {"history": _h(7, 7, 7), "policy": {"min_steps": 4}},
    {"history": _h(7, 7, 7), "policy": {"min_steps": I64_MAX, "floor": I64_MAX}},
    {"history": _h(7, 7, 7), "policy": {}},
    {"history": _h(7, 7, 7), "policy": None},
    # the reference refuses these
    {"history": _h(1, -1, 2)},
    {"history": _h(-5)},
    {"history": {"deltas": None}},
    {"history": _h(1, 2), "policy": {"min_steps": -1}},
    {"history": _h(1, 2), "policy": {"floor": -1}},
    {"history": _h(1, 2), "policy": {"floor": None}},
    {"history": _h(1, 2), "policy": {"floor": 1, "bogus": 1}},
    {"history": {"deltas": [], "extra": 1}},
    {},
]


def _delta(rng, floor):
    return rng.choice([0, 1, floor - 1, floor, floor + 1, rng.randint(0, 2 * floor + 2),
                       rng.randint(0, 100), rng.randint(0, 10**6)])


@cases
def _cases(rng):
    for args in TABLE:
        yield "productivity.classify", args
    for _ in range(320):
        pol = None
        if rng.random() < 0.45:
            pol = {}
            if rng.random() < 0.7:
                pol["min_steps"] = rng.choice([0, 1, 2, 3, 4, 6, rng.randint(0, 10)])
            if rng.random() < 0.7:
                pol["floor"] = rng.choice([0, 1, 50, 500, rng.randint(0, 5000)])
            if rng.random() < 0.04:
                pol[rng.choice(["min_steps", "floor"])] = -rng.randint(1, 3)
        floor = (pol or {}).get("floor", 500)
        floor = max(floor, 1)
        deltas = [_delta(rng, floor) for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 5, 8, rng.randint(0, 12)]))]
        if deltas and rng.random() < 0.03:
            deltas[rng.randrange(len(deltas))] = -1
        args = {"history": {"deltas": deltas}}
        if pol is not None:
            args["policy"] = pol
        yield "productivity.classify", args


# -- the history's ops on the route: WorkHistory.step_count (the reference's
# property), last_delta and prior_delta (the keys its verdict's to_dict()
# derives), and WorkHistory.of. Each answer is the reference's own: its
# property, or the history as its verdict's to_dict() writes it.

def _echo(h):
    return pr.classify(h).to_dict()["history"]


def _self(args):
    if set(args) != {"self"}:
        raise TypeError("self is required, and nothing else")
    return pr.WorkHistory(**args["self"])


@op("productivity.WorkHistory.step_count")
def _step_count(args, config):
    return _self(args).step_count


@op("productivity.WorkHistory.last_delta")
def _last_delta(args, config):
    return _echo(_self(args))["last_delta"]


@op("productivity.WorkHistory.prior_delta")
def _prior_delta(args, config):
    return _echo(_self(args))["prior_delta"]


@op("productivity.WorkHistory.of")
def _of(args, config):
    if set(args) != {"deltas"}:
        raise TypeError("deltas is required, and nothing else")
    if not isinstance(args["deltas"], list):
        raise TypeError("deltas must be a list")
    return _echo(pr.WorkHistory.of(args["deltas"]))


@cases
def _history_cases(rng):
    fixed = [[], [0], [7], [3, 0], [0, 9], [1, 2, 3], [I64_MAX], [I64_MAX, 0, I64_MAX], [5] * 9, [1, -1], [-3], None, "12"]
    ops = ["productivity.WorkHistory.step_count", "productivity.WorkHistory.last_delta", "productivity.WorkHistory.prior_delta"]
    for name in ops:
        for d in fixed:
            yield name, {"self": {"deltas": d}}
        yield name, {"self": {}}
        yield name, {}
        yield name, {"self": {"deltas": [1]}, "extra": 1}
        yield name, {"self": {"deltas": [1], "bogus": 2}}
        for _ in range(260):
            yield name, {"self": {"deltas": [_delta(rng, rng.choice([1, 3, 500])) for _ in range(rng.randint(0, 6))]}}
    for d in fixed:
        yield "productivity.WorkHistory.of", {"deltas": d}
    yield "productivity.WorkHistory.of", {}
    yield "productivity.WorkHistory.of", {"deltas": [1], "extra": 1}
    for _ in range(260):
        yield "productivity.WorkHistory.of", {"deltas": [_delta(rng, rng.choice([1, 3, 500])) for _ in range(rng.randint(0, 6))]}
