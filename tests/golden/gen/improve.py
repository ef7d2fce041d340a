"""Golden cases for `dos.improve.classify`.

`evidence` is a `CandidateEvidence` and `policy` an `ImprovePolicy`, as
their fields; the runner builds the reference's objects from them, typed as
the native op reads them (a wrong type or an unknown key is refused, a value
the reference's constructor refuses is BAD_ARGS too). The reference's own
table cases come first, then seeded random candidates (Unicode and control
characters in the narration, which is never read).
"""
from dos import improve as im

from .common import NON_ASCII, cases, op, rand_text
from .evidence import _bool, _Refused, _str, check_args, typed

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def _int(v):
    if type(v) is not int or not I64_MIN <= v <= I64_MAX:
        raise _Refused("expected a 64-bit int")
    return v


def _float(v):
    if type(v) is float or (type(v) is int and I64_MIN <= v <= I64_MAX):
        return v
    raise _Refused("expected a number")


EVIDENCE = {
    "suite_passed": (_bool, True),
    "truth_clean": (_bool, True),
    "work": (_int, False),
    "baseline_work": (_int, False),
    "tokens": (_int, False),
    "consecutive_reverts": (_int, False),
    "narrated": (_str, False),
}
POLICY = {
    "max_consecutive_reverts": (_int, False),
    "efficiency_floor": (_float, False),
    "min_tokens_for_efficiency": (_int, False),
}


def _facts(args, v):
    e = v["evidence"]
    cause, nxt = v["revert_cause"], str(v["next_consecutive_reverts"])
    if v["verdict"] == "KEEP":
        return {"reason": [f"{e['baseline_work']} -> {e['work']}", f"+{e['delta']}"]}
    if cause == "regressed":
        return {"reason": ["RED" if not e["suite_passed"] else "DIRTY", nxt]}
    if cause == "wasteful":
        return {"reason": [f"+{e['delta']}", "COSTLY" if "COSTLY" in v["reason"] else "WASTEFUL"]}
    return {"reason": [f"flat at {e['work']}", nxt]}


@op("improve.classify", prose=("reason",), facts=_facts)
def _classify(args, config):
    check_args(args, {"evidence": True, "policy": False})
    ev = typed(im.CandidateEvidence, args["evidence"], EVIDENCE)
    kw = {"policy": typed(im.ImprovePolicy, args["policy"], POLICY)} if "policy" in args else {}
    return im.classify(ev, **kw).to_dict()


OP = "improve.classify"


def _ev(suite=True, truth=True, **kw):
    return {"suite_passed": suite, "truth_clean": truth, **kw}


