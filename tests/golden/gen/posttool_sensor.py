"""Golden cases for the pure half of `dos.posttool_sensor`."""
import re

from dos import posttool_sensor as ps
from dos import tool_stream as ts

from .common import cases, op
from .jsonish import FLOATS, INTS, STRINGS, fields, int64, plain, rand_json, rt
from .tool_stream import policy, step


LONE = re.compile("[\ud800-\udfff]")


@op("posttool_sensor.step_from_event")
def _step(args, config):
    args = rt(args)
    pol = policy(args.get("policy"))
    s = ps.step_from_event(args.get("event"), pol)
    if s is None:
        return None
    return {"tool_name": s.tool_name, "args_digest": s.args_digest, "result_digest": s.result_digest}


def _verdict(v):
    v = fields(v, ("state", "repeat_run", "repeated_step", "reason"), "verdict")
    if not isinstance(v.get("reason"), str):
        raise TypeError("reason must be a string")
    rs = v.get("repeated_step")
    return ts.StreamVerdict(
        state=ts.StreamState(v["state"]),
        repeat_run=int64(v["repeat_run"], "repeat_run"),
        repeated_step=None if rs is None else step(rs),
        reason=v["reason"],
    )


def _warn_facts(args, out):
    if out is None:
        return {}
    v = rt(args)["verdict"]
    rs = v.get("repeated_step")
    parts = [v["reason"]] + ([rs["tool_name"], rs.get("result_digest") or ""] if rs else [])
    if any(LONE.search(p) for p in parts):
        # The text then holds a lone surrogate, which the replay cannot read as prose.
        return {}
    facts = [v["state"], str(v["repeat_run"])]
    if rs is not None:
        facts += [x for x in (rs["tool_name"], rs.get("result_digest")) if plain(x)]
    if plain(v["reason"]):
        facts.append(v["reason"])
    return {"hookSpecificOutput.additionalContext": facts}


@op("posttool_sensor.warn_payload", prose=["hookSpecificOutput.additionalContext"], facts=_warn_facts)
def _warn(args, config):
    args = rt(args)
    return ps.warn_payload(_verdict(args["verdict"]))


ATOMS = [None, True, False, {}, [], ""] + FLOATS + INTS + STRINGS


def _event_table():
    yield from [None, [], "Read", 5, 1.5, True, [{"tool_name": "Read"}], {}]
    for name in [None, "", 5, ["Read"], {"x": 1}, True, 0, 1.0]:
        yield {"tool_name": name, "tool_input": {"a": 1}, "tool_response": "x"}
    for name in ["Read", "read", " ", "\x00", "é", "😀", "\ud800", "a\udfffb", "\ud83d\ude00", "Bash\n", "mcp__x"]:
        yield {"tool_name": name}
        yield {"tool_name": name, "tool_input": {"file_path": "/a"}, "tool_response": {"content": "x"}}
    base = {"tool_name": "Read"}
    for inp in ATOMS + [{"b": 1, "a": 2}, {"a": 2, "b": 1}, {"z": {"y": 1, "x": [3, {"d": 4, "c": 5}]}},
                        {"\ud800": 1, "é": 2, "e": 3, "Z": 4, "😀": 5, "\uffff": 6, "": 7},
                        [1, [2, [3, [4]]]], {"k": "\x00\x1f\x7f\u2028"}]:
        yield dict(base, tool_input=inp)
    for res in ATOMS + [{"b": [1.0, 2], "a": None}, [{"y": 1, "x": 2}], {"stdout": "ok\n", "stderr": "", "code": 0}]:
        yield dict(base, tool_response=res)
        yield dict(base, tool_output=res)
    yield dict(base, tool_response=None, tool_output="fallback")
    yield dict(base, tool_response="first", tool_output="second")
    yield dict(base, tool_response=None, tool_output=None)
    yield dict(base, tool_response=0, tool_output="second")
    yield dict(base, tool_response=False)
    yield dict(base, tool_input=None, tool_response="x")
    yield {"session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Read",
           "tool_input": {"file_path": "/tmp/out.output"}, "tool_response": "unchanged\n", "cwd": "/w"}


