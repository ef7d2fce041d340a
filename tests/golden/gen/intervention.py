"""Golden cases for `dos.intervention`: `assess_confidence`,
`choose_intervention`, `synthetic_corrective_result`, the decision's
`to_dict()`, `InterventionPolicy.validate_against` and the ladder's methods
(as `ladder_<method>` ops taking the ladder as `ladder`).

Records travel as their fields (`choose_intervention` answers with the
decision's fields, the rung as its spec; `decision_to_dict` is the
reference's `to_dict()`). A record that the reference refuses to build (a
bad rung, a repeated token or rank, a policy unsafe on the built-in ladder)
is a BAD_ARGS; so is a field of the wrong type, which the native op refuses
as it reads the arguments. The built-in ladder's prose (each rung's
`summary` and `actuation`) is ours: it is marked prose when the ladder is
left to its default.
"""
from dos import arg_provenance as ap
from dos import intervention as iv

from .common import cases, op, rand_text


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _need(cond, what="args"):
    if not cond:
        raise _Refused(what)


def _str_tuple(xs):
    _need(type(xs) is list and all(type(x) is str for x in xs), "a list of str")
    return tuple(xs)


def _verdict(d):
    _need(type(d) is dict and set(d) == {"believe", "args", "unsupported", "reason"}, "verdict")
    _need(type(d["believe"]) is bool and type(d["reason"]) is str and type(d["args"]) is list, "verdict fields")
    args = []
    for a in d["args"]:
        _need(type(a) is dict and set(a) == {"arg_name", "value_repr", "stance", "id_shaped", "is_reference",
                                             "matched_in", "components_checked", "components_unmatched", "reason"})
        _need(all(type(a[k]) is str for k in ("arg_name", "value_repr", "reason")))
        _need(all(type(a[k]) is bool for k in ("id_shaped", "is_reference")))
        args.append(ap.ArgProvenance(
            arg_name=a["arg_name"], value_repr=a["value_repr"], stance=ap.ProvenanceStance(a["stance"]),
            id_shaped=a["id_shaped"], is_reference=a["is_reference"],
            matched_in=tuple(ap.CorpusSource(s) for s in _str_tuple(a["matched_in"])),
            components_checked=_str_tuple(a["components_checked"]),
            components_unmatched=_str_tuple(a["components_unmatched"]), reason=a["reason"]))
    return ap.ProvenanceVerdict(believe=d["believe"], args=tuple(args), unsupported=_str_tuple(d["unsupported"]),
                                reason=d["reason"])


SPEC_KEYS = {"token", "rank", "summary", "actuation", "dispatches", "returns_synthetic", "see_also"}


def _spec(s):
    _need(type(s) is dict and set(s) <= SPEC_KEYS and {"token", "rank", "summary", "actuation", "dispatches"} <= set(s))
    _need(all(type(s[k]) is str for k in ("token", "summary", "actuation")))
    _need(type(s["rank"]) is int and -(2**63) <= s["rank"] < 2**63)
    _need(type(s["dispatches"]) is bool and type(s.get("returns_synthetic", False)) is bool)
    kw = dict(s)
    if "see_also" in kw:
        kw["see_also"] = _str_tuple(kw["see_also"])
    return iv.InterventionSpec(**kw)


def _ladder(d):
    _need(type(d) is dict and set(d) <= {"specs", "default_token"})
    _need(type(d.get("default_token", "WARN")) is str and type(d.get("specs", [])) is list)
    return iv.InterventionLadder(specs=tuple(_spec(s) for s in d.get("specs", [])),
                                 default_token=d.get("default_token", "WARN"))


def _policy(d):
    _need(type(d) is dict and all(type(v) is str for v in d.values()))
    return iv.InterventionPolicy(**d)


def _token(t):
    _need(t is None or type(t) is str, "token")
    return t


def spec_fields(s):
    return {"token": s.token, "rank": s.rank, "summary": s.summary, "actuation": s.actuation,
            "dispatches": s.dispatches, "returns_synthetic": s.returns_synthetic, "see_also": list(s.see_also)}


def ladder_fields(lad):
    return {"specs": [spec_fields(s) for s in lad.specs], "default_token": lad.default_token}


def decision_fields(d):
    return {"intervention": d.intervention.value, "confidence": d.confidence.value, "rung": spec_fields(d.rung),
            "disruption_cost": d.disruption_cost, "unsupported": list(d.unsupported), "reason": d.reason}


