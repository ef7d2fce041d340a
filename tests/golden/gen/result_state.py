"""Golden cases for `dos.result_state` (`classify_terminal`,
`refusal_envelope`, `terminal_evidence_from_record`): the reference's own
table (the real synthetic deaths by class, with and without
`apiErrorStatus`, the alternative `isApiErrorMessage` gate, empty and
tool-only terminals, user lines, unreadable evidence, the envelopes), then
random records (odd JSON types in every field, string-coded statuses with
Unicode digits, whitespace-only and long texts) and random evidence.

Records travel as JSON; evidence as its fields, verdicts as the reference's
`ResultStateVerdict.to_dict()` (the class token under `class`, the attribute
`cls`). The transcript readers read files and are tested from Python
(python/tests/test_route_shapeA.py)."""
from dos import result_state as rs

from . import _regex
from .common import cases, op
from .evidence import _Refused, check_args


def _ev_fields(e):
    return {"found": e.found, "readable": e.readable, "model": e.model, "stop_reason": e.stop_reason,
            "is_api_error": e.is_api_error, "api_status": e.api_status, "text": e.text, "has_content": e.has_content}


def _v_fields(v):
    return v.to_dict()


def _need(cond, what):
    if not cond:
        raise _Refused(what)


def _int_or_none(v):
    return v is None or (type(v) is int and -2**63 <= v < 2**63) or type(v) is int


def _evidence(d):
    _need(type(d) is dict and {"found", "readable"} <= set(d) and set(d) <= set(_ev_fields(rs.TerminalEvidence(True, True))),
          "evidence")
    for k in ("found", "readable", "is_api_error", "has_content"):
        _need(type(d.get(k, False)) is bool, k)
    for k in ("model", "stop_reason"):
        _need(d.get(k) is None or type(d[k]) is str, k)
    _need(d.get("api_status") is None or (type(d["api_status"]) is int and -2**63 <= d["api_status"] < 2**63),
          "api_status")
    _need(type(d.get("text", "")) is str, "text")
    return rs.TerminalEvidence(**d)


def _verdict(d):
    _need(type(d) is dict and {"state", "dead"} <= set(d) and set(d) <= {"state", "dead", "class", "api_status", "reason"},
          "verdict")
    _need(type(d["state"]) is str and type(d["dead"]) is bool, "verdict fields")
    _need(type(d.get("class", "NONE")) is str and type(d.get("reason", "")) is str, "verdict fields")
    _need(d.get("api_status") is None or (type(d["api_status"]) is int and -2**63 <= d["api_status"] < 2**63),
          "api_status")
    kw = {k: v for k, v in d.items() if k != "class"}
    kw["state"] = rs.TerminalState(d["state"])
    if "class" in d:
        kw["cls"] = rs.TerminalClass(d["class"])
    return rs.ResultStateVerdict(**kw)


def _facts(args, v):
    if v["state"] == "SYNTHETIC":
        out = [v["class"]]
        ev = args["evidence"]
        out.append("model=<synthetic>" if ev.get("model") == "<synthetic>" else "isApiErrorMessage=true")
        if ev.get("stop_reason") == "stop_sequence":
            out.append("stop_reason=stop_sequence")
        if v["api_status"] is not None:
            out.append(f"apiErrorStatus={v['api_status']}")
        return {"reason": out}
    return {"reason": []}


@op("result_state.classify_terminal", prose=("reason",), facts=_facts)
def _classify(args, config):
    check_args(args, {"evidence": True})
    return _v_fields(rs.classify_terminal(_evidence(args["evidence"])))


@op("result_state.refusal_envelope")
def _envelope(args, config):
    check_args(args, {"verdict": True})
    return rs.refusal_envelope(_verdict(args["verdict"]))


@op("result_state.terminal_evidence_from_record")
def _from_record(args, config):
    check_args(args, {"record": True})
    e = rs.terminal_evidence_from_record(args["record"])  # ValueError (int() of "²"): BAD_ARGS
    # The native records hold a 64-bit status: a wider one is refused.
    _need(e is None or e.api_status is None or -2**63 <= e.api_status < 2**63, "api_status beyond 64 bits")
    return None if e is None else _ev_fields(e)


