"""Golden cases for `dos.hook_exit`."""
from dos import hook_exit as he
from dos.intervention import Intervention

from .common import cases, op
from .jsonish import fields, int64, rt


def policy(p):
    """`{pass_code?, mapping?, fallback?, more?}`: `mapping` replaces the default
    entries (a null value is an extra pass code), `more` goes through `with_mapping`."""
    if p is None:
        return he.DEFAULT_POLICY
    p = fields(p, ("pass_code", "mapping", "fallback", "more"), "policy")
    mapping = {2: Intervention.BLOCK}
    if "mapping" in p:
        if not isinstance(p["mapping"], dict):
            raise TypeError("mapping must be an object")
        mapping = {int(k): (None if v is None else Intervention(v)) for k, v in p["mapping"].items()}
    pol = he.HookExitPolicy(
        pass_code=int64(p.get("pass_code", 0), "pass_code"),
        mapping=mapping,
        fallback=Intervention(p.get("fallback", "WARN")),
    )
    if "more" in p:
        if not isinstance(p["more"], dict):
            raise TypeError("more must be an object")
        pol = pol.with_mapping(p["more"])
    return pol


def _facts(args, v):
    facts = [str(v["code"])]
    if v["intervention"] is not None:
        facts.append(v["intervention"])
    return {"reason": facts}


@op("hook_exit.classify_exit", prose=["reason"], facts=_facts)
def _classify(args, config):
    args = rt(args)
    return he.classify_exit(int64(args.get("code"), "code"), policy(args.get("policy"))).to_dict()


CODES = [0, 1, 2, 3, 4, 126, 127, 128, 130, 137, 255, 256, -1, -2, 2**31, 2**63 - 1, -(2**63)]
VERBS = ["OBSERVE", "WARN", "DEFER", "BLOCK"]
POLICIES = [
    {}, {"mapping": {}}, {"mapping": {"3": "DEFER"}}, {"mapping": {"2": None}}, {"mapping": {"2": None, "3": "BLOCK"}},
    {"mapping": {" 2 ": "WARN"}}, {"mapping": {"\u0662": "OBSERVE"}}, {"mapping": {"+3": "DEFER", "03": "BLOCK"}},
    {"mapping": {"1_0": "BLOCK"}}, {"mapping": {"-1": "DEFER"}}, {"mapping": {"99999999999999999999": "BLOCK"}},
    {"mapping": {"\u30002\u3000": "DEFER"}}, {"mapping": {"\uff13": "OBSERVE"}},
    {"pass_code": 1}, {"pass_code": 2}, {"pass_code": -1, "mapping": {"0": "OBSERVE"}}, {"fallback": "OBSERVE"},
    {"fallback": "BLOCK", "mapping": {"1": None}}, {"fallback": None}, {"pass_code": None, "mapping": None},
    {"more": {"3": "DEFER"}}, {"more": {"0": "BLOCK"}}, {"more": {"2": "WARN"}}, {"more": {}},
    {"mapping": {"2": None}, "more": {"2": "DEFER"}}, {"mapping": {"4": "WARN"}, "more": {"4": "OBSERVE", "5": "BLOCK"}},
    # refused
    {"mapping": {"2.0": "BLOCK"}}, {"mapping": {"x": "BLOCK"}}, {"mapping": {"": "BLOCK"}}, {"mapping": {"2": "block"}},
    {"mapping": {"2": 5}}, {"mapping": {"2": True}}, {"mapping": {"2": ["BLOCK"]}}, {"mapping": {"1__0": "WARN"}},
    {"mapping": {"\x1c2": "WARN"}}, {"mapping": {"\ud800": "WARN"}}, {"mapping": []}, {"mapping": "2=BLOCK"},
    {"fallback": "nope"}, {"fallback": 1}, {"fallback": "warn"}, {"pass_code": "0"}, {"pass_code": 0.0},
    {"pass_code": True}, {"pass_code": 2**63}, {"more": {"2": None}}, {"more": {"3": "defer"}}, {"more": []},
    {"more": {"x": "BLOCK"}}, {"extra": 1}, [], "default",
]


@cases
def _cases(rng):
    for c in CODES:
        yield "hook_exit.classify_exit", {"code": c}
    for bad in [2**63, -(2**63) - 1, True, False, 2.0, "2", None, [2]]:
        yield "hook_exit.classify_exit", {"code": bad}
    yield "hook_exit.classify_exit", {}
    for p in POLICIES:
        for c in (0, 1, 2, 3, 4, 10, -1):
            yield "hook_exit.classify_exit", {"code": c, "policy": p}
    for _ in range(250):
        p = {}
        if rng.random() < 0.4:
            p["pass_code"] = rng.randint(-2, 5)
        if rng.random() < 0.5:
            p["mapping"] = {str(rng.randint(-2, 6)): rng.choice(VERBS + [None]) for _ in range(rng.randint(0, 3))}
        if rng.random() < 0.3:
            p["fallback"] = rng.choice(VERBS)
        if rng.random() < 0.3:
            p["more"] = {str(rng.randint(-2, 6)): rng.choice(VERBS) for _ in range(rng.randint(0, 3))}
        args = {"code": rng.randint(-3, 8) if rng.random() < 0.9 else rng.choice(CODES)}
        if p or rng.random() < 0.5:
            args["policy"] = p
        yield "hook_exit.classify_exit", args