def _base_prose(args, v):
    """Paths of the built-in ladder's prose (when the ladder is the default)."""
    out = {}
    if "ladder" in args:
        return out

    def walk(x, path):
        if isinstance(x, dict):
            for k, y in x.items():
                p = f"{path}.{k}" if path else k
                if k in ("summary", "actuation") and isinstance(y, str):
                    out[p] = []
                else:
                    walk(y, p)
        elif isinstance(x, list):
            for i, y in enumerate(x):
                walk(y, f"{path}.{i}" if path else str(i))

    walk(v, "")
    return out


def _ladder_of(args):
    return _ladder(args["ladder"]) if "ladder" in args else iv.BASE_INTERVENTIONS


def _plain(facts):
    """Facts the corpus runners can check: none when one holds a lone
    surrogate (the prose then holds one too, and runners read it as no text)."""
    lone = any(0xD800 <= ord(c) <= 0xDFFF for f in facts for c in f)
    return [] if lone else list(facts)


def _facts_choose(args, v):
    f = _base_prose(args, v)
    f["reason"] = ["fail-safe"] if v["reason"].startswith("fail-safe") else _plain([v["confidence"]] + list(v["unsupported"]))
    if v["confidence"] == "NONE" and not v["reason"].startswith("fail-safe"):
        f["reason"] = []
    return f


@op("intervention.assess_confidence")
def _assess(args, config):
    _need(set(args) == {"verdict"})
    return iv.assess_confidence(_verdict(args["verdict"])).value


@op("intervention.choose_intervention", facts=_facts_choose, dynamic_prose=True)
def _choose(args, config):
    _need(set(args) <= {"verdict", "policy", "ladder"} and "verdict" in args)
    kw = {"verdict": _verdict(args["verdict"])}
    if "policy" in args:
        kw["policy"] = _policy(args["policy"])
    if "ladder" in args:
        kw["ladder"] = _ladder(args["ladder"])
    return decision_fields(iv.choose_intervention(**kw))


@op("intervention.decision_to_dict", prose=("reason",))
def _to_dict(args, config):
    d = args["decision"]
    _need(type(d) is dict and set(d) == {"intervention", "confidence", "rung", "disruption_cost", "unsupported", "reason"})
    _need(type(d["disruption_cost"]) in (int, float) and type(d["reason"]) is str)
    dec = iv.InterventionDecision(
        intervention=iv.Intervention(d["intervention"]), confidence=iv.Confidence(d["confidence"]),
        rung=_spec(d["rung"]), disruption_cost=float(d["disruption_cost"]),
        unsupported=_str_tuple(d["unsupported"]), reason=d["reason"])
    return dec.to_dict()


def _facts_synth(args, v):
    tool = args["tool_name"]
    hint = args.get("read_tool_hint", "")
    return {"error": _plain([tool]), "remediation": _plain([tool] + ([hint] if hint else []))}


@op("intervention.synthetic_corrective_result", prose=("error", "remediation"), facts=_facts_synth)
def _synth(args, config):
    _need(set(args) <= {"verdict", "tool_name", "read_tool_hint"} and type(args.get("tool_name")) is str)
    _need(type(args.get("read_tool_hint", "")) is str)
    return iv.synthetic_corrective_result(_verdict(args["verdict"]), args["tool_name"],
                                          args.get("read_tool_hint", ""))


@op("intervention.policy_validate_against")
def _validate(args, config):
    _need(set(args) == {"policy", "ladder"})
    return _policy(args["policy"]).validate_against(_ladder(args["ladder"]))


def _method(name, *extra, out=lambda x: x):
    def run(args, config):
        _need(set(args) <= {"ladder", *extra})
        lad = _ladder_of(args)
        kw = {}
        for e in extra:
            if e in args:
                kw[e] = args[e]
        for t in ("floor", "ceiling"):
            if t in kw:
                kw[t] = _token(kw[t])
        if "by" in kw:
            _need(type(kw["by"]) is int and -(2**63) <= kw["by"] < 2**63, "by")
        if "normalized" in kw:
            _need(type(kw["normalized"]) is bool, "normalized")
        if "more" in kw:
            _need(type(kw["more"]) is list, "more")
            kw["more"] = [_spec(s) for s in kw["more"]]
        pos = []
        if "token" in extra:
            _need("token" in args, "token")
            pos.append(_token(kw.pop("token")))
        return out(getattr(lad, name)(*pos, **kw))

    return run


