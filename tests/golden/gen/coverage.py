"""Golden cases for `dos.coverage.classify_coverage`.

A return arrives as a `ReturnState` record: `{state}` is the reference's bare
`TerminalState`, `{state, agent_id}` its `ReturnState` wrapper and
`{state, cls}` (cls not null) its full `ResultStateVerdict` (the runner
builds that object, `dead` as result_state sets it). Values are typed as the
native op reads them: a wrong type, an unknown token or an unknown key is
refused (BAD_ARGS). The reference's own table cases come first, then seeded
random folds (Unicode and control characters in the agent ids).
"""

from dos import coverage as cov
from dos.result_state import ResultStateVerdict, TerminalClass, TerminalState

from .common import NON_ASCII, cases, op, rand_text
from .evidence import _enum, _Refused, _str, check_args

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
STATES = ["HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE"]
CLASSES = ["RATE_LIMIT", "USAGE_LIMIT", "AUTH", "SERVER", "OTHER", "NONE"]


def _int(v):
    if type(v) is not int or not I64_MIN <= v <= I64_MAX:
        raise _Refused("expected a 64-bit int")
    return v


def _num(v):
    if v is None or type(v) is float or (type(v) is int and I64_MIN <= v <= I64_MAX):
        return v
    raise _Refused("expected a number or None")


def return_of(d):
    """The reference's return element for one wire record."""
    if type(d) is not dict:
        raise _Refused("a return is a dict")
    if set(d) - {"state", "agent_id", "cls"} or "state" not in d:
        raise _Refused("bad return fields")
    state = _enum(TerminalState)(d["state"])
    agent = _str(d["agent_id"]) if "agent_id" in d else None
    cls = d.get("cls")
    if cls is not None:
        cls = _enum(TerminalClass)(cls)
        return ResultStateVerdict(state=state, dead=state in (TerminalState.SYNTHETIC, TerminalState.EMPTY), cls=cls)
    if agent is not None:
        return cov.ReturnState(state, agent)
    return state


def policy_of(d):
    if type(d) is not dict or set(d) - {"min_quorum"}:
        raise _Refused("bad policy")
    return cov.CoveragePolicy(**{k: _num(v) for k, v in d.items()})


def _facts(args, v):
    h, d = str(v["healthy"]), str(v["declared"])
    s = v["state"]
    gap = []
    if v["dead"]:
        gap.append(f"{v['dead']} died")
        if v["dead_classes"]:
            gap.append("(" + "/".join(c.lower().replace("_", "-") for c, _ in v["dead_classes"]) + ")")
    if v["unreadable"]:
        gap.append(f"{v['unreadable']} could not be read")
    if v["unaccounted"]:
        gap.append(f"{v['unaccounted']} did not return a transcript")
    line = {
        "EMPTY": ["declared == 0"],
        "FULL": [h, d],
        "OVERFILLED": [h, d],
        "STARVED": ["0 of " + d] + gap,
        "UNDERFILLED": [f"{h} of {d}", f"{h}/{d}"] + gap,
    }[s]
    reason = {"EMPTY": ["declared == 0"], "FULL": [d], "STARVED": ["0 of " + d]}.get(s, [h, d])
    if s == "UNDERFILLED":
        reason = [f"{h} of {d}"]
    return {"reason": reason, "prompt_line": line}


@op("coverage.classify_coverage", prose=("reason", "prompt_line"), facts=_facts)
def _classify(args, config):
    check_args(args, {"declared": True, "returns": True, "policy": False})
    if type(args["returns"]) is not list:
        raise _Refused("returns must be a list")
    kw = {"policy": policy_of(args["policy"])} if "policy" in args else {}
    return cov.classify_coverage(_int(args["declared"]), [return_of(r) for r in args["returns"]], **kw).to_dict()


def _s(*names):
    return [{"state": n} for n in names]


def _dead(cls):
    return {"state": "SYNTHETIC", "cls": cls}


H, S, E, U = "HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE"
OP = "coverage.classify_coverage"

