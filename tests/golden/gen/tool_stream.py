"""Golden cases for `dos.tool_stream`."""
from dos import tool_stream as ts

from .common import cases, op
from .jsonish import FLOATS, INTS, fields, int64, rt


def policy(p):
    if p is None:
        return ts.DEFAULT_POLICY
    p = fields(p, ("repeat_n", "stall_n", "ignore_tools"), "policy")
    ig = p.get("ignore_tools", [])
    if not isinstance(ig, list) or not all(isinstance(t, str) for t in ig):
        raise TypeError("ignore_tools must be a list of strings")
    return ts.StreamPolicy(
        repeat_n=int64(p.get("repeat_n", 3), "repeat_n"),
        stall_n=int64(p.get("stall_n", 5), "stall_n"),
        ignore_tools=frozenset(ig),
    )


def step(s):
    s = fields(s, ("tool_name", "args_digest", "result_digest"), "step")
    if not isinstance(s.get("tool_name"), str) or not isinstance(s.get("args_digest"), str):
        raise TypeError("tool_name and args_digest must be strings")
    if not isinstance(s.get("result_digest", ""), str):
        raise TypeError("result_digest must be a string or null")
    return ts.StreamStep(**s)


def stream(s):
    s = fields(s, ("steps",), "stream")
    steps = s.get("steps", [])
    if not isinstance(steps, list):
        raise TypeError("steps must be a list")
    return ts.ToolStream(tuple(step(x) for x in steps))


def _facts(args, v):
    p = policy(rt(args).get("policy"))
    threshold = p.stall_n if v["state"] == "STALLED" else p.repeat_n
    return {"reason": [v["state"], str(v["repeat_run"]), str(threshold)]}


@op("tool_stream.classify_stream", prose=["reason"], facts=_facts)
def _classify(args, config):
    args = rt(args)
    return ts.classify_stream(stream(args["stream"]), policy(args.get("policy"))).to_dict()


@op("tool_stream.policy_from_table")
def _from_table(args, config):
    args = rt(args)
    table = args.get("table")
    if isinstance(table, dict) and isinstance(table.get("ignore_tools"), list):
        if any(isinstance(t, (list, dict)) for t in table["ignore_tools"]):
            # Contract: str() of a container is a repr the native side does not reproduce.
            raise TypeError("ignore_tools entries must be scalars")
    try:
        p = ts.policy_from_table(table)
    except OverflowError as e:  # int(inf)
        raise ValueError(str(e)) from e
    return {
        "repeat_n": int64(p.repeat_n, "repeat_n"),
        "stall_n": int64(p.stall_n, "stall_n"),
        "ignore_tools": sorted(p.ignore_tools),
    }


def S(tool, args="a", result="r"):
    return {"tool_name": tool, "args_digest": args, "result_digest": result}


TOOLS = ["Read", "read", "READ", "Bash", "Grep", "straße", "STRASSE", "Strasse", "ﬁle", "FILE", "İ", "i\u0307",
         "x\ud800", "X\ud800", "", " ", "mcp__db__query", "Σ", "σ", "ς"]


def _stream_table():
    same = [S("Read") for _ in range(7)]
    for n in range(8):
        yield {"steps": same[:n]}
    yield {"steps": [S("Read"), S("Read"), S("Read", result=None)]}
    yield {"steps": [S("Read"), S("Read", result=None), S("Read"), S("Read")]}
    yield {"steps": [S("Read", result="r1"), S("Read", result="r1"), S("Read", result="r2")]}
    yield {"steps": [S("Read", args="a"), S("Read", args="b"), S("Read", args="b"), S("Read", args="b")]}
    yield {"steps": [S("READ"), S("read"), S("Read"), S("rEaD")]}
    yield {"steps": [S("straße"), S("STRASSE"), S("Strasse")]}
    yield {"steps": [S("İ"), S("i\u0307"), S("İ")]}
    yield {"steps": [S("ﬁle"), S("FILE"), S("file"), S("File"), S("fILE")]}
    yield {"steps": [S("Σ"), S("σ"), S("ς")]}
    yield {"steps": [S("x\ud800"), S("X\ud800"), S("x\ud800")]}
    yield {"steps": [S("Bash", result="\ud800"), S("Bash", result="\ud800"), S("Bash", result="\ud800")]}
    yield {"steps": [S("Grep"), S("Read"), S("Read"), S("Read"), S("Read"), S("Read"), S("Read")]}
    yield {"steps": [S("Read", result=None)] * 4}
    yield {"steps": [S("", args="", result="")] * 3}
    yield {}