SPEC_OUT = spec_fields
for _name, _extra, _out in [
    ("get", ("token",), lambda s: None if s is None else spec_fields(s)),
    ("is_known", ("token",), lambda x: x),
    ("tokens", (), list),
    ("by_rank", (), lambda xs: [spec_fields(s) for s in xs]),
    ("rank_of", ("token",), lambda x: x),
    ("escalate", ("token", "by"), spec_fields),
    ("de_escalate", ("token", "by"), spec_fields),
    ("clamp", ("token", "floor", "ceiling"), spec_fields),
    ("default", (), spec_fields),
    ("dispatches", ("token",), lambda x: x),
    ("actuates", ("token",), lambda x: x),
    ("returns_synthetic", ("token",), lambda x: x),
    ("disruption_cost", ("token", "normalized"), lambda x: x),
    ("extend", ("more",), ladder_fields),
]:
    op(f"intervention.ladder_{_name}", facts=_base_prose, dynamic_prose=True)(_method(_name, *_extra, out=_out))


# ------------------------------------------------------------------ inputs

BASE = ladder_fields(iv.BASE_INTERVENTIONS)
TOKENS = ["OBSERVE", "WARN", "BLOCK", "DEFER", "warn", " Block ", "observe\n", "NOPE", "", " ", "ESCALATE",
          "NUDGE", "ß", "ǅ", "İ", "\u00a0WARN", "WARN\x00"]


def _rand_spec(rng, token=None, rank=None):
    disp = rng.random() < 0.5
    s = {"token": token if token is not None else rng.choice(TOKENS + [rand_text(rng, "ABCxyz ", 6, 0.1)]),
         "rank": rank if rank is not None else rng.choice([0, 5, 10, 15, 20, 25, 30, 40, 100, -1, 2**62]),
         "summary": rand_text(rng, "abc ", 10, 0.1), "actuation": rand_text(rng, "xyz ", 10, 0.1),
         "dispatches": disp}
    if rng.random() < 0.6:
        s["returns_synthetic"] = (not disp) and rng.random() < 0.5 if rng.random() < 0.95 else True
    if rng.random() < 0.3:
        s["see_also"] = [rand_text(rng, "ab ", 5, 0) for _ in range(rng.randint(0, 2))]
    return s


def _rand_ladder(rng):
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.4:
        return dict(BASE)
    if r < 0.85:
        # The base rungs reordered or re-ranked, sometimes with a host rung.
        specs = [dict(s) for s in BASE["specs"]]
        ranks = rng.sample([0, 5, 10, 15, 20, 25, 30, 35], 4) if rng.random() < 0.6 else [0, 10, 20, 30]
        for s, rk in zip(specs, ranks):
            s["rank"] = rk
        if rng.random() < 0.4:
            specs.append(_rand_spec(rng, token=rng.choice(["NUDGE", "QUARANTINE", "ANNOTATE"]),
                                    rank=rng.choice([1, 12, 25, 99])))
        rng.shuffle(specs)
        return {"specs": specs, "default_token": rng.choice(["WARN", "WARN", "OBSERVE", "warn", "DEFER", "NUDGE"])}
    specs = [_rand_spec(rng) for _ in range(rng.randint(0, 4))]
    lad = {"specs": specs}
    if rng.random() < 0.7:
        lad["default_token"] = rng.choice([s["token"] for s in specs] or ["WARN"])
    return lad


VALID_POLICIES = [
    {}, {"on_high_confidence": "DEFER", "ceiling": "DEFER"}, {"on_high_confidence": "WARN"},
    {"on_low_confidence": "OBSERVE", "floor": "OBSERVE"}, {"on_none": "WARN"}, {"floor": "OBSERVE"},
    {"on_high_confidence": "BLOCK", "on_low_confidence": "BLOCK", "ceiling": "DEFER"},
    {"on_high_confidence": "warn", "on_low_confidence": "Warn", "on_none": "observe"},
    {"ceiling": "DEFER", "on_low_confidence": "BLOCK", "on_high_confidence": "DEFER", "floor": "WARN"},
]


def _rand_policy(rng):
    if rng.random() < 0.3:
        return None
    if rng.random() < 0.6:
        return dict(rng.choice(VALID_POLICIES))
    rungs = ["OBSERVE", "WARN", "BLOCK", "DEFER", "warn", "NOPE", "NUDGE"]
    return {k: rng.choice(rungs) for k in rng.sample(
        ["on_high_confidence", "on_low_confidence", "on_none", "floor", "ceiling"], rng.randint(0, 5))}


