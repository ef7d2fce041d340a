"""Golden cases for `dos.verdict.conforms`.

The native op decides from a description of an object (`verdict_obj`: the
contract members the object has, the type facts of its `verdict`, whether
its `reason` is a str, what its `to_dict()` did). The runner builds a real
object that matches the description and asks the reference about it, so
every expected value is the reference's answer on a live object.

A description may stop at the first fact that fails (the facts after it are
left out) or carry every fact; one that leaves out a fact the check reaches
describes no particular object, and both sides refuse it.
"""
import enum

from dos import verdict as vd

from .common import cases, op

MEMBERS = ("verdict", "reason", "to_dict")


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


class _Ship(str, enum.Enum):
    SHIPPED = "SHIPPED"


class _Plain(enum.Enum):
    SHIPPED = "SHIPPED"


def _verdict_value(kind):
    if kind is None:
        return _Ship.SHIPPED  # not read by the check (an earlier fact failed)
    if kind["is_enum"] and kind["is_str"]:
        return _Ship.SHIPPED
    if kind["is_enum"]:
        return _Plain.SHIPPED
    if kind["is_str"]:
        return "SHIPPED"
    return True


def _check_shape(d):
    """Refuse what is not a description (the native side reads it typed)."""
    if not isinstance(d, dict) or set(d) - {"members", "verdict", "reason_is_str", "to_dict"}:
        raise _Refused("not a description")
    if not isinstance(d.get("members"), list) or not all(isinstance(m, str) for m in d["members"]):
        raise _Refused("members must be a list of str")
    v = d.get("verdict")
    if v is not None and (not isinstance(v, dict) or set(v) != {"is_enum", "is_str"}
                          or not all(type(x) is bool for x in v.values())):
        raise _Refused("verdict must be {is_enum, is_str}")
    if d.get("reason_is_str") is not None and type(d["reason_is_str"]) is not bool:
        raise _Refused("reason_is_str must be a bool")
    t = d.get("to_dict")
    if t is not None and (not isinstance(t, dict) or "raised" not in t or set(t) - {"raised", "result"}
                          or type(t["raised"]) is not bool):
        raise _Refused("to_dict must be {raised, result}")


def _needed_but_missing(d):
    """A fact the check reaches that the description leaves out."""
    if not all(m in d["members"] for m in MEMBERS):
        return None
    if d.get("verdict") is None:
        return "verdict"
    if not (d["verdict"]["is_enum"] and d["verdict"]["is_str"]):
        return None
    if d.get("reason_is_str") is None:
        return "reason_is_str"
    if not d["reason_is_str"]:
        return None
    if d.get("to_dict") is None:
        return "to_dict"
    return None


def build(d):
    """A live object with exactly the described members and behaviour."""
    ns = {}
    for m in d["members"]:
        if m not in MEMBERS:
            ns[m] = "extra"
    if "verdict" in d["members"]:
        ns["verdict"] = _verdict_value(d.get("verdict"))
    if "reason" in d["members"]:
        ns["reason"] = "a reason" if d.get("reason_is_str") in (True, None) else 7
    if "to_dict" in d["members"]:
        outcome = d.get("to_dict") or {"raised": False, "result": {"verdict": "SHIPPED"}}

        def to_dict(self):
            if outcome["raised"]:
                raise RuntimeError("to_dict failed")
            return outcome.get("result")

        ns["to_dict"] = to_dict
    return type("Described", (), ns)()


@op("verdict.conforms")
def _conforms(args, config):
    if set(args) != {"verdict_obj"}:
        raise _Refused("conforms takes verdict_obj")
    d = args["verdict_obj"]
    _check_shape(d)
    missing = _needed_but_missing(d)
    if missing:
        raise _Refused(f"{missing} is needed but was not observed")
    return vd.conforms(build(d))


KINDS = [
    {"is_enum": True, "is_str": True},
    {"is_enum": True, "is_str": False},
    {"is_enum": False, "is_str": True},
    {"is_enum": False, "is_str": False},
]
RESULTS = [
    {"verdict": "SHIPPED", "reason": "r"},
    {"verdict": None},
    {"reason": "r"},
    {},
    {"Verdict": 1},
    {"verdict ": 1},
    ["verdict"],
    "verdict",
    None,
    7,
    {"evidence": {"verdict": 1}},
]


def _describe(members, kind, reason, outcome, eager):
    """What a caller that observes in the contract's order reports; an
    eager one reports every fact it has."""
    d = {"members": members}
    ok = all(m in members for m in MEMBERS)
    if eager or ok:
        if eager or "verdict" in members:
            d["verdict"] = kind
        ok = ok and kind["is_enum"] and kind["is_str"]
    if eager or ok:
        d["reason_is_str"] = reason
        ok = ok and reason
    if eager or ok:
        d["to_dict"] = outcome
    return d


def _members(rng):
    ms = [m for m in MEMBERS if rng.random() < 0.85]
    ms += rng.sample(["shipped", "source", "evidence", "plan", "__dict__"], rng.randint(0, 2))
    rng.shuffle(ms)
    return ms


def _outcome(rng):
    if rng.random() < 0.15:
        return {"raised": True} if rng.random() < 0.5 else {"raised": True, "result": {"verdict": 1}}
    r = rng.choice(RESULTS)
    if isinstance(r, dict) and rng.random() < 0.5:
        r = dict(r)
        r[rng.choice(["evidence", "x", "n", "reason"])] = rng.choice([1, "a", None, [1], {"k": "v"}])
    return {"raised": False, "result": r}


BAD = [
    {},
    {"verdict_obj": None},
    {"verdict_obj": {"members": "verdict"}},
    {"verdict_obj": {"members": [1]}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": {"is_enum": 1, "is_str": True}}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": {"is_enum": True}}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": KINDS[0], "reason_is_str": "yes"}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": KINDS[0], "reason_is_str": True, "to_dict": {}}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": KINDS[0], "reason_is_str": True,
                     "to_dict": {"raised": False, "extra": 1}}},
    {"verdict_obj": {"members": list(MEMBERS), "bogus": 1}},
    {"verdict_obj": {"members": list(MEMBERS)}, "extra": 1},
    # a fact the check reaches, left out
    {"verdict_obj": {"members": list(MEMBERS)}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": KINDS[0]}},
    {"verdict_obj": {"members": list(MEMBERS), "verdict": KINDS[0], "reason_is_str": True}},
]


@cases
def _cases(rng):
    # Every combination, observed lazily and eagerly.
    for n in range(8):
        members = [m for i, m in enumerate(MEMBERS) if n >> i & 1]
        for kind in KINDS:
            for reason in (True, False):
                for outcome in [{"raised": True}] + [{"raised": False, "result": r} for r in RESULTS]:
                    for eager in ((False, True) if n == 7 else (False,)):
                        yield "verdict.conforms", {"verdict_obj": _describe(members, kind, reason, outcome, eager)}
    for _ in range(200):
        d = _describe(_members(rng), rng.choice(KINDS), rng.random() < 0.8, _outcome(rng), rng.random() < 0.5)
        yield "verdict.conforms", {"verdict_obj": d}
    for args in BAD:
        yield "verdict.conforms", args
