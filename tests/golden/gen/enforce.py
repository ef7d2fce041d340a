"""Golden cases for `dos.enforce`: `run_handler` with the built-in observe
handler, the settlement `run_handler` applies to what any other handler did
(`settle_handler`: the outcome is what the handler raised, returned as a
proposal, or returned of another type), and `EffectProposal.withholds_call`.

The decision travels as its fields (the rung as its spec). A plugin handler
is not native: `run_handler` names only built-in handlers (BAD_ARGS for any
other name), and the runner reproduces a foreign handler's outcome with a
stand-in object that raises or returns exactly that.
"""
from dos import enforce as en
from dos import intervention as iv

from . import intervention as giv
from .common import cases, op, rand_text


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _need(cond, what="args"):
    if not cond:
        raise _Refused(what)


def _decision(d):
    _need(type(d) is dict and set(d) == {"intervention", "confidence", "rung", "disruption_cost", "unsupported", "reason"})
    _need(type(d["disruption_cost"]) in (int, float) and type(d["reason"]) is str)
    return iv.InterventionDecision(
        intervention=iv.Intervention(d["intervention"]), confidence=iv.Confidence(d["confidence"]),
        rung=giv._spec(d["rung"]), disruption_cost=float(d["disruption_cost"]),
        unsupported=giv._str_tuple(d["unsupported"]), reason=d["reason"])


def _proposal(p):
    _need(type(p) is dict and {"intervention", "dispatch_call"} <= set(p)
          and set(p) <= {"intervention", "dispatch_call", "synthetic_result", "note", "handler", "reason"})
    _need(type(p["dispatch_call"]) is bool and all(type(p.get(k, "")) is str for k in ("note", "handler", "reason")))
    _need(p.get("synthetic_result") is None or type(p["synthetic_result"]) is dict)
    kw = dict(p)
    kw["intervention"] = iv.Intervention(p["intervention"])
    return en.EffectProposal(**kw)


RANK = {"OBSERVE": 0, "WARN": 1, "BLOCK": 2, "DEFER": 3}


def _fallback(args):
    """Did run_handler answer with its own observe proposal (whose reason is prose)?"""
    o = args.get("outcome")
    if o is None:
        return True  # the built-in handler: its reason is ours
    p = o.get("proposal")
    if o.get("raised") is not None or p is None:
        return True
    return RANK[p["intervention"]] > RANK[args["decision"]["intervention"]]


def _facts_proposal(args, v):
    if not _fallback(args):
        return {}
    if "outcome" not in args:
        return {"reason": ["observe"]}
    name = args["handler"]
    facts = [repr(name)]
    o = args.get("outcome", {})
    if o.get("raised") is not None:
        facts.append(o["raised"])
    p = o.get("proposal")
    if p is not None:
        facts.append("more disruptive")
    elif o.get("raised") is None and "outcome" in args:
        facts.append(o.get("returned_type") or "NoneType")
    return {"reason": giv._plain(facts)}


@op("enforce.run_handler", facts=_facts_proposal, dynamic_prose=True)
def _run(args, config):
    _need(set(args) <= {"handler", "decision", "host_config"} and {"handler", "decision"} <= set(args))
    _need(args["handler"] == "observe", "a plugin handler")
    return en.run_handler(en.ObserveHandler(), _decision(args["decision"]), args.get("host_config")).to_dict()


class _Raising:
    def __init__(self, name, text):
        self.name = name

        class Failure(Exception):
            def __repr__(self):
                return text

        self._exc = Failure

    def handle(self, decision, config):
        raise self._exc()


class _Returning:
    def __init__(self, name, value):
        self.name, self.value = name, value

    def handle(self, decision, config):
        return self.value


@op("enforce.settle_handler", facts=_facts_proposal, dynamic_prose=True)
def _settle(args, config):
    _need(set(args) == {"handler", "decision", "outcome"} and type(args["handler"]) is str)
    o = args["outcome"]
    _need(type(o) is dict and set(o) <= {"raised", "proposal", "returned_type"})
    _need(sum(o.get(k) is not None for k in ("raised", "proposal", "returned_type")) <= 1, "one outcome")
    decision = _decision(args["decision"])
    name = args["handler"]
    if o.get("raised") is not None:
        _need(type(o["raised"]) is str)
        h = _Raising(name, o["raised"])
    elif o.get("proposal") is not None:
        h = _Returning(name, _proposal(o["proposal"]))
    else:
        t = o.get("returned_type")
        _need(t is None or type(t) is str)
        h = _Returning(name, None if t is None else type(t, (), {})())
    return en.run_handler(h, decision, None).to_dict()


@op("enforce.withholds_call")
def _withholds(args, config):
    _need(set(args) == {"proposal"})
    return _proposal(args["proposal"]).withholds_call


RUNGS = ["OBSERVE", "WARN", "BLOCK", "DEFER"]


def _rand_decision(rng):
    v = giv._rand_verdict(rng)
    try:
        d = giv.decision_fields(iv.choose_intervention(giv._verdict(v), ladder=rng.choice(
            [iv.BASE_INTERVENTIONS, giv._ladder(giv.ADVERSARIAL)])))
    except Exception:  # noqa: BLE001 - an unbuildable verdict: a hand-made decision instead
        d = None
    if d is None or rng.random() < 0.4:
        spec = dict(rng.choice(giv.BASE["specs"]))
        d = {"intervention": rng.choice(RUNGS), "confidence": rng.choice(["HIGH", "LOW", "NONE"]), "rung": spec,
             "disruption_cost": rng.choice([0.0, 1 / 3, 0.5, 1.0]), "unsupported": v["unsupported"],
             "reason": rand_text(rng, "abc ", 20, 0.1)}
    if rng.random() < 0.05:
        d["rung"] = dict(d["rung"], rank=-1)
    return d


def _rand_proposal(rng):
    disp = rng.random() < 0.5
    p = {"intervention": rng.choice(RUNGS), "dispatch_call": disp}
    if rng.random() < 0.4:
        p["synthetic_result"] = None if disp or rng.random() < 0.3 else {"status": "blocked", "n": rng.randint(0, 3)}
        if rng.random() < 0.05:
            p["synthetic_result"] = {"x": 1}
    for k in ("note", "handler", "reason"):
        if rng.random() < 0.5:
            p[k] = rng.choice(["", "mine", rand_text(rng, "xyz ", 8, 0.2)])
    return p


@cases
def _enforce_cases(rng):
    for _ in range(300):
        d = _rand_decision(rng)
        a = {"handler": "observe", "decision": d}
        if rng.random() < 0.3:
            a["handler"] = rng.choice(["observe", "interactive", "Observe", ""])
        if rng.random() < 0.02:
            del a["handler"]
        if rng.random() < 0.3:
            a["host_config"] = rng.choice([None, {"lanes": []}, [1, 2], "cfg"])
        yield "enforce.run_handler", a
        name = rng.choice(["observe", "interactive", "swarm-worker", "", "é", "x\u2028y"])
        r = rng.random()
        if r < 0.25:
            o = {"raised": rng.choice(["RuntimeError('boom')", "TimeoutError()", "KeyError('k')", "ValueError('é')"])}
        elif r < 0.75:
            o = {"proposal": _rand_proposal(rng)}
        elif r < 0.95:
            o = {"returned_type": rng.choice(["dict", "NoneType", "str", "Proposalish"])} if rng.random() < 0.8 else {}
        else:
            o = {"raised": "E()", "returned_type": "dict"}
        yield "enforce.settle_handler", {"handler": name, "decision": d, "outcome": o}
        yield "enforce.withholds_call", {"proposal": _rand_proposal(rng)}