def _syn(text, status=None, model="<synthetic>", flag=True, stop="stop_sequence"):
    rec = {"type": "assistant", "isApiErrorMessage": flag,
           "message": {"role": "assistant", "model": model, "stop_reason": stop,
                       "content": [{"type": "text", "text": text}]}}
    if status is not None:
        rec["apiErrorStatus"] = status
    return rec


def _healthy(text="Here is the finding."):
    return {"type": "assistant", "message": {"role": "assistant", "model": "claude-opus-4-8", "stop_reason": "end_turn",
                                             "content": [{"type": "text", "text": text}]}}


RECORDS = [
    _syn("API Error: 429 · Rate limited", 429), _syn("· Rate limited"), _syn("You've hit your weekly limit"),
    _syn("organization has disabled Claude Code", 403), _syn("API Error: 500 Internal server error", 500),
    _syn("API Error: 401 authentication_error", 401), _syn("out of extra usage"), _syn("session limit reached"),
    _syn("something odd"), _syn("x", "429"), _syn("x", " 500 "), _syn("x", "٤٢٩"), _syn("x", "²"), _syn("x", "4²"),
    _syn("x", True), _syn("x", 429.0), _syn("x", "-1"), _syn("x", ""), _syn("x", 10**30), _syn("x", str(10**30)),
    _syn("x", model="claude", flag=True), _syn("x", model="claude", flag=False), _syn("x", model="<Synthetic>", flag=0),
    _syn("x", flag="yes"), _syn("x", flag=""), _syn("x", flag=[]), _syn("x", flag={"a": 1}), _syn("x", flag=0.0),
    _syn("x", stop="end_turn"), _syn("x", stop=None), _healthy(), _healthy("  "), _healthy(""),
    {"type": "user", "message": {"role": "user", "content": "hi"}},
    {"message": {"role": "assistant", "content": "  plain text  "}},
    {"message": {"role": "assistant", "content": "   "}},
    {"message": {"role": "assistant", "content": [{"type": "tool_use", "name": "Bash", "input": {}}]}},
    {"message": {"role": "assistant", "content": [{"type": "thinking"}, {"type": "text", "text": " \n "},
                                                  {"type": "text", "text": "second"}]}},
    {"message": {"role": "assistant", "content": [{"type": "image"}, "str", 3, None, {"type": "text", "text": 5}]}},
    {"message": {"role": "assistant", "content": [{"type": "text", "text": "y" * 500}]}},
    {"message": {"role": "assistant", "content": "\u3000" + "z" * 450}},
    {"message": {"role": "assistant", "content": {"type": "text", "text": "dict"}}},
    {"message": {"role": "assistant"}}, {"message": {"role": "Assistant", "content": "x"}},
    {"message": "assistant"}, {"message": None}, {}, [], "record", 3, None,
    {"message": {"role": "assistant", "model": 5, "stop_reason": ["s"], "content": [{"type": "tool_result"}]}},
]


def _rand_record(rng):
    pick = lambda xs: rng.choice(xs)  # noqa: E731
    content_kinds = [
        lambda: _regex.text(rng, 3),
        lambda: [pick([{"type": "text", "text": _regex.text(rng, 3)}, {"type": pick(["tool_use", "tool_result",
                 "thinking", "image", "other", None, 1])}, {"type": "text", "text": pick(["", " ", None, 2])}, "s"])
                 for _ in range(rng.randint(0, 3))],
        lambda: None, lambda: 7,
    ]
    msg = {"role": pick(["assistant", "assistant", "user", None, "ASSISTANT"]), "content": pick(content_kinds)()}
    if rng.random() < 0.6:
        msg["model"] = pick(["<synthetic>", "claude-x", None, 3, "<synthetic> "])
    if rng.random() < 0.5:
        msg["stop_reason"] = pick(["stop_sequence", "end_turn", None, 0])
    rec = {"message": msg if rng.random() < 0.9 else pick([None, "m", [msg]])}
    if rng.random() < 0.5:
        rec["isApiErrorMessage"] = pick([True, False, 1, 0, "", "x", None, [], [0], 0.0, -0.0])
    if rng.random() < 0.5:
        rec["apiErrorStatus"] = pick([429, 401, 403, 500, 418, -3, True, False, "429", " 401\n", "x", "", "٣", "²", None,
                                      4.0, [429], "1_0", "+5", "\u00a0500"])
    return rec


