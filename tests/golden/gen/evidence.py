"""Golden cases for `dos.evidence`: `gather_evidence` through the built-in
`null` witness, `believe_under_floor` and `derived_witness`.

Arguments arrive as JSON: an `EvidenceFacts` or a `BeliefVerdict` is its
`to_dict()` shape. The runners build the reference's own objects from them,
typed as the native op reads them (a field of the wrong type, an unknown
token or an unknown key is refused, BAD_ARGS), and ask the reference. A
`derived_witness` operand is a `BeliefVerdict` when it has a `believe` key,
else an `EvidenceFacts`; None is an operand of another type (no witness).
"""
import re

from dos import evidence as ev

from .common import NON_ASCII, cases, op, rand_text

# Text no runner can check a fact in: a lone surrogate (not UTF-8) or NUL (C strings end there).
LONE = re.compile("[\x00\ud800-\udfff]")


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _str(v):
    if type(v) is not str:
        raise _Refused("expected str")
    return v


def _bool(v):
    if type(v) is not bool:
        raise _Refused("expected bool")
    return v


def _enum(cls):
    def conv(v):
        if type(v) is not str:
            raise _Refused("expected a token")
        return cls(v)  # ValueError on an unknown token

    return conv


def _names(v):
    if type(v) is not list:
        raise _Refused("expected a list")
    return tuple(_str(x) for x in v)


def typed(cls, d, spec):
    """`cls(**d)` with each field converted by `spec[name] = (conv, required)`."""
    if type(d) is not dict:
        raise _Refused(f"{cls.__name__} must be a dict")
    if set(d) - set(spec):
        raise _Refused(f"unknown fields for {cls.__name__}")
    kw = {}
    for name, (conv, required) in spec.items():
        if name in d:
            kw[name] = conv(d[name])
        elif required:
            raise _Refused(f"{name} is required")
    return cls(**kw)


FACTS = {
    "source_name": (_str, True),
    "accountability": (_enum(ev.Accountability), True),
    "stance": (_enum(ev.EvidenceStance), False),
    "subject": (_str, False),
    "detail": (_str, False),
    "reachable": (_bool, False),
}
BELIEF = {
    "believe": (_bool, True),
    "refuted": (_bool, True),
    "reason": (_str, True),
    "attesting": (_names, False),
    "refuting": (_names, False),
    "silent": (_names, False),
}


def facts_of(d):
    return typed(ev.EvidenceFacts, d, FACTS)


def facts_list(v):
    if type(v) is not list:
        raise _Refused("expected a list of facts")
    return [facts_of(x) for x in v]


def operand_of(d):
    if d is None:
        return None
    if type(d) is dict and "believe" in d:
        return typed(ev.BeliefVerdict, d, BELIEF)
    if type(d) is dict:
        return facts_of(d)
    raise _Refused("an operand is facts, a belief verdict or None")


def check_args(args, spec):
    if set(args) - set(spec):
        raise _Refused("unknown argument")
    for name, required in spec.items():
        if required and name not in args:
            raise _Refused(f"{name} is required")


def plain(s):
    """A fact our prose must carry (facts never hold a lone surrogate)."""
    return [s] if s and not LONE.search(s) else []


# ------------------------------------------------------------------ runners

@op("evidence.gather_evidence", prose=("detail",), facts=lambda a, v: {"detail": ["null"]})
def _gather(args, config):
    check_args(args, {"source": True, "subject": True, "config": False})
    source, subject = _str(args["source"]), _str(args["subject"])
    if source != ev.NullEvidenceSource.name:
        raise _Refused("only the built-in witness is native")
    return ev.gather_evidence(ev.resolve_evidence_source(source), subject, args.get("config")).to_dict()


def _belief_facts(args, v):
    names = v["attesting"] + v["refuting"]
    if any(LONE.search(n) for n in names):
        return {}  # the reason then carries a lone surrogate: compared by no runner
    if v["believe"] and v["refuted"]:
        out = list(v["attesting"]) + list(v["refuting"]) + ["CONFLICT"]
    elif v["believe"]:
        out = list(v["attesting"])
    elif v["refuted"]:
        out = list(v["refuting"])
    elif v["attesting"]:
        out = list(v["attesting"]) + ["AGENT_AUTHORED"]
    else:
        out = []
    return {"reason": [n for n in out if n]}


@op("evidence.believe_under_floor", prose=("reason",), facts=_belief_facts)
def _believe(args, config):
    check_args(args, {"facts": True})
    return ev.believe_under_floor(facts_list(args["facts"])).to_dict()


