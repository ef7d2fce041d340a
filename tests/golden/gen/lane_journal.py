"""Golden cases for the pure half of `dos.lane_journal`: reading a file's
bytes back into records, the live-set fold, compaction, `next_seq`, the line
bytes `append` writes, and every record builder."""
import math
import pathlib
import tempfile
from types import SimpleNamespace
from unittest import mock

from dos import lane_journal as lj

from .common import cases, op
from .jsonish import FLOATS, INTS, STRINGS, rand_json, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-lj-"))


@op("lane_journal.read_all")
def _read_all(args, config):
    text = rt(args)["text"]
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    p = _TMP / "read.jsonl"
    p.write_bytes(text.encode("utf-8"))
    return lj.read_all(p)


def _entries(args):
    entries = rt(args)["entries"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("entries must be a list of objects")
    return entries


@op("lane_journal.replay")
def _replay(args, config):
    return lj.replay(_entries(args))


@op("lane_journal.compact")
def _compact(args, config):
    return lj.compact(_entries(args))


@op("lane_journal.next_seq")
def _next_seq(args, config):
    entries = _entries(args)
    with mock.patch.object(lj, "read_all", lambda path=None: entries):
        return lj.next_seq(pathlib.Path("unused"))


@op("lane_journal.encode_line")
def _encode_line(args, config):
    entry = rt(args)["entry"]
    if not isinstance(entry, dict):
        raise TypeError("entry must be an object")
    p = _TMP / "append.jsonl"
    p.unlink(missing_ok=True)
    # `seq` and `ts` are always present in these cases, so append adds nothing.
    lj.append(entry, path=p)
    return p.read_bytes().decode("utf-8")


def _kw(args, names):
    # The envelope's contract: a null argument counts as absent (the default).
    return {k: args[k] for k in names if args.get(k) is not None}


def _need(args, *names):
    for k in names:
        if args.get(k) is None:
            raise TypeError(f"{k} is required")


def _dict_arg(args, key):
    v = args.get(key)
    if not isinstance(v, dict):
        raise TypeError(f"{key} must be an object")
    return v


@op("lane_journal.acquire_entry")
def _acquire(args, config):
    a = rt(args)
    return lj.acquire_entry(_dict_arg(a, "lease"), **_kw(a, ["reason", "prev_holder", "env_digest", "children", "run_id"]))


@op("lane_journal.release_entry")
def _release(args, config):
    a = rt(args)
    return lj.release_entry(_dict_arg(a, "lease"), **_kw(a, ["reason"]))


@op("lane_journal.heartbeat_entry")
def _heartbeat(args, config):
    a = rt(args)
    return lj.heartbeat_entry(_dict_arg(a, "lease"), **_kw(a, ["heartbeat_at"]))


@op("lane_journal.adopt_entry")
def _adopt(args, config):
    a = rt(args)
    if not a.get("heartbeat_at"):
        raise ValueError("the native op needs heartbeat_at (it never reads the clock)")
    _need(a, "new_holder")
    return lj.adopt_entry(_dict_arg(a, "lease"), **_kw(a, ["new_holder", "new_pid", "new_host_id", "heartbeat_at", "reason"]))


@op("lane_journal.attempt_entry")
def _attempt(args, config):
    a = rt(args)
    _need(a, "unit_id", "outcome")
    return lj.attempt_entry(a["unit_id"], **_kw(a, ["outcome", "run_id", "lane", "loop_ts", "host_id"]))


@op("lane_journal.spawn_entry")
def _spawn(args, config):
    a = rt(args)
    _need(a, "lane")
    return lj.spawn_entry(**_kw(a, ["lane", "loop_ts", "holder", "host_id", "pid", "run_id", "reason"]))


@op("lane_journal.scavenge_entry")
def _scavenge(args, config):
    a = rt(args)
    return lj.scavenge_entry(_dict_arg(a, "lease"), **_kw(a, ["reason", "prev_holder"]))


@op("lane_journal.halt_entry")
def _halt(args, config):
    a = rt(args)
    _need(a, "handle")
    return lj.halt_entry(a["handle"], **_kw(a, ["reason", "lane", "loop_ts", "host_id", "run_id", "command"]))


@op("lane_journal.refuse_entry")
def _refuse(args, config):
    a = rt(args)
    d = _dict_arg(a, "decision")
    _need(a, "owner")
    decision = SimpleNamespace(**{k: d[k] for k in ("lane", "reason") if k in d})
    return lj.refuse_entry(decision, **_kw(a, ["owner", "lane", "loop_ts", "host_id", "run_id", "reason_class"]))


@op("lane_journal.enforce_entry")
def _enforce(args, config):
    a = rt(args)
    proposal = a.get("proposal")
    if proposal is not None and not isinstance(proposal, dict):
        raise TypeError("proposal must be an object")
    return lj.enforce_entry(proposal, **_kw(a, ["owner", "lane", "loop_ts", "host_id", "run_id", "tool"]))


@op("lane_journal.checkpoint_entry")
def _checkpoint(args, config):
    a = rt(args)
    leases = a.get("leases")
    if not isinstance(leases, list) or not all(isinstance(x, dict) for x in leases):
        raise TypeError("leases must be a list of objects")
    w = a.get("seq_watermark")
    if isinstance(w, bool) or not isinstance(w, int):
        raise TypeError("seq_watermark must be an integer")
    return lj.checkpoint_entry(leases, seq_watermark=w)


# --- random journals ---------------------------------------------------------

LANES = ["a", "b", "main", "A", "", None, 0, 7, 1.5, ["x"], {"k": 1}, "é", "x\u2028y"]
LOOP_TS = ["t1", "t2", "2026-11-21T12:40Z", "", None, 5, True, [], "\ud800"]
OPS = ["ACQUIRE", "RELEASE", "HEARTBEAT", "SCAVENGE", "RECONCILE", "ADOPT", "CHECKPOINT", "REFUSE", "HALT",
       "ENFORCE", "ATTEMPT", "SPAWN", "_CORRUPT", "acquire", "", None, 5, ["ACQUIRE"]]
SEQS = [1, 2, 3, 10, 0, -4, None, True, False, "5", " 7 ", "1_0", "x", "", 2.7, -1.5, float("nan"), 1e20,
        2**70, [], [1], {}, "١٢"]
STAMPS = ["2026-11-21T12:40:05Z", "2026-11-21T12:41Z", "", None, 0, "x", ["t"]]


def _lease(rng, lane, ts):
    lease = {"lane": lane, "loop_ts": ts}
    for k, pool in [("holder", ["agent-1", "agent-2", None, ""]), ("pid", [123, 0, -1, None, "9"]),
                    ("host_id", ["vm", "", None]), ("tree", [["**/*"], ["src/**"], [], None]),
                    ("acquired_at", STAMPS), ("heartbeat_at", STAMPS), ("run_id", ["RID-1", None]),
                    ("children", [[{"run_id": "c", "pid": 4}], None])]:
        if rng.random() < 0.5:
            lease[k] = rng.choice(pool)
    return lease


def _entry(rng, pool):
    op_ = rng.choice(OPS) if rng.random() < 0.3 else rng.choice(OPS[:7])
    lane, ts = rng.choice(pool)
    e = {"op": op_, "lane": lane, "loop_ts": ts}
    if rng.random() < 0.1:
        del e["op"]
    if rng.random() < 0.8:
        e["seq"] = rng.choice(SEQS) if rng.random() < 0.3 else rng.randint(0, 40)
    if rng.random() < 0.6:
        e["ts"] = rng.choice(STAMPS)
    if op_ in ("ACQUIRE", "RECONCILE"):
        if rng.random() < 0.75:
            e["lease"] = _lease(rng, lane, ts) if rng.random() < 0.9 else rng.choice([None, "x", [1]])
        else:
            e.update({k: v for k, v in _lease(rng, lane, ts).items() if k not in ("lane", "loop_ts")})
    elif op_ in ("HEARTBEAT", "ADOPT"):
        for k, pool_ in [("heartbeat_at", STAMPS), ("holder", ["agent-3", None]), ("pid", [77, None]),
                         ("host_id", ["other", None])]:
            if rng.random() < 0.5:
                e[k] = rng.choice(pool_)
    elif op_ == "CHECKPOINT":
        leases = [_lease(rng, *rng.choice(pool)) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.2:
            leases.append(rng.choice([None, 3, "x"]))
        e["leases"] = leases if rng.random() < 0.9 else rng.choice([None, {}, "x"])
        if rng.random() < 0.7:
            e["seq_watermark"] = rng.choice(SEQS) if rng.random() < 0.3 else rng.randint(0, 60)
    elif op_ == "_CORRUPT":
        e.update({"_raw": "{bad", "_line": rng.randint(0, 9)})
    if rng.random() < 0.05:
        e["extra"] = rand_json(rng, 2)
    return e


def _journal(rng, n):
    pool = [(rng.choice(LANES), rng.choice(LOOP_TS)) for _ in range(rng.randint(1, 6))]
    return [_entry(rng, pool) for _ in range(n)]


def _line(rng, e):
    import json
    s = json.dumps(e, sort_keys=True, ensure_ascii=rng.random() < 0.5)
    return s


def _text(rng):
    import json
    lines = []
    for e in _journal(rng, rng.randint(0, 8)):
        r = rng.random()
        if r < 0.08:
            lines.append("{garbage")
        elif r < 0.12:
            lines.append(rng.choice(["[1, 2]", "3", "null", '"x"', "  ", "", "\ufeff{}", "{\"a\": 1} x"]))
        else:
            lines.append(json.dumps(e, sort_keys=True, ensure_ascii=rng.random() < 0.5))
    seps = ["\n"] * 8 + ["\r\n", "\r", "\u2028", "\u0085", "\x0b", "\x1c", "\u2029", "\n\n"]
    text = "".join(line + rng.choice(seps) for line in lines)
    r = rng.random()
    if r < 0.2 and text:
        text = text[: rng.randint(0, len(text) - 1)]  # a torn tail
    elif r < 0.3:
        text += rng.choice(["{\"op\": \"ACQUIRE\", \"lane\"", "{\"op\": \"RELEASE\"}", "\ufeff", "  \t"])
    return text


@cases
def _cases(rng):
    # read_all: fixed shapes, then random files
    fixed = ["", "\n", "{}", "{}\n", "{\"op\": \"A\"}\n{garbage\n{\"op\": \"B\"}\n", "{\"op\": \"A\"}\n{garbage\n",
             "{\"op\": \"A\"}\n{\"op\": \"B\"", "\ufeff{\"op\": \"A\"}\n{\"op\": \"B\"}\n",
             "{\"x\": \"a\u2028b\"}\n{\"op\": \"B\"}\n", "{\"a\": 1}\r\n{\"b\": 2}\r{\"c\": 3}",
             "[1]\n2\n\"s\"\nnull\ntrue\n{\"ok\": 1}\n", "{\"a\": NaN, \"b\": Infinity}\n",
             "{\"a\": 1, \"a\": 2}\n", " \t{\"a\": 1}\u3000\n", "{\"a\": \"\\ud800\"}\n", "\x00\n{}\n"]
    for t in fixed:
        yield "lane_journal.read_all", {"text": t}
    for _ in range(320):
        yield "lane_journal.read_all", {"text": _text(rng)}
    yield "lane_journal.read_all", {"text": 5}
    yield "lane_journal.read_all", {}

    # fold, compaction, next_seq over random journals
    for _ in range(420):
        j = _journal(rng, rng.randint(0, 14))
        yield "lane_journal.replay", {"entries": j}
        yield "lane_journal.compact", {"entries": j}
        yield "lane_journal.next_seq", {"entries": j}
    for bad in [None, 5, [1], ["x"], {"op": "ACQUIRE"}]:
        for o in ("replay", "compact", "next_seq"):
            yield f"lane_journal.{o}", {"entries": bad}

    # the bytes of a line
    for _ in range(260):
        e = _entry(rng, [(rng.choice(LANES), rng.choice(LOOP_TS))])
        e.setdefault("seq", rng.randint(1, 9))
        e.setdefault("ts", "2026-11-21T12:40:05Z")
        if rng.random() < 0.4:
            e["payload"] = rand_json(rng, 3)
        if rng.random() < 0.2:
            e["text"] = rng.choice(STRINGS)
        if rng.random() < 0.1:
            e["num"] = rng.choice([x for x in FLOATS + INTS if not (isinstance(x, float) and math.isinf(x))] + [float("inf")])
        yield "lane_journal.encode_line", {"entry": e}
    yield "lane_journal.encode_line", {"entry": [1]}

    # builders
    def lease():
        return _lease(rng, rng.choice(LANES), rng.choice(LOOP_TS))

    anyv = lambda: rng.choice(["", "x", None, 0, 3, True, ["k"], {"a": 1}, "é", "RID-9"])  # noqa: E731
    for _ in range(230):
        a = {"lease": lease()}
        for k in ["reason", "prev_holder", "env_digest", "children", "run_id"]:
            if rng.random() < 0.4:
                a[k] = rng.choice([[{"run_id": "k", "pid": 1}], "ab", {"x": 1}, [], 5]) if k == "children" else anyv()
        yield "lane_journal.acquire_entry", a
    for _ in range(210):
        yield "lane_journal.release_entry", {"lease": lease(), **({"reason": anyv()} if rng.random() < 0.5 else {})}
        yield "lane_journal.heartbeat_entry", {"lease": lease(), **({"heartbeat_at": anyv()} if rng.random() < 0.6 else {})}
        yield "lane_journal.scavenge_entry", {"lease": lease(), **{k: anyv() for k in ["reason", "prev_holder"] if rng.random() < 0.5}}
        a = {"lease": lease(), "new_holder": anyv(), "heartbeat_at": rng.choice(["2026-11-21T12:40:05Z", "H", "", None])}
        a.update({k: anyv() for k in ["new_pid", "new_host_id", "reason"] if rng.random() < 0.5})
        yield "lane_journal.adopt_entry", a
        a = {"unit_id": anyv(), "outcome": rng.choice(["shipped", "drained", "blocked", anyv()])}
        a.update({k: anyv() for k in ["run_id", "lane", "loop_ts", "host_id"] if rng.random() < 0.5})
        yield "lane_journal.attempt_entry", a
        a = {"lane": anyv()}
        a.update({k: anyv() for k in ["loop_ts", "holder", "host_id", "pid", "run_id", "reason"] if rng.random() < 0.5})
        yield "lane_journal.spawn_entry", a
        a = {"handle": anyv()}
        a.update({k: anyv() for k in ["reason", "lane", "loop_ts", "host_id", "run_id", "command"] if rng.random() < 0.5})
        yield "lane_journal.halt_entry", a
        d = {k: anyv() for k in ["lane", "reason"] if rng.random() < 0.7}
        a = {"decision": d, "owner": anyv()}
        a.update({k: anyv() for k in ["lane", "loop_ts", "host_id", "run_id", "reason_class"] if rng.random() < 0.5})
        yield "lane_journal.refuse_entry", a
        p = {k: anyv() for k in ["intervention", "dispatch_call", "handler", "reason", "reason_class", "rung"]
             if rng.random() < 0.6}
        a = {"proposal": p if rng.random() < 0.9 else None}
        a.update({k: anyv() for k in ["owner", "lane", "loop_ts", "host_id", "run_id", "tool"] if rng.random() < 0.5})
        yield "lane_journal.enforce_entry", a
        yield "lane_journal.checkpoint_entry", {"leases": [lease() for _ in range(rng.randint(0, 3))],
                                                "seq_watermark": rng.choice([0, 5, 2**70, -3, rng.randint(0, 10**6)])}
    for _ in range(60):
        yield "lane_journal.checkpoint_entry", {"leases": [lease() for _ in range(rng.randint(1, 5))],
                                                "seq_watermark": rng.randint(-10, 10**9)}
    yield "lane_journal.checkpoint_entry", {"leases": [], "seq_watermark": 1.5}
    yield "lane_journal.adopt_entry", {"lease": {"lane": "a"}, "new_holder": "x"}