TABLE = [
    # the reference's own tests
    {"evidence": _ev(False, True, work=100, baseline_work=10, tokens=500, narrated="huge improvement")},
    {"evidence": _ev(True, False, work=100, baseline_work=10)},
    {"evidence": _ev(False, True, consecutive_reverts=1)},
    {"evidence": _ev(work=43, baseline_work=42, tokens=5000, consecutive_reverts=2)},
    {"evidence": _ev(work=42, baseline_work=42)},
    {"evidence": _ev(work=40, baseline_work=42)},
    {"evidence": _ev(work=7, baseline_work=7, consecutive_reverts=1)},
    {"evidence": _ev(work=7, baseline_work=7, consecutive_reverts=2), "policy": {"max_consecutive_reverts": 3}},
    {"evidence": _ev(False, True, consecutive_reverts=1), "policy": {"max_consecutive_reverts": 2}},
    {"evidence": _ev(work=8, baseline_work=7, consecutive_reverts=2), "policy": {"max_consecutive_reverts": 3}},
    {"evidence": _ev(work=1, baseline_work=0, tokens=10**9)},
    {"evidence": _ev(work=1, baseline_work=0, tokens=10**6),
     "policy": {"efficiency_floor": 0.001, "min_tokens_for_efficiency": 1000}},
    {"evidence": _ev(work=5000, baseline_work=0, tokens=10**6),
     "policy": {"efficiency_floor": 0.001, "min_tokens_for_efficiency": 1000}},
    {"evidence": _ev(work=5, baseline_work=3, tokens=100, narrated="did a thing")},
    {"evidence": _ev(work=1, baseline_work=0, tokens=10**6, consecutive_reverts=4),
     "policy": {"efficiency_floor": 0.001, "max_consecutive_reverts": 5}},
    {"evidence": _ev(work=1, baseline_work=0, tokens=500), "policy": {"efficiency_floor": 0.5}},
    {"evidence": _ev(work=1, baseline_work=0, tokens=1000), "policy": {"efficiency_floor": float("nan")}},
    {"evidence": _ev(work=1, baseline_work=0, tokens=1000), "policy": {"efficiency_floor": float("inf")}},
    {"evidence": _ev(work=1, baseline_work=0, tokens=1000), "policy": {"efficiency_floor": 1}},
    {"evidence": _ev(work=I64_MAX, baseline_work=0, tokens=I64_MAX), "policy": {"efficiency_floor": 1.0,
                                                                               "min_tokens_for_efficiency": 0}},
    {"evidence": _ev(consecutive_reverts=I64_MAX)},
    {"evidence": _ev(False, False, consecutive_reverts=I64_MAX), "policy": {"max_consecutive_reverts": I64_MAX}},
    {"evidence": _ev(work=I64_MAX, baseline_work=I64_MAX)},
    {"evidence": _ev(work=0, baseline_work=I64_MAX)},
    {"evidence": _ev()},
    {"evidence": _ev(), "policy": {}},
]
BAD = [
    {}, {"policy": {}}, {"evidence": None}, {"evidence": {}}, {"evidence": {"suite_passed": True}},
    {"evidence": _ev(work=-1)}, {"evidence": _ev(baseline_work=-1)}, {"evidence": _ev(tokens=-1)},
    {"evidence": _ev(consecutive_reverts=-1)}, {"evidence": _ev(work=2**63)}, {"evidence": _ev(work=1.0)},
    {"evidence": _ev(work=True)}, {"evidence": _ev(suite="yes")}, {"evidence": _ev(truth=1)},
    {"evidence": _ev(narrated=None)}, {"evidence": _ev(delta=3)}, {"evidence": _ev(), "extra": 1},
    {"evidence": _ev(), "policy": None}, {"evidence": _ev(), "policy": {"max_consecutive_reverts": 0}},
    {"evidence": _ev(), "policy": {"max_consecutive_reverts": -2}},
    {"evidence": _ev(), "policy": {"efficiency_floor": -0.1}},
    {"evidence": _ev(), "policy": {"efficiency_floor": float("-inf")}},
    {"evidence": _ev(), "policy": {"min_tokens_for_efficiency": -1}},
    {"evidence": _ev(), "policy": {"efficiency_floor": "0.1"}},
    {"evidence": _ev(), "policy": {"max_consecutive_reverts": 3.0}},
    {"evidence": _ev(), "policy": {"bogus": 1}},
]


@cases
def _cases(rng):
    for args in TABLE:
        yield OP, args
    for suite in (True, False):
        for truth in (True, False):
            for work, base in ((5, 3), (3, 3), (2, 3), (0, 0)):
                for run in (0, 1, 2, 3, 7):
                    yield OP, {"evidence": _ev(suite, truth, work=work, baseline_work=base, consecutive_reverts=run)}
    for bad in BAD:
        yield OP, bad
    for _ in range(320):
        ev = _ev(rng.random() < 0.75, rng.random() < 0.8)
        for k, hi in (("work", 60), ("baseline_work", 60), ("tokens", 10**6), ("consecutive_reverts", 8)):
            if rng.random() < 0.85:
                ev[k] = rng.choice([rng.randint(0, hi), rng.randint(0, 5), 0])
        if rng.random() < 0.4:
            ev["narrated"] = rand_text(rng, "improved the kernel! \t\n\x00\x07", 30, 0.2) + rng.choice(["", *NON_ASCII])
        args = {"evidence": ev}
        if rng.random() < 0.5:
            pol = {}
            if rng.random() < 0.6:
                pol["max_consecutive_reverts"] = rng.choice([1, 2, 3, 5, 10])
            if rng.random() < 0.5:
                pol["efficiency_floor"] = rng.choice([0.0, 0.0001, 0.001, 0.01, 0.5, 1, 2.0, rng.random() / 100])
            if rng.random() < 0.5:
                pol["min_tokens_for_efficiency"] = rng.choice([0, 1, 100, 1000, 10**5])
            args["policy"] = pol
        yield OP, args