def _derived_facts(args, v):
    if args.get("detail"):
        return {}
    op_text = args["op"] or "(undeclared)"
    if LONE.search(op_text):
        return {"detail": []}
    facts = plain(op_text)
    if v["stance"] == "ATTESTED" and v["accountability"] != "AGENT_AUTHORED":
        facts.append(str(len(args["operands"])))
    return {"detail": facts}


@op("evidence.derived_witness", facts=_derived_facts, dynamic_prose=True)
def _derived(args, config):
    check_args(args, {"source_name": True, "op": True, "operands": True, "subject": True, "within_tol": True,
                      "detail": False})
    if type(args["operands"]) is not list:
        raise _Refused("operands must be a list")
    operands = [operand_of(o) for o in args["operands"]]
    kw = {"subject": _str(args["subject"]), "within_tol": _bool(args["within_tol"])}
    if "detail" in args:
        kw["detail"] = _str(args["detail"])
    return ev.derived_witness(_str(args["source_name"]), _str(args["op"]), operands, **kw).to_dict()


# ------------------------------------------------------------------ inputs

ACCTS = ["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"]
STANCES = ["ATTESTED", "REFUTED", "NO_SIGNAL"]
NAMES = ["os_acceptance", "stripe_ledger", "paste", "ci", "null", "", "state_diff", "é-witness", "a, b",
         "\x00ctl\x1b", "😀", "\ud800lone", "line\nbreak"]


def name(rng):
    return rng.choice(NAMES) if rng.random() < 0.7 else rand_text(rng, "abcxyz_-.:, \t\n\x07", 10, 0.25)


def rand_facts(rng, full=None):
    d = {"source_name": name(rng), "accountability": rng.choice(ACCTS)}
    full = rng.random() < 0.5 if full is None else full
    if full or rng.random() < 0.8:
        d["stance"] = rng.choice(STANCES)
    if full or rng.random() < 0.8:
        d["reachable"] = rng.random() < 0.75
    if full or rng.random() < 0.4:
        d["subject"] = rand_text(rng, "abc:/-", 10, 0.2)
    if full or rng.random() < 0.3:
        d["detail"] = rand_text(rng, "exit code 0 ", 16, 0.1)
    return d


def rand_belief(rng):
    d = {"believe": rng.random() < 0.6, "refuted": rng.random() < 0.3, "reason": rand_text(rng)}
    for k in ("attesting", "refuting", "silent"):
        if rng.random() < 0.3:
            d[k] = [name(rng) for _ in range(rng.randint(0, 2))]
    return d


BAD_FACTS = [
    {"source_name": "x"},
    {"accountability": "OS_RECORDED"},
    {"source_name": "x", "accountability": "os_recorded"},
    {"source_name": "x", "accountability": "HUMAN"},
    {"source_name": 1, "accountability": "OS_RECORDED"},
    {"source_name": "x", "accountability": "OS_RECORDED", "stance": "attested"},
    {"source_name": "x", "accountability": "OS_RECORDED", "reachable": 1},
    {"source_name": "x", "accountability": "OS_RECORDED", "reachable": None},
    {"source_name": "x", "accountability": "OS_RECORDED", "subject": None},
    {"source_name": "x", "accountability": "OS_RECORDED", "bogus": 1},
    {"source_name": "x", "accountability": None},
    "facts",
    None,
    [],
]


def _t(stance, acct, reachable=True, n="w"):
    return {"source_name": n, "accountability": acct, "stance": stance, "reachable": reachable}


TABLE_FACTS = [
    [],
    [_t("ATTESTED", "OS_RECORDED", n="os_acceptance")],
    [_t("ATTESTED", "THIRD_PARTY", n="stripe")],
    [_t("ATTESTED", "AGENT_AUTHORED", n="paste")],
    [_t("ATTESTED", "AGENT_AUTHORED", n="paste"), _t("ATTESTED", "OS_RECORDED", n="os")],
    [_t("REFUTED", "OS_RECORDED", n="os")],
    [_t("REFUTED", "AGENT_AUTHORED", n="paste")],
    [_t("ATTESTED", "THIRD_PARTY", n="a"), _t("REFUTED", "OS_RECORDED", n="b")],
    [_t("ATTESTED", "THIRD_PARTY", reachable=False, n="down")],
    [_t("NO_SIGNAL", "THIRD_PARTY", n="quiet"), _t("NO_SIGNAL", "OS_RECORDED", reachable=False, n="gone")],
    [{"source_name": "null", "accountability": "AGENT_AUTHORED"}],
    [_t("REFUTED", "THIRD_PARTY", reachable=False, n="x")],
]


