"""Golden cases for `dos.breaker`."""
from dos import breaker as br

from .common import cases, op, rand_text

I64_MAX = 2**63 - 1
OPS = ("breaker.record_failure", "breaker.record_success", "breaker.classify")


def _policy(p):
    if p is None:
        return br.DEFAULT_POLICY
    p = dict(p)
    if "on_trip" in p:
        p["on_trip"] = br.Escalation(p["on_trip"])
    return br.BreakerPolicy(**p)


def _counts(c):
    return br.BreakerCounts(**c)


def _verdict_facts(args, v):
    facts = [v["state"]]
    pol = _policy(args.get("policy"))
    if v["state"] == "OPEN":
        facts.append(v["tripped_on"])
        facts.append(str(pol.max_consecutive if v["tripped_on"] == "consecutive" else pol.max_total))
        if v["escalation"] != "NONE":
            facts.append(v["escalation"])
    else:
        facts += [str(pol.max_consecutive), str(pol.max_total)]
    return facts


def _transition_facts(args, out):
    facts = _verdict_facts(args, out["verdict"])
    c = out["counts"]
    v = out["verdict"]
    if v["state"] == "CLOSED":
        facts += [str(c["consecutive"]), str(c["total"])]
    else:
        facts.append(str(c[v["tripped_on"]]))
    return {"verdict.reason": facts}


def _classify_facts(args, v):
    facts = _verdict_facts(args, v)
    c = _counts(args["counts"])
    if v["state"] == "CLOSED":
        facts += [str(c.consecutive), str(c.total)]
    else:
        facts.append(str(getattr(c, v["tripped_on"])))
    return {"reason": facts}


def _transition(t):
    return {"counts": {"consecutive": t.counts.consecutive, "total": t.counts.total}, "verdict": t.verdict.to_dict()}


@op("breaker.record_failure", prose=["verdict.reason"], facts=_transition_facts)
def _record_failure(args, config):
    return _transition(br.record_failure(_counts(args["counts"]), _policy(args.get("policy"))))


@op("breaker.record_success", prose=["verdict.reason"], facts=_transition_facts)
def _record_success(args, config):
    return _transition(br.record_success(_counts(args["counts"]), _policy(args.get("policy"))))


@op("breaker.classify", prose=["reason"], facts=_classify_facts)
def _classify(args, config):
    return br.classify(_counts(args["counts"]), _policy(args.get("policy"))).to_dict()


COUNTS = [
    {}, {"consecutive": 0, "total": 0}, {"consecutive": 1, "total": 1}, {"consecutive": 2, "total": 2},
    {"consecutive": 3, "total": 3}, {"consecutive": 2, "total": 19}, {"consecutive": 0, "total": 19},
    {"consecutive": 0, "total": 20}, {"consecutive": 5, "total": 25}, {"consecutive": 3, "total": 20},
    {"total": 7}, {"consecutive": 4}, {"consecutive": 9, "total": 2},
    {"consecutive": I64_MAX, "total": I64_MAX}, {"consecutive": 0, "total": I64_MAX},
]

POLICIES = [
    None, {}, {"max_consecutive": 1}, {"max_consecutive": 0, "max_total": 2}, {"max_total": 0},
    {"max_consecutive": 3, "max_total": 3, "on_trip": "JUDGE"}, {"on_trip": "HUMAN"}, {"on_trip": "NONE"},
    {"max_consecutive": I64_MAX, "max_total": I64_MAX},
]

INVALID = [
    ({"consecutive": -1}, None),
    ({"total": -1}, None),
    ({"consecutive": None}, None),
    ({"consecutive": 1, "failures": 2}, None),
    ({}, {"max_consecutive": 0, "max_total": 0}),
    ({}, {"max_consecutive": -1}),
    ({}, {"max_total": -3}),
    ({}, {"max_total": None}),
    ({}, {"on_trip": "judge"}),
    ({}, {"on_trip": "ORACLE"}),
    ({}, {"on_trip": None}),
    ({}, {"max_consecutive": 2, "escalate": "HUMAN"}),
]