def _rand_arg(rng, name):
    stance = rng.choice(["SUPPORTED", "UNSUPPORTED", "UNSUPPORTED", "ABSTAIN"])
    checked = [rand_text(rng, "0123456789abc", 8, 0.05) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
    unmatched = rng.sample(checked, rng.randint(0, len(checked))) if stance == "UNSUPPORTED" else []
    if stance == "UNSUPPORTED" and rng.random() < 0.2:
        unmatched = [rand_text(rng, "xyz", 4, 0)]
    return {"arg_name": name, "value_repr": rand_text(rng, "INC0123", 10, 0.1), "stance": stance,
            "id_shaped": stance != "ABSTAIN", "is_reference": rng.random() < 0.9,
            "matched_in": rng.choice([[], ["TOOL_RESULT"], ["TASK_TEXT", "TOOL_RESULT"]]),
            "components_checked": checked, "components_unmatched": unmatched, "reason": "r"}


def _rand_verdict(rng):
    names = ["parent", "incident_id", "ref", "caller", "é_id", "x\u2028y", "a\ud800"]
    args = [_rand_arg(rng, rng.choice(names)) for _ in range(rng.randint(0, 4))]
    unsupported = [a["arg_name"] for a in args if a["stance"] == "UNSUPPORTED"]
    if rng.random() < 0.1:
        unsupported = rng.choice([[], ["ghost"]])
    believe = not unsupported if rng.random() < 0.9 else rng.random() < 0.5
    return {"believe": believe, "args": args, "unsupported": unsupported, "reason": ""}


HIGH = {"believe": False, "unsupported": ["parent"], "reason": "", "args": [
    {"arg_name": "parent", "value_repr": "x", "stance": "UNSUPPORTED", "id_shaped": True, "is_reference": True,
     "matched_in": [], "components_checked": ["9999999"], "components_unmatched": ["9999999"], "reason": ""}]}
LOW = {"believe": False, "unsupported": ["ref"], "reason": "", "args": [
    {"arg_name": "ref", "value_repr": "x", "stance": "UNSUPPORTED", "id_shaped": True, "is_reference": True,
     "matched_in": ["TOOL_RESULT"], "components_checked": ["0010023", "acme"], "components_unmatched": ["acme"],
     "reason": ""}]}
CLEAN = {"believe": True, "args": [], "unsupported": [], "reason": ""}
ADVERSARIAL = {"default_token": "WARN", "specs": [
    {"token": "OBSERVE", "rank": 0, "summary": "", "actuation": "", "dispatches": True},
    {"token": "BLOCK", "rank": 5, "summary": "", "actuation": "", "dispatches": False, "returns_synthetic": True},
    {"token": "WARN", "rank": 10, "summary": "", "actuation": "", "dispatches": True},
    {"token": "DEFER", "rank": 30, "summary": "", "actuation": "", "dispatches": False}]}


@cases
def _intervention_cases(rng):
    # The reference's table: the three verdict shapes under the default, the
    # opt-in DEFER policy, the adversarial ladder, unsafe policies.
    for v in (HIGH, LOW, CLEAN):
        yield "intervention.assess_confidence", {"verdict": v}
        yield "intervention.choose_intervention", {"verdict": v}
        yield "intervention.choose_intervention", {"verdict": v, "ladder": ADVERSARIAL}
        yield "intervention.choose_intervention", {"verdict": v, "policy": {"on_high_confidence": "DEFER", "ceiling": "DEFER"}}
        yield "intervention.synthetic_corrective_result", {"verdict": v, "tool_name": "create_incident"}
        yield "intervention.synthetic_corrective_result", {"verdict": v, "tool_name": "create_incident",
                                                           "read_tool_hint": "get_incident"}
    for p in ({"on_high_confidence": "WARN", "on_low_confidence": "BLOCK"}, {"on_none": "BLOCK"},
              {"floor": "DEFER", "ceiling": "WARN"}, {"floor": "BLOCK"}, {"on_high_confidence": "DEFER"},
              {"on_high_confidence": "NOPE"}, {"on_high_confidence": 3}):
        yield "intervention.choose_intervention", {"verdict": HIGH, "policy": p}
        yield "intervention.policy_validate_against", {"policy": p, "ladder": BASE}
    yield "intervention.choose_intervention", {"verdict": HIGH, "ladder": {"specs": []}}
    yield "intervention.choose_intervention", {"verdict": HIGH, "ladder": {"specs": [], "default_token": "X"}}
    yield "intervention.choose_intervention", {"verdict": {"believe": True}}
    for _ in range(560):
        v = _rand_verdict(rng)
        yield "intervention.assess_confidence", {"verdict": v}
        args = {"verdict": v}
        p, lad = _rand_policy(rng), _rand_ladder(rng)
        if p is not None:
            args["policy"] = p
        if lad is not None:
            args["ladder"] = lad
        yield "intervention.choose_intervention", args
        s = {"verdict": v, "tool_name": rng.choice(["create_incident", "t", "", "é`x", "a\ud800"])}
        if rng.random() < 0.5:
            s["read_tool_hint"] = rng.choice(["", "get_incident", "ß search"])
        yield "intervention.synthetic_corrective_result", s
        yield "intervention.policy_validate_against", {"policy": p or {}, "ladder": lad or BASE}
        spec = dict(rng.choice(BASE["specs"]))
        if rng.random() < 0.3:
            spec = _rand_spec(rng)
        dec = {"intervention": rng.choice(["OBSERVE", "WARN", "BLOCK", "DEFER"]),
               "confidence": rng.choice(["HIGH", "LOW", "NONE"]), "rung": spec,
               "disruption_cost": rng.choice([0.0, 1 / 3, 2 / 3, 1.0, 0.00005, 0.00015, 0.12345, 0.66665,
                                              rng.random(), 1e-9, -0.0, 12.5]),
               "unsupported": v["unsupported"], "reason": "r"}
        yield "intervention.decision_to_dict", {"decision": dec}
        # The ladder methods.
        own = [s["token"] for s in (lad or BASE).get("specs", []) if isinstance(s, dict)] or ["WARN"]
        t = lambda: rng.choice(own) if rng.random() < 0.75 else rng.choice(TOKENS + [None])  # noqa: E731
        base = {} if lad is None else {"ladder": lad}
        yield "intervention.ladder_get", {"token": t(), **base}
        yield "intervention.ladder_is_known", {"token": t(), **base}
        yield "intervention.ladder_tokens", dict(base)
        yield "intervention.ladder_by_rank", dict(base)
        yield "intervention.ladder_rank_of", {"token": t(), **base}
        e = {"token": t()}
        if rng.random() < 0.6:
            e["by"] = rng.choice([0, 1, 2, -1, -3, 10, 2**62, -(2**63)])
        e.update(base)
        yield "intervention.ladder_escalate", e
        yield "intervention.ladder_de_escalate", dict(e)
        yield "intervention.ladder_clamp", {"token": t(), "floor": t(), "ceiling": t(), **base}
        yield "intervention.ladder_default", dict(base)
        yield "intervention.ladder_dispatches", {"token": t(), **base}
        yield "intervention.ladder_actuates", {"token": t(), **base}
        yield "intervention.ladder_returns_synthetic", {"token": t(), **base}
        c = {"token": t()}
        if rng.random() < 0.4:
            c["normalized"] = rng.random() < 0.5
        c.update(base)
        yield "intervention.ladder_disruption_cost", c
        yield "intervention.ladder_extend", {"more": [_rand_spec(rng) for _ in range(rng.randint(0, 2))], **base}
    # Valid base-rung tokens, exhaustively, so the algebra is covered on the built-in ladder.
    for a in ("OBSERVE", "WARN", "BLOCK", "DEFER"):
        for b in ("OBSERVE", "WARN", "BLOCK", "DEFER"):
            for c in ("OBSERVE", "WARN", "BLOCK", "DEFER"):
                yield "intervention.ladder_clamp", {"token": a, "floor": b, "ceiling": c}
                yield "intervention.ladder_clamp", {"token": a, "floor": b, "ceiling": c, "ladder": ADVERSARIAL}
        for by in (0, 1, 2, 3, -2):
            yield "intervention.ladder_escalate", {"token": a, "by": by}
            yield "intervention.ladder_de_escalate", {"token": a, "by": by, "ladder": ADVERSARIAL}
        for norm in (True, False):
            yield "intervention.ladder_disruption_cost", {"token": a, "normalized": norm}
            yield "intervention.ladder_disruption_cost", {"token": a, "normalized": norm, "ladder": ADVERSARIAL}