TABLE = [
    (7, _s(*[H] * 7)), (7, _s(H, H, H, H, S, S)), (7, _s(*[S] * 7)), (0, []), (7, _s(*[H] * 4)),
    (4, _s(*[H] * 4)), (3, _s(H, U, S)), (7, _s(*[H] * 6, U)), (2, _s(U, U)), (2, _s(E, S)), (5, _s(*[H] * 6)),
    (3, [{"state": H}, _dead("RATE_LIMIT"), _dead("USAGE_LIMIT")]), (2, _s(H, S)),
    (2, [{"state": H, "agent_id": "a1"}, {"state": S, "agent_id": "a2"}]),
    (4, _s(H, S, U)), (3, []), (1, _s(U)), (1, _s(E)), (-1, []), (-5, _s(H, H)), (0, _s(H)),
    (I64_MAX, _s(H)), (I64_MIN, _s(H, S)), (2**53 + 1, _s(H, H, H)),
]


@cases
def _cases(rng):
    for declared, returns in TABLE:
        yield OP, {"declared": declared, "returns": returns}
    for q in (0.5, 0.0, 1.0, 1, 0, 2, 0.571, 0.5714285714285714, -1.0, float("inf"), float("nan"), None):
        for n in (3, 4, 7):
            yield OP, {"declared": 7, "returns": _s(*[H] * n), "policy": {"min_quorum": q}}
    yield OP, {"declared": 0, "returns": [], "policy": {"min_quorum": 0.5}}
    yield OP, {"declared": 3, "returns": _s(H), "policy": {}}
    for c in CLASSES:
        yield OP, {"declared": 3, "returns": [_dead(c), {"state": E, "cls": c}, {"state": H, "cls": c},
                                             {"state": U, "cls": c}]}
    yield OP, {"declared": 9, "returns": [_dead(c) for c in CLASSES] + [_dead("AUTH"), {"state": S, "cls": None}]}
    for bad in [{}, {"declared": 3}, {"returns": []}, {"declared": "3", "returns": []}, {"declared": 3.0, "returns": []},
                {"declared": True, "returns": []}, {"declared": None, "returns": []},
                {"declared": 2**63, "returns": []}, {"declared": 3, "returns": None},
                {"declared": 3, "returns": ["HEALTHY"]}, {"declared": 3, "returns": [None]},
                {"declared": 3, "returns": [{"state": "healthy"}]}, {"declared": 3, "returns": [{}]},
                {"declared": 3, "returns": [{"state": H, "bogus": 1}]},
                {"declared": 3, "returns": [{"state": H, "agent_id": None}]},
                {"declared": 3, "returns": [{"state": S, "cls": "rate_limit"}]},
                {"declared": 3, "returns": [{"state": S, "dead": True}]},
                {"declared": 3, "returns": [], "policy": None}, {"declared": 3, "returns": [], "policy": {"q": 1}},
                {"declared": 3, "returns": [], "policy": {"min_quorum": "0.5"}},
                {"declared": 3, "returns": [], "policy": {"min_quorum": True}},
                {"declared": 3, "returns": [], "extra": 1}]:
        yield OP, bad
    for _ in range(320):
        declared = rng.choice([rng.randint(-3, 12), rng.randint(0, 6), rng.choice([I64_MAX, I64_MIN, 2**40, 10**6])])
        returns = []
        for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13, 20])):
            r = {"state": rng.choice(STATES)}
            if rng.random() < 0.3:
                r["agent_id"] = rand_text(rng, "agent-0123 \t\n\x00\x1f", 10, 0.2)
            if rng.random() < 0.35:
                r["cls"] = rng.choice(CLASSES + [None])
            returns.append(r)
        args = {"declared": declared, "returns": returns}
        if rng.random() < 0.35:
            args["policy"] = {"min_quorum": rng.choice([None, 0.5, 0.75, 1, 0, rng.random(), rng.random() * 2,
                                                        float(rng.randint(0, 3))])}
        yield OP, args
    # A few malformed ones at random: a bad token among good ones.
    for _ in range(20):
        returns = _s(*[rng.choice(STATES) for _ in range(rng.randint(0, 4))])
        returns.insert(rng.randint(0, len(returns)),
                       {"state": rng.choice(STATES).lower() + rng.choice(["", " ", "\u200b", rng.choice(NON_ASCII)])})
        yield OP, {"declared": rng.randint(0, 5), "returns": returns}