def _rand(rng):
    total = rng.choice([0, 1, 2, 3, 19, 20, 21, rng.randint(0, 30), rng.randint(0, 1000)])
    counts = {"consecutive": rng.choice([0, 1, 2, 3, 4, rng.randint(0, total)]), "total": total}
    args = {"counts": counts}
    if rng.random() < 0.6:
        pol = {}
        if rng.random() < 0.7:
            pol["max_consecutive"] = rng.choice([0, 1, 2, 3, 5, rng.randint(0, 10)])
        if rng.random() < 0.7:
            pol["max_total"] = rng.choice([0, 1, 5, 20, rng.randint(0, 40)])
        if rng.random() < 0.5:
            pol["on_trip"] = rng.choice(["NONE", "JUDGE", "HUMAN"])
        args["policy"] = pol
    return args


@cases
def _cases(rng):
    for name in OPS:
        for c in COUNTS:
            for p in POLICIES:
                args = {"counts": c}
                if p is not None:
                    args["policy"] = p
                yield name, args
        for c, p in INVALID:
            args = {"counts": c}
            if p is not None:
                args["policy"] = p
            yield name, args
        yield name, {}
        yield name, {"counts": {}, "policy": None}
        for _ in range(150):
            yield name, _rand(rng)
    # a few folds, each step a fresh request built from the reference's own next state
    for _ in range(12):
        counts = br.BreakerCounts()
        pol = rng.choice(POLICIES[:7])
        for _ in range(rng.randint(3, 12)):
            name = "breaker.record_failure" if rng.random() < 0.65 else "breaker.record_success"
            args = {"counts": {"consecutive": counts.consecutive, "total": counts.total}}
            if pol is not None:
                args["policy"] = pol
            yield name, args
            f = br.record_failure if name.endswith("failure") else br.record_success
            counts = f(counts, _policy(pol)).counts


# -- BreakerVerdict.is_open on the route: the reference's property, read on
# a verdict built from its fields (the state and escalation by value).

@op("breaker.BreakerVerdict.is_open")
def _is_open(args, config):
    if set(args) != {"self"}:
        raise TypeError("self is required, and nothing else")
    d = args["self"]
    if not isinstance(d, dict) or not {"state", "escalation", "reason"} <= set(d) <= {"state", "escalation", "reason", "tripped_on"}:
        raise TypeError("self must be a verdict object")
    if not isinstance(d["reason"], str) or d.get("tripped_on") not in (None, "consecutive", "total"):
        raise TypeError("reason must be a str and tripped_on a rung name or None")
    return br.BreakerVerdict(state=br.BreakerState(d["state"]), escalation=br.Escalation(d["escalation"]), reason=d["reason"],
                             tripped_on=d.get("tripped_on")).is_open


@cases
def _is_open_cases(rng):
    for state in ("CLOSED", "OPEN", "open", "HALF_OPEN", None):
        for esc in ("NONE", "JUDGE", "HUMAN", "none"):
            for rung in (None, "consecutive", "total"):
                yield "breaker.BreakerVerdict.is_open", {"self": {"state": state, "escalation": esc, "reason": "r", "tripped_on": rung}}
    yield "breaker.BreakerVerdict.is_open", {"self": {"state": "OPEN", "escalation": "NONE", "reason": "r"}}
    yield "breaker.BreakerVerdict.is_open", {"self": {"state": "OPEN", "escalation": "NONE"}}
    yield "breaker.BreakerVerdict.is_open", {"self": {"state": "OPEN", "escalation": "NONE", "reason": 3}}
    yield "breaker.BreakerVerdict.is_open", {}
    yield "breaker.BreakerVerdict.is_open", {"self": {"state": "OPEN", "escalation": "NONE", "reason": "r"}, "x": 1}
    # verdicts as the ops write them: every fold step's
    for _ in range(260):
        counts = {"consecutive": rng.randint(0, 25), "total": rng.randint(0, 40)}
        pol = br.BreakerPolicy(max_consecutive=rng.randint(0, 5), max_total=rng.choice([0, 20, rng.randint(1, 40)]) or 1,
                               on_trip=rng.choice(list(br.Escalation)))
        v = br.classify(br.BreakerCounts(**counts), pol).to_dict()
        v["reason"] = rng.choice(["", v["reason"], rand_text(rng)])
        yield "breaker.BreakerVerdict.is_open", {"self": v}
