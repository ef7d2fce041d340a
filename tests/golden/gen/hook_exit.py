"""Golden cases for `dos.hook_exit`."""
from dos import hook_exit as he
from dos.intervention import Intervention

from .common import cases, op, rand_text
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
    {"pass_code": True}, {"pass_code": 2**63}, {"mapping": {"9223372036854775808": "BLOCK", "3": "DEFER"}},
    {"more": {"2": None}}, {"more": {"3": "defer"}}, {"more": []},
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


# -- the methods on the route: HookExitPolicy.with_mapping, ExitVerdict.passed

def _policy_dict(p):
    return {
        "pass_code": p.pass_code,
        "mapping": {str(k): (None if v is None else v.value) for k, v in p.mapping.items()},
        "fallback": p.fallback.value,
    }


@op("hook_exit.HookExitPolicy.with_mapping")
def _with_mapping(args, config):
    args = rt(fields(args, ("self", "more"), "args"))
    if "self" not in args or "more" not in args:
        raise TypeError("self and more are required")
    more = args["more"]
    if not isinstance(more, dict) or not all(isinstance(v, str) for v in more.values()):
        raise TypeError("more must map codes to verb names")
    return _policy_dict(policy(args["self"]).with_mapping({int(k): v for k, v in more.items()}))


def _verdict(d):
    if not isinstance(d, dict) or "intervention" not in d:
        raise TypeError("self must be an object with every field (intervention may be null)")
    d = fields(d, ("code", "intervention", "reason", "matched"), "self")
    for k in ("code", "reason", "matched"):
        if k not in d:
            raise TypeError(f"{k} is required")
    if not isinstance(d["reason"], str) or not isinstance(d["matched"], bool):
        raise TypeError("reason must be a str and matched a bool")
    verb = d.get("intervention")
    return he.ExitVerdict(code=int64(d["code"], "code"), intervention=None if verb is None else Intervention(verb),
                          reason=d["reason"], matched=d["matched"])


@op("hook_exit.ExitVerdict.passed")
def _passed(args, config):
    args = rt(fields(args, ("self",), "args"))
    if "self" not in args:
        raise TypeError("self is required")
    return _verdict(args["self"]).passed


@cases
def _method_cases(rng):
    selves = [{}, {"pass_code": 1}, {"mapping": {"2": None}}, {"mapping": {"3": "DEFER"}, "fallback": "OBSERVE"},
              {"mapping": {}}, {"more": {"4": "BLOCK"}}, {"mapping": {"-18446744073709551621": "OBSERVE", "2": None}}]
    mores = [{}, {"3": "DEFER"}, {"2": "WARN", "0": "BLOCK"}, {" 5 ": "OBSERVE"}, {"-1": "BLOCK", "+7": "DEFER"},
             {"x": "BLOCK"}, {"3": "defer"}, {"3": None}, {"3": 3}, [], None,
             {"1180591620717411303424": "DEFER", "3": "BLOCK", "9223372036854775808": "WARN"}]
    for s in selves:
        for m in mores:
            yield "hook_exit.HookExitPolicy.with_mapping", {"self": s, "more": m}
    yield "hook_exit.HookExitPolicy.with_mapping", {"more": {}}
    yield "hook_exit.HookExitPolicy.with_mapping", {"self": {}}
    yield "hook_exit.HookExitPolicy.with_mapping", {"self": {}, "more": {}, "extra": 1}
    for _ in range(200):
        s = {}
        if rng.random() < 0.4:
            s["pass_code"] = rng.randint(-2, 5)
        if rng.random() < 0.5:
            s["mapping"] = {str(rng.randint(-2, 6)): rng.choice(VERBS + [None]) for _ in range(rng.randint(0, 3))}
        if rng.random() < 0.3:
            s["fallback"] = rng.choice(VERBS)
        more = {str(rng.randint(-2, 6)): rng.choice(VERBS) for _ in range(rng.randint(0, 3))}
        yield "hook_exit.HookExitPolicy.with_mapping", {"self": s, "more": more}
    for verb in VERBS + [None, "block", 1]:
        for matched in (True, False, 1, None):
            yield "hook_exit.ExitVerdict.passed", {"self": {"code": 3, "intervention": verb, "reason": "r",
                                                            "matched": matched}}
    for bad in [{}, {"code": 1, "reason": "r", "matched": True}, {"code": "1", "intervention": None, "reason": "r",
                "matched": True}, {"code": 1, "intervention": None, "reason": 5, "matched": True},
                {"code": 1, "intervention": None, "reason": "r", "matched": True, "extra": 0}, None, []]:
        yield "hook_exit.ExitVerdict.passed", {"self": bad}
    for _ in range(260):
        yield "hook_exit.ExitVerdict.passed", {"self": {
            "code": rng.choice(CODES), "intervention": rng.choice(VERBS + [None]),
            "reason": rand_text(rng), "matched": rng.random() < 0.5}}