def _bad_requests():
    yield {"stream": {"steps": [S("Read")]}, "policy": {"repeat_n": 0}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"repeat_n": -3, "stall_n": -1}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"repeat_n": 4, "stall_n": 3}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"repeat_n": 3.0}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"repeat_n": True}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"stall_n": "9"}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"stall_n": 2**64}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"ignore_tools": "Read"}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"ignore_tools": [1]}}
    yield {"stream": {"steps": [S("Read")]}, "policy": {"windows": 1}}
    yield {"stream": {"steps": [S("Read")]}, "policy": []}
    yield {"stream": {"steps": [{"tool_name": "Read"}]}}
    yield {"stream": {"steps": [{"args_digest": "a"}]}}
    yield {"stream": {"steps": [S(5)]}}
    yield {"stream": {"steps": [S("Read", args=None)]}}
    yield {"stream": {"steps": [S("Read", result=7)]}}
    yield {"stream": {"steps": [dict(S("Read"), extra=1)]}}
    yield {"stream": {"steps": ["Read"]}}
    yield {"stream": {"steps": {"0": S("Read")}}}
    yield {"stream": {"turns": []}}
    yield {"stream": None}
    yield {"stream": []}
    yield {}


def _rand_step(rng, tools):
    return S(rng.choice(tools), rng.choice(["a", "b"]), rng.choice(["r1", "r2", None, "r1"]))


def _rand_policy(rng):
    if rng.random() < 0.3:
        return None
    p = {}
    if rng.random() < 0.7:
        p["repeat_n"] = rng.randint(1, 4)
    if rng.random() < 0.7:
        p["stall_n"] = p.get("repeat_n", 3) + rng.randint(0, 3) if rng.random() < 0.9 else rng.randint(0, 6)
    if rng.random() < 0.4:
        p["ignore_tools"] = rng.sample(TOOLS, rng.randint(0, 3))
    if rng.random() < 0.05:
        p["repeat_n"] = None
    return p


TABLE_VALUES = [1, 2, 3, 5, 0, -1, "2", " 3 ", "\u0663", "1_0", "1__0", "+4", "4.0", "x", "", 2.9, -1.5, 7.0,
                True, False, None, [], {}, [3], float("nan"), float("inf"), float("-inf"), 1e300, 2**70, -(2**70),
                "99999999999999999999", 2**63 - 1, "\uff15", "\x1c3", "\u30003\u3000"]
IGNORE_VALUES = ["Read", ["Read", "read"], ["b", "a", "b"], {"Read": 1, "Bash": 2}, [1, None, True, False, 1.5, 1e16,
                 -0.0, float("nan"), float("inf"), 2**70], [[1]], [{"a": 1}], None, 5, 1.5, True, [], "", [""],
                 ["\ud800", "é", "e", "Z", "😀", "\uffff"], {}, ["İ", "i\u0307", "straße"]]


@cases
def _cases(rng):
    for s in _stream_table():
        yield "tool_stream.classify_stream", {"stream": s}
        for pol in ({"repeat_n": 2, "stall_n": 2}, {"repeat_n": 1, "stall_n": 4}, {"ignore_tools": ["READ"]},
                    {"ignore_tools": ["strasse", "FILE", "i\u0307"]}, {"ignore_tools": ["X\ud800"]}):
            yield "tool_stream.classify_stream", {"stream": s, "policy": pol}
    for req in _bad_requests():
        yield "tool_stream.classify_stream", req
    for _ in range(300):
        tools = rng.sample(TOOLS, rng.randint(1, 4))
        steps = [_rand_step(rng, tools) for _ in range(rng.randint(0, 6))]
        if steps and rng.random() < 0.7:
            last = steps[-1]
            for _ in range(rng.randint(1, 6)):
                t = rng.choice([last["tool_name"], last["tool_name"].upper(), last["tool_name"].lower()])
                steps.append(dict(last, tool_name=t))
        args = {"stream": {"steps": steps}}
        pol = _rand_policy(rng)
        if pol is not None:
            args["policy"] = pol
        yield "tool_stream.classify_stream", args

    for t in [None, {}, [], 0, "", False, 0.0, -0.0, [1], "x", 5, True, float("nan"), {"x": 1}, {"repeat_n": None},
              {"ignore_tools": None}, {"stall_n": None}]:
        yield "tool_stream.policy_from_table", {"table": t}
    yield "tool_stream.policy_from_table", {}
    for v in TABLE_VALUES:
        yield "tool_stream.policy_from_table", {"table": {"repeat_n": v}}
        yield "tool_stream.policy_from_table", {"table": {"stall_n": v}}
        yield "tool_stream.policy_from_table", {"table": {"repeat_n": v, "stall_n": 2**62}}
    for ig in IGNORE_VALUES:
        yield "tool_stream.policy_from_table", {"table": {"ignore_tools": ig}}
    for _ in range(200):
        t = {}
        if rng.random() < 0.6:
            t["repeat_n"] = rng.choice(TABLE_VALUES) if rng.random() < 0.3 else rng.randint(1, 5)
        if rng.random() < 0.6:
            t["stall_n"] = rng.choice(TABLE_VALUES) if rng.random() < 0.3 else rng.randint(1, 9)
        if rng.random() < 0.6:
            t["ignore_tools"] = (rng.choice(IGNORE_VALUES) if rng.random() < 0.3
                                 else rng.sample(TOOLS + INTS[:3] + FLOATS[:3], rng.randint(0, 4)))
        if rng.random() < 0.1:
            t["other"] = 1
        yield "tool_stream.policy_from_table", {"table": t}