@cases
def _cases(rng):
    # gather_evidence
    for s in ["", "effect-1", "\ud800", "a\nb", "😀", "\x00"]:
        yield "evidence.gather_evidence", {"source": "null", "subject": s}
    for bad in [{}, {"source": "null"}, {"source": "os_acceptance", "subject": "s"}, {"source": "null", "subject": 1},
                {"source": "null", "subject": "s", "config": {"a": 1}}, {"source": "null", "subject": "s", "x": 1}]:
        yield "evidence.gather_evidence", bad
    for _ in range(210):
        args = {"source": rng.choice(["null"] * 6 + ["os_acceptance", "Null"]),
                "subject": rand_text(rng, "abc-_/:.\n ", 20, 0.2)}
        if rng.random() < 0.4:
            args["config"] = rng.choice([None, {}, [1], "x", 0])
        yield "evidence.gather_evidence", args
    # believe_under_floor
    for f in TABLE_FACTS:
        yield "evidence.believe_under_floor", {"facts": f}
    for bad in BAD_FACTS:
        yield "evidence.believe_under_floor", {"facts": [bad]}
    for bad in [{}, {"facts": None}, {"facts": {}}, {"facts": "x"}, {"facts": [], "extra": 1}]:
        yield "evidence.believe_under_floor", bad
    for _ in range(300):
        yield "evidence.believe_under_floor", {"facts": [rand_facts(rng) for _ in range(rng.choice([0, 1, 2, 3, 4, 6]))]}
    # derived_witness
    tp, os_, ag = _t("ATTESTED", "THIRD_PARTY", n="tp"), _t("ATTESTED", "OS_RECORDED", n="os"), _t("ATTESTED", "AGENT_AUTHORED", n="ag")
    yes = {"believe": True, "refuted": False, "reason": "believed"}
    both = {"believe": True, "refuted": True, "reason": "conflict"}
    for operands in ([], [tp], [tp, os_], [tp, yes], [yes], [both], [tp, ag], [tp, None], [None],
                     [_t("REFUTED", "THIRD_PARTY")], [_t("ATTESTED", "THIRD_PARTY", reachable=False)]):
        for op_ in ("sum", "", "  ", "\u3000", "ratio"):
            for tol in (True, False):
                yield "evidence.derived_witness", {"source_name": "derive", "op": op_, "operands": operands,
                                                   "subject": "total", "within_tol": tol}
    yield "evidence.derived_witness", {"source_name": "d", "op": "sum", "operands": [tp], "subject": "s",
                                       "within_tol": True, "detail": "given detail"}
    for bad in [{"source_name": "d", "op": "sum", "operands": [3], "subject": "s", "within_tol": True},
                {"source_name": "d", "op": "sum", "operands": ["x"], "subject": "s", "within_tol": True},
                {"source_name": "d", "op": None, "operands": [], "subject": "s", "within_tol": True},
                {"source_name": "d", "op": "sum", "operands": [], "subject": "s", "within_tol": 1},
                {"source_name": "d", "op": "sum", "operands": [], "subject": "s"},
                {"source_name": "d", "op": "sum", "operands": None, "subject": "s", "within_tol": True},
                {"source_name": "d", "op": "sum", "operands": [{"believe": True}], "subject": "s", "within_tol": True},
                {"source_name": "d", "op": "sum", "operands": [{"believe": 1, "refuted": False, "reason": ""}],
                 "subject": "s", "within_tol": True},
                {"source_name": "d", "op": "sum", "operands": [], "subject": "s", "within_tol": True, "detail": None},
                {"source_name": "d", "op": "sum", "operands": [], "subject": "s", "within_tol": True, "x": 0}]:
        yield "evidence.derived_witness", bad
    for bad in BAD_FACTS[:10]:
        yield "evidence.derived_witness", {"source_name": "d", "op": "x", "operands": [bad], "subject": "s",
                                           "within_tol": True}
    for _ in range(300):
        operands = []
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            r = rng.random()
            operands.append(rand_facts(rng) if r < 0.6 else rand_belief(rng) if r < 0.9 else None)
        args = {"source_name": name(rng), "op": rng.choice(["sum", "product", "", " ", "\t\n", "ratio",
                                                            rng.choice(NON_ASCII), rand_text(rng)]),
                "operands": operands, "subject": rand_text(rng, "abc", 8, 0.2), "within_tol": rng.random() < 0.7}
        if rng.random() < 0.3:
            args["detail"] = rng.choice(["", "recomputed 3+4=7", rand_text(rng)])
        yield "evidence.derived_witness", args
