"""Golden cases for `dos.run_id`: minting with a fixed clock and entropy, the
token checks, the lineage variables and the bytes of `run.json`."""
import pathlib
import re
import string
import tempfile

from dos import run_id as rid

from .common import cases, op
from .jsonish import I64_MAX, I64_MIN, STRINGS, int64, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-rid-"))
_LONE = re.compile("[\ud800-\udfff]")


def _text(v, what):
    if not isinstance(v, str):
        raise TypeError(f"{what} must be a string")
    if _LONE.search(v):
        raise ValueError(f"{what} holds a lone surrogate")
    return v


def _parent(p):
    if p is None:
        return None
    if isinstance(p, dict):
        return rid.RunId(run_id=_text(p.get("run_id"), "parent.run_id"), process_id="PROC-parent", parent_id=None,
                         root_id=_text(p.get("root_id"), "parent.root_id"), ts_ms=0)
    s = str(p)
    if _LONE.search(s):
        raise ValueError("parent holds a lone surrogate")
    return p


def _fixed(a):
    # The native op falls back to the host's clock and entropy when these are
    # absent; golden cases always pin both.
    clock = int64(a.get("clock_ms"), "clock_ms")
    entropy = int64(a.get("entropy"), "entropy")
    return (lambda: clock), (lambda: entropy)


@op("run_id.mint")
def _mint(args, config):
    a = rt(args)
    clock, entropy = _fixed(a)
    root = a.get("root_id")
    if root is not None:
        _text(root, "root_id")
    return rid.mint(_text(a.get("process_id"), "process_id"), parent=_parent(a.get("parent")), root_id=root,
                    clock_ms=clock, entropy=entropy).to_dict()


@op("run_id.mint_child_from_env")
def _mint_child(args, config):
    a = rt(args)
    clock, entropy = _fixed(a)
    env = a.get("env")
    if not isinstance(env, dict):
        raise TypeError("env must be an object")
    env = {k: v for k, v in env.items() if v is not None}
    for k in (rid.ENV_RUN_ID, rid.ENV_ROOT_ID):
        if k in env:
            _text(env[k], k)
    return rid.mint_child_from_env(_text(a.get("process_id"), "process_id"), env=env, clock_ms=clock,
                                   entropy=entropy).to_dict()


@op("run_id.is_run_id")
def _is_run_id(args, config):
    return rid.is_run_id(rt(args).get("s"))


@op("run_id.ts_ms_of")
def _ts_ms_of(args, config):
    return rid.ts_ms_of(rt(args).get("run_id"))


_FIELDS = ("run_id", "process_id", "parent_id", "root_id", "ts_ms")


def _run(a):
    d = a.get("run")
    if not isinstance(d, dict):
        raise TypeError("run must be an object")
    if set(d) != set(_FIELDS):
        raise TypeError("run must have exactly the five RunId fields")
    for k in ("run_id", "process_id", "root_id"):
        _text(d[k], k)
    if d["parent_id"] is not None:
        _text(d["parent_id"], "parent_id")
    int64(d["ts_ms"], "ts_ms")
    return rid.RunId(**d)


_N = [0]


@op("run_id.run_json")
def _run_json(args, config):
    run = _run(rt(args))
    _N[0] += 1
    path = rid.write_run_json(_TMP / f"r{_N[0]}", run)
    return path.read_bytes().decode("ascii")


@op("run_id.lineage_env")
def _lineage_env(args, config):
    return rid.lineage_env(_run(rt(args)))


ALPHA = rid._CROCKFORD


def _token(rng):
    return "RID-" + "".join(rng.choice(ALPHA) for _ in range(15))


def _mutant(rng):
    t = _token(rng)
    r = rng.randint(0, 9)
    if r == 0:
        return t.lower()
    if r == 1:
        i = rng.randint(4, 18)
        return t[:i] + rng.choice("ILOUilou-_ é\u0660") + t[i + 1:]
    if r == 2:
        return t[:-1]
    if r == 3:
        return t + rng.choice(ALPHA)
    if r == 4:
        return rng.choice(["rid-", "RID_", "RID", " RID-", "PROC-"]) + t[4:]
    if r == 5:
        return t + "\n"
    if r == 6:
        return rng.choice(STRINGS)
    if r == 7:
        return rng.choice([None, 5, 1.5, True, [t], {"run_id": t}])
    return t


