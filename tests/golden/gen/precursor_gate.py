"""Golden cases for `dos.precursor_gate`: `classify_call`,
`precursor_intervention`, `PrecursorGrammar.required_set` (as
`required_set(mutating_tool, grammar)`) and `grammar_from_table`.

Records travel as their fields: a grammar as `{"requires": {tool: [names]},
"aliases": {name: [names]}}`, the intervention decision with its rung as
its spec. The built-in WARN rung's prose (`summary`, `actuation`) is ours.
Tool names are str (a field of another type is refused, BAD_ARGS).
"""
from dos import precursor_gate as pg

from . import intervention as giv
from .common import cases, op


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _need(cond, what="args"):
    if not cond:
        raise _Refused(what)


def _names(v):
    _need(type(v) is list and all(type(x) is str for x in v), "names")
    return tuple(v)


def _grammar(g):
    _need(type(g) is dict and set(g) <= {"requires", "aliases"})
    out = {}
    for k in ("requires", "aliases"):
        d = g.get(k, {})
        _need(type(d) is dict)
        out[k] = {key: _names(v) for key, v in d.items()}
    return pg.PrecursorGrammar(**out)


def _call(c):
    _need(type(c) is dict and "tool_name" in c and set(c) <= {"tool_name", "is_mutating"})
    _need(type(c["tool_name"]) is str and type(c.get("is_mutating", True)) is bool)
    return pg.MutatingCall(**c)


def _stream(s):
    _need(type(s) is dict and set(s) <= {"calls"} and type(s.get("calls", [])) is list)
    calls = []
    for c in s.get("calls", []):
        _need(type(c) is dict and "tool_name" in c and set(c) <= {"tool_name", "result_text"})
        _need(type(c["tool_name"]) is str and type(c.get("result_text", "")) is str)
        calls.append(pg.PriorCall(**c))
    return pg.CallStream(calls=tuple(calls))


def _verdict_fields(v):
    return {"stance": v.stance.value, "mutating_tool": v.mutating_tool, "required": list(v.required),
            "present": list(v.present), "reason": v.reason}


def _facts_classify(args, v):
    facts = [repr(v["mutating_tool"])] if v["stance"] != "NO_SIGNAL" or v["reason"].startswith("'") else []
    if v["stance"] != "NO_SIGNAL" and "is not gated" not in v["reason"]:
        facts.append(repr(v["present"] if v["stance"] == "ATTESTED" else v["required"]))
    if v["stance"] == "NO_SIGNAL" and "empty" in v["reason"]:
        facts = ["empty"]
    return {"reason": giv._plain(facts)}


@op("precursor_gate.classify_call", prose=("reason",), facts=_facts_classify)
def _classify(args, config):
    _need(set(args) <= {"call", "stream", "grammar", "policy"} and {"call", "stream"} <= set(args))
    kw = {"call": _call(args["call"]), "stream": _stream(args["stream"])}
    if "grammar" in args:
        kw["grammar"] = _grammar(args["grammar"])
    if "policy" in args:
        p = args["policy"]
        _need(type(p) is dict and set(p) <= {"case_sensitive"} and type(p.get("case_sensitive", False)) is bool)
        kw["policy"] = pg.PrecursorPolicy(**p)
    return _verdict_fields(pg.classify_call(**kw))


def _facts_intervention(args, v):
    if v is None:
        return {}
    return {"reason": giv._plain([repr(v["unsupported"][0])]), "rung.summary": [], "rung.actuation": []}


@op("precursor_gate.precursor_intervention", facts=_facts_intervention, dynamic_prose=True)
def _intervention(args, config):
    _need(set(args) == {"verdict"})
    v = args["verdict"]
    _need(type(v) is dict and set(v) == {"stance", "mutating_tool", "required", "present", "reason"})
    _need(type(v["mutating_tool"]) is str and type(v["reason"]) is str)
    verdict = pg.PrecursorVerdict(stance=pg.PrecursorStance(v["stance"]), mutating_tool=v["mutating_tool"],
                                  required=_names(v["required"]), present=_names(v["present"]), reason=v["reason"])
    d = pg.precursor_intervention(verdict)
    return None if d is None else giv.decision_fields(d)


@op("precursor_gate.required_set")
def _required(args, config):
    _need(set(args) <= {"mutating_tool", "grammar"} and type(args.get("mutating_tool")) is str)
    g = _grammar(args["grammar"]) if "grammar" in args else pg.EMPTY_GRAMMAR
    return sorted(g.required_set(args["mutating_tool"]))


@op("precursor_gate.grammar_from_table")
def _from_table(args, config):
    _need(set(args) == {"table"} and type(args["table"]) is dict)
    g = pg.grammar_from_table(args["table"])
    return {"requires": {k: list(v) for k, v in g.requires.items()},
            "aliases": {k: list(v) for k, v in g.aliases.items()}}