def _verdicts():
    rs = {"tool_name": "Read", "args_digest": "5b5306ba01fd10ac", "result_digest": "21280e25d8b47f9f"}
    for state in ["ADVANCING", "REPEATING", "STALLED"]:
        for run in [0, 1, 3, 5, -1, 2**40]:
            yield {"state": state, "repeat_run": run, "repeated_step": rs, "reason": "r"}
        yield {"state": state, "repeat_run": 3, "repeated_step": None, "reason": "why"}
        yield {"state": state, "repeat_run": 3, "repeated_step": dict(rs, result_digest=None), "reason": "why"}
        yield {"state": state, "repeat_run": 4, "repeated_step": dict(rs, tool_name="x\ud800"), "reason": "\ud800"}
        yield {"state": state, "repeat_run": 4, "repeated_step": dict(rs, tool_name="é`😀"), "reason": ""}
        yield {"state": state, "repeat_run": 4, "repeated_step": rs, "reason": "it's \"quoted\"\n"}
    # refused
    yield {"state": "stalled", "repeat_run": 3, "repeated_step": rs, "reason": "r"}
    yield {"state": 5, "repeat_run": 3, "repeated_step": rs, "reason": "r"}
    yield {"state": "STALLED", "repeat_run": 3.0, "repeated_step": rs, "reason": "r"}
    yield {"state": "STALLED", "repeat_run": True, "repeated_step": rs, "reason": "r"}
    yield {"state": "STALLED", "repeat_run": 2**64, "repeated_step": rs, "reason": "r"}
    yield {"state": "STALLED", "repeat_run": 3, "repeated_step": rs}
    yield {"state": "STALLED", "repeat_run": 3, "repeated_step": rs, "reason": 5}
    yield {"state": "STALLED", "repeat_run": 3, "repeated_step": {"tool_name": "Read"}, "reason": "r"}
    yield {"state": "STALLED", "repeat_run": 3, "repeated_step": "Read", "reason": "r"}
    yield {"state": "STALLED", "repeat_run": 3, "repeated_step": rs, "reason": "r", "extra": 1}
    yield {"repeat_run": 3, "reason": "r"}


@cases
def _cases(rng):
    for ev in _event_table():
        yield "posttool_sensor.step_from_event", {"event": ev}
    yield "posttool_sensor.step_from_event", {}
    ev = {"tool_name": "Read", "tool_input": {"a": 1}, "tool_response": "x"}
    yield "posttool_sensor.step_from_event", {"event": ev, "policy": {"repeat_n": 2, "ignore_tools": ["Read"]}}
    yield "posttool_sensor.step_from_event", {"event": ev, "policy": {"repeat_n": 0}}
    yield "posttool_sensor.step_from_event", {"event": ev, "policy": {"nope": 1}}
    yield "posttool_sensor.step_from_event", {"event": None, "policy": {"stall_n": 1}}
    for _ in range(400):
        ev = {}
        if rng.random() < 0.92:
            ev["tool_name"] = rng.choice(["Read", "Bash", "Grep", "", "é", "\ud800", 3]) if rng.random() < 0.9 \
                else rand_json(rng, 1)
        if rng.random() < 0.85:
            ev["tool_input"] = rand_json(rng, 3)
        for k in ("tool_response", "tool_output"):
            if rng.random() < 0.6:
                ev[k] = rand_json(rng, 3)
        if rng.random() < 0.2:
            ev["session_id"] = rand_json(rng, 1)
        yield "posttool_sensor.step_from_event", {"event": ev if rng.random() < 0.97 else rand_json(rng, 2)}

    for v in _verdicts():
        yield "posttool_sensor.warn_payload", {"verdict": v}
    yield "posttool_sensor.warn_payload", {}
    yield "posttool_sensor.warn_payload", {"verdict": None}
    # Verdicts the reference itself produced, fed back in.
    names = ["Read", "Bash", "é", "x\ud800", "Grep", "mcp__srv__tool", "Ω"]
    for _ in range(600):
        tool = rng.choice(names)
        steps = [ts.StreamStep(tool, rng.choice(["a", "b"]) if rng.random() < 0.2 else "a",
                               rng.choice(["d1", None, "d2"]) if rng.random() < 0.2 else "d1")
                 for _ in range(rng.randint(0, 9))]
        pol = ts.StreamPolicy(repeat_n=rng.randint(1, 3), stall_n=rng.randint(3, 6))
        v = ts.classify_stream(ts.ToolStream(tuple(steps)), pol).to_dict()
        yield "posttool_sensor.warn_payload", {"verdict": v}
        if v["state"] != "ADVANCING" and rng.random() < 0.5:
            # The same verdict with another reason text (warn_payload carries it).
            yield "posttool_sensor.warn_payload", {"verdict": dict(v, reason="r%d" % rng.randint(0, 10**6))}
