"""Golden cases for `dos.marker_gate.decide` (the environment injected)."""
from dos import marker_gate as mg

from .common import cases, op


def _facts(args, v):
    r = v["reason"]
    facts = []
    for token in ["--loop", "stop_hook_active", "(none)"]:
        if token in r:
            facts.append(token)
    for name in (args.get("policy") or {}).get("arm_on_env", ["DOS_LOOP", "CID_RUN_ID"]) or []:
        if isinstance(name, str) and name.strip() and name.strip() in r:
            facts.append(name.strip())
    return {"reason": facts}


@op("marker_gate.decide", prose=["reason"], facts=_facts)
def _decide(args, config):
    for k in ("stop_hook_active", "loop_flag"):
        if not isinstance(args.get(k), bool):
            raise TypeError(f"{k} must be a bool")
    env = args.get("env")
    if not isinstance(env, dict):
        raise TypeError("env must be an object")
    p = args.get("policy")
    policy = mg.DEFAULT_POLICY
    if p is not None:
        if not isinstance(p, dict) or set(p) - {"max_streak", "arm_on_env", "respect_stop_hook_active"}:
            raise TypeError("bad policy")
        if "max_streak" in p and (not isinstance(p["max_streak"], int) or isinstance(p["max_streak"], bool)):
            raise TypeError("max_streak must be an int")
        if "arm_on_env" in p and not isinstance(p["arm_on_env"], list):
            raise TypeError("arm_on_env must be a list")
        if "respect_stop_hook_active" in p and not isinstance(p["respect_stop_hook_active"], bool):
            raise TypeError("respect_stop_hook_active must be a bool")
        policy = mg.MarkerPolicy(
            max_streak=p.get("max_streak", 4),
            arm_on_env=tuple(p.get("arm_on_env", mg.DEFAULT_ARM_ON_ENV)),
            respect_stop_hook_active=p.get("respect_stop_hook_active", True),
        )
    d = mg.decide(stop_hook_active=args["stop_hook_active"], loop_flag=args["loop_flag"], env=env, policy=policy)
    return {"armed": d.armed, "reason": d.reason}


NAMES = ["DOS_LOOP", "CID_RUN_ID", "MYLOOP", " PADDED ", ""]


@cases
def _cases(rng):
    for _ in range(260):
        env = {n: rng.choice(["", "1", "yes", "0"]) for n in rng.sample(["DOS_LOOP", "CID_RUN_ID", "MYLOOP", "PADDED"], rng.randint(0, 3))}
        args = {"stop_hook_active": rng.random() < 0.3, "loop_flag": rng.random() < 0.3, "env": env}
        r = rng.random()
        if r < 0.5:
            pol = {}
            if rng.random() < 0.5:
                pol["arm_on_env"] = rng.sample(NAMES, rng.randint(0, 3)) + ([3] if rng.random() < 0.1 else [])
            if rng.random() < 0.4:
                pol["respect_stop_hook_active"] = rng.random() < 0.5
            if rng.random() < 0.3:
                pol["max_streak"] = rng.choice([0, 1, 4, 9, -1])
            args["policy"] = pol
        yield "marker_gate.decide", args
    yield "marker_gate.decide", {"stop_hook_active": 1, "loop_flag": False, "env": {}}
    yield "marker_gate.decide", {"stop_hook_active": False, "loop_flag": False, "env": []}
    # A value that is not text: the reference tests `env.get(name)` for truth,
    # so whatever Python finds truthy arms.
    for v in [0, 1, -1, 0.0, 0.5, True, False, None, [], [""], {}, {"a": 1}, 2**70, "0"]:
        yield "marker_gate.decide", {"stop_hook_active": False, "loop_flag": False, "env": {"DOS_LOOP": v}}
        yield "marker_gate.decide", {"stop_hook_active": False, "loop_flag": False, "env": {"CID_RUN_ID": v, "DOS_LOOP": ""}}