TOOLS = ["create_change", "assign_incident", "update_user", "Create-Change", "create.change", " CREATE_CHANGE ",
         "delete_record", "ß_tool", "İtool", "get_change", "list_users", "check_change_authorization",
         "get_assignment_group", "check_assignment_permission", "Check-Change.Authorization", "lookup", ""]
PRECS = ["check_change_authorization", "get_assignment_group", "check_assignment_permission", "verify_user",
         "Check-Access", "check.access", "LOOKUP", "lookup", "ſtrasse", "STRASSE"]


def _rand_grammar(rng):
    req = {}
    for _ in range(rng.randint(0, 3)):
        tool = rng.choice(TOOLS[:9])
        if rng.random() < 0.7:
            tool = pg._canon(tool) if rng.random() < 0.7 else tool
        req[tool] = [rng.choice(PRECS) for _ in range(rng.randint(0, 3))]
    als = {}
    for _ in range(rng.randint(0, 2)):
        p = rng.choice(PRECS)
        als[pg._canon(p) if rng.random() < 0.7 else p] = [rng.choice(PRECS + ["alias_one", "Alias-Two"])
                                                           for _ in range(rng.randint(0, 2))]
    return {"requires": req, "aliases": als}


def _rand_table(rng):
    def names():
        if rng.random() < 0.8:
            return rng.choice([rng.choice(PRECS), [rng.choice(PRECS) for _ in range(rng.randint(0, 3))]])
        return rng.choice([None, [], {"k": 1}, [None, ""], 0, 5, [3], True, [0, False]])
    t = {}
    if rng.random() < 0.8:
        t["requires"] = {rng.choice(TOOLS): names() for _ in range(rng.randint(0, 3))} if rng.random() < 0.85 else \
            rng.choice([{}, None, [1], "x"])
    if rng.random() < 0.5:
        t["aliases"] = {rng.choice(PRECS): names() for _ in range(rng.randint(0, 2))}
    if rng.random() < 0.2:
        t["case_sensitive"] = True
    return t


@cases
def _precursor_cases(rng):
    # The reference's table.
    g1 = {"requires": {"create_change": ["check_change_authorization"]}}
    g2 = {"requires": {"assign_incident": ["get_assignment_group", "check_assignment_permission"]}}
    for call, calls, g in [
        ("create_change", ["get_change", "list_users"], g1),
        ("assign_incident", ["get_incident", "get_user"], g2),
        ("create_change", ["get_change", "check_change_authorization", "list_users"], g1),
        ("create_change", [], g1),
        ("delete_record", ["get_change"], g1),
        ("create_change", ["Check-Change.Authorization"], g1),
    ]:
        yield "precursor_gate.classify_call", {"call": {"tool_name": call}, "stream": {"calls": [{"tool_name": t, "result_text": "{}"} for t in calls]}, "grammar": g}
    yield "precursor_gate.classify_call", {"call": {"tool_name": "get_change", "is_mutating": False}, "stream": {"calls": []}, "grammar": g1}
    for _ in range(330):
        g = _rand_grammar(rng)
        tools = list(g["requires"]) + TOOLS
        call = {"tool_name": rng.choice(tools)}
        if rng.random() < 0.1:
            call["is_mutating"] = False
        stream = {"calls": [{"tool_name": rng.choice(PRECS + TOOLS + ["alias_one", "ALIAS.two"])}
                            for _ in range(rng.choice([0, 1, 2, 4]))]}
        args = {"call": call, "stream": stream}
        if rng.random() < 0.9:
            args["grammar"] = g
        if rng.random() < 0.4:
            args["policy"] = {"case_sensitive": rng.random() < 0.6}
        yield "precursor_gate.classify_call", args
        yield "precursor_gate.required_set", {"mutating_tool": call["tool_name"], "grammar": g}
        try:
            v = _classify(args, None)
        except _Refused:
            v = None
        if v is not None:
            if rng.random() < 0.3:
                v = dict(v, stance=rng.choice(["ATTESTED", "REFUTED", "NO_SIGNAL"]))
            if rng.random() < 0.1:
                v = dict(v, required=rng.choice([[], [""], ["a", "b"]]))
            yield "precursor_gate.precursor_intervention", {"verdict": v}
            yield "precursor_gate.precursor_intervention", {"verdict": dict(
                v, stance="REFUTED", mutating_tool=rng.choice(TOOLS) + str(rng.randint(0, 99)))}
        yield "precursor_gate.grammar_from_table", {"table": _rand_table(rng)}
        yield "precursor_gate.grammar_from_table", {"table": _rand_table(rng)}
    yield "precursor_gate.grammar_from_table", {"table": {}}
    yield "precursor_gate.classify_call", {"call": {"tool_name": 3}, "stream": {}}
    yield "precursor_gate.classify_call", {"call": {"tool_name": "x"}, "stream": {"calls": [{"tool_name": None}]}}
    yield "precursor_gate.required_set", {"mutating_tool": "create_change", "grammar": {"requires": {"create_change": "check"}}}
    for _ in range(40):
        yield "precursor_gate.required_set", {"mutating_tool": rng.choice(TOOLS), "grammar": _rand_grammar(rng)}