CLOCKS = [0, 1, 1780000000000, 2**45 - 1, 2**45, 2**45 + 12345, 2**60, I64_MAX, -1, I64_MIN, 2**63, 1.5, True, "5"]
ENTROPIES = [0, 1, 0x3FFFFFFF, 0x40000000, -1, -(2**30), I64_MAX, I64_MIN, 2**64, 0.5, False]


def _pid(rng):
    return rng.choice(["fanout", "dispatch-loop", "PROC-x", "PROC-", "PROC", "proc-x", "", "é", " ", "a/b",
                       "\ud800", 5, None]) if rng.random() < 0.3 else "".join(
        rng.choice(string.ascii_letters + "-_") for _ in range(rng.randint(1, 10)))


def _parent_arg(rng):
    r = rng.random()
    if r < 0.35:
        return None
    if r < 0.6:
        return _token(rng)
    if r < 0.8:
        return {"run_id": _token(rng), "root_id": rng.choice([_token(rng), ""])}
    return rng.choice(["", "x", 5, 1.5, True, ["a"], {"run_id": 5, "root_id": "r"}, {"run_id": "p"}, "\ud800"])


@cases
def _cases(rng):
    yield "run_id.mint", {"process_id": "fanout", "clock_ms": 1780000000000, "entropy": 0x3FFFFFFF}
    yield "run_id.mint", {"process_id": "fanout", "clock_ms": 2**45, "entropy": 0}
    for c in CLOCKS:
        for e in ENTROPIES[:6]:
            yield "run_id.mint", {"process_id": "x", "clock_ms": c, "entropy": e}
    for e in ENTROPIES:
        yield "run_id.mint", {"process_id": "x", "clock_ms": 7, "entropy": e}
    for _ in range(260):
        a = {"process_id": _pid(rng), "clock_ms": rng.choice([rng.randint(0, 2**46), rng.choice(CLOCKS[:6])]),
             "entropy": rng.randint(-(2**40), 2**40)}
        if rng.random() < 0.7:
            a["parent"] = _parent_arg(rng)
        if rng.random() < 0.4:
            a["root_id"] = rng.choice([_token(rng), "", "root", 5, None])
        yield "run_id.mint", a
    for _ in range(220):
        env = {}
        for k in (rid.ENV_RUN_ID, rid.ENV_ROOT_ID, rid.ENV_PARENT_ID, rid.ENV_PROCESS_ID, "OTHER"):
            if rng.random() < 0.5:
                env[k] = rng.choice([_token(rng), _token(rng), "", None, "x"])
        yield "run_id.mint_child_from_env", {"process_id": _pid(rng), "env": env,
                                             "clock_ms": rng.randint(0, 2**45), "entropy": rng.randint(0, 2**30)}
    yield "run_id.mint_child_from_env", {"process_id": "x", "env": {rid.ENV_RUN_ID: 5}, "clock_ms": 1, "entropy": 1}
    yield "run_id.mint_child_from_env", {"process_id": "x", "env": [], "clock_ms": 1, "entropy": 1}
    for _ in range(240):
        s = _mutant(rng)
        yield "run_id.is_run_id", {"s": s}
        yield "run_id.ts_ms_of", {"run_id": s}
    for t in ["RID-1KSR49200ZZZZZZ", "RID-ZZZZZZZZZZZZZZZ", "RID-000000000000000"]:
        yield "run_id.is_run_id", {"s": t}
        yield "run_id.ts_ms_of", {"run_id": t}
    for _ in range(230):
        run = {"run_id": _token(rng), "process_id": "PROC-" + _pid(rng).__str__(), "parent_id": rng.choice([None, _token(rng), ""]),
               "root_id": _token(rng), "ts_ms": rng.randint(0, 2**45)}
        if rng.random() < 0.15:
            k = rng.choice(_FIELDS[:4])
            run[k] = rng.choice(["é😀", "\u2028", "tab\t\"q\"", "\x00", "\ud800", 5, None, ""])
        if rng.random() < 0.05:
            run.pop(rng.choice(_FIELDS))
        if rng.random() < 0.05:
            run["extra"] = 1
        if rng.random() < 0.05:
            run["ts_ms"] = rng.choice([-5, 2**64, 1.5, True, "1"])
        yield "run_id.run_json", {"run": run}
        yield "run_id.lineage_env", {"run": run}