@cases
def _cases(rng):
    for r in RECORDS:
        yield "result_state.terminal_evidence_from_record", {"record": r}
    for bad in [{}, {"record": 1, "x": 2}]:
        yield "result_state.terminal_evidence_from_record", bad
    for _ in range(300):
        yield "result_state.terminal_evidence_from_record", {"record": _rand_record(rng)}
    evs = [{"found": False, "readable": False}, {"found": False, "readable": True}, {"found": True, "readable": True},
           {"found": True, "readable": True, "has_content": True, "model": "claude"},
           {"found": True, "readable": True, "model": "<synthetic>", "api_status": 429},
           {"found": True, "readable": False, "model": "<synthetic>"},
           {"found": False, "readable": True, "is_api_error": True, "text": "Rate Limited"},
           {"found": True, "readable": True, "is_api_error": True, "api_status": 404, "text": "API Error: Internal Server Error"},
           {"found": True, "readable": True, "model": "<synthetic>", "stop_reason": "stop_sequence", "text": "RATE LİMITED"},
           {"found": True, "readable": True, "model": "<synthetic>", "text": "Authentication failed; weekly limit"},
           {"found": True, "readable": True, "model": "<synthetic>", "api_status": 10**20},
           {"found": True, "readable": True, "model": "<synthetic>", "text": "\u212aelvin server-side"},
           {"found": "yes", "readable": True}, {"readable": True}, {"found": True, "readable": True, "api_status": True},
           {"found": True, "readable": True, "bogus": 1}, {"found": True, "readable": True, "text": None}]
    for e in evs:
        yield "result_state.classify_terminal", {"evidence": e}
    for _ in range(300):
        e = {"found": rng.random() < 0.8, "readable": rng.random() < 0.9}
        if rng.random() < 0.6:
            e["model"] = rng.choice(["<synthetic>", "claude", None, "<SYNTHETIC>"])
        if rng.random() < 0.5:
            e["stop_reason"] = rng.choice(["stop_sequence", "end_turn", None])
        if rng.random() < 0.5:
            e["is_api_error"] = rng.random() < 0.5
        if rng.random() < 0.5:
            e["api_status"] = rng.choice([429, 401, 403, 500, 418, None, -1, 0])
        if rng.random() < 0.7:
            e["text"] = rng.choice(["Rate limited", "authentication", "Internal Server Error", "server-side",
                                    "weekly limit", "session limit", "out of extra usage", "disabled Claude",
                                    "usage limit", "", "other"]) + _regex.text(rng, 2)
        if rng.random() < 0.6:
            e["has_content"] = rng.random() < 0.5
        yield "result_state.classify_terminal", {"evidence": e}
    vs = [{"state": "SYNTHETIC", "dead": True, "class": "RATE_LIMIT", "api_status": 429, "reason": "r"},
          {"state": "EMPTY", "dead": True}, {"state": "HEALTHY", "dead": False, "reason": "fine"},
          {"state": "UNREADABLE", "dead": False}, {"state": "SYNTHETIC", "dead": False, "class": "AUTH"},
          {"state": "HEALTHY", "dead": True, "class": "SERVER", "api_status": 500},
          {"state": "bogus", "dead": True}, {"state": "EMPTY"}, {"state": "EMPTY", "dead": 1},
          {"state": "EMPTY", "dead": True, "class": "nope"}, {"state": "EMPTY", "dead": True, "cls": "AUTH"}, {"state": "EMPTY", "dead": True, "extra": 0}]
    for v in vs:
        yield "result_state.refusal_envelope", {"verdict": v}
    states = ["HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE"]
    classes = ["RATE_LIMIT", "USAGE_LIMIT", "AUTH", "SERVER", "OTHER", "NONE"]
    for _ in range(260):
        v = {"state": rng.choice(states), "dead": rng.random() < 0.5}
        if rng.random() < 0.7:
            v["class"] = rng.choice(classes)
        if rng.random() < 0.5:
            v["api_status"] = rng.choice([None, 429, 500, 7, 10**25])
        if rng.random() < 0.7:
            v["reason"] = _regex.text(rng, 3)
        yield "result_state.refusal_envelope", {"verdict": v}
