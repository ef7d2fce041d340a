"""Golden cases for `dos.intent_ledger`: the record builders, the line
`append` writes (clock pinned), reading a ledger's bytes through the torn-tail
rules and the schema gate, and the replay fold.

`replay` returns a `LedgerState` dataclass, which has no `to_dict`; the
native op answers with `dataclasses.asdict(state)` plus `has_intent`."""
import dataclasses
import json
import pathlib
import tempfile
from unittest import mock

from dos import intent_ledger as il

from .common import cases, op, rand_text
from .durable_schema import _classify_facts
from .jsonish import STRINGS, int64, rand_json, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-il-"))
_N = [0]


def _path():
    _N[0] += 1
    return _TMP / f"l{_N[0]}" / "intent.jsonl"


def _kw(a, names):
    return {k: a[k] for k in names if a.get(k) is not None}


def _need(a, *names):
    for k in names:
        if a.get(k) is None:
            raise TypeError(f"{k} is required")


def _opt_dict(a, k):
    v = a.get(k)
    if v is not None and not isinstance(v, dict):
        raise TypeError(f"{k} must be an object")


@op("intent_ledger.intent_entry")
def _intent(args, config):
    a = rt(args)
    _opt_dict(a, "step_regions")
    _opt_dict(a, "env")
    return il.intent_entry(**_kw(a, ["goal", "plan", "phase", "start_sha", "declared_steps", "step_regions", "env"]))


@op("intent_ledger.step_claimed_entry")
def _claimed(args, config):
    a = rt(args)
    _need(a, "step_id", "sha")
    return il.step_claimed_entry(a["step_id"], a["sha"])


@op("intent_ledger.step_verified_entry")
def _verified(args, config):
    a = rt(args)
    _need(a, "step_id", "sha")
    return il.step_verified_entry(a["step_id"], a["sha"], **_kw(a, ["via", "verdicts"]))


@op("intent_ledger.suspend_entry")
def _suspend(args, config):
    a = rt(args)
    kw = _kw(a, ["reason", "resume_sha", "residual"])
    c = a.get("checkpoint")
    if c is not None:
        if not isinstance(c, dict):
            raise TypeError("checkpoint must be an object")
        if set(c) - {"turn_index", "transcript_digest", "present"}:
            raise TypeError("checkpoint has unknown fields")
        kw["checkpoint"] = il.SuspendCheckpoint(**c)
    return il.suspend_entry(**kw)


@op("intent_ledger.resume_proposed_entry")
def _resume(args, config):
    a = rt(args)
    _need(a, "predecessor_run_id")
    return il.resume_proposed_entry(**_kw(a, ["predecessor_run_id", "resume_sha", "residual"]))


@op("intent_ledger.append_line")
def _append_line(args, config):
    a = rt(args)
    _need(a, "run_id", "entry")
    entry = a["entry"]
    if not isinstance(entry, dict):
        raise TypeError("entry must be an object")
    now = a.get("now")
    if now is not None and not isinstance(now, str):
        raise TypeError("now must be a string")
    if now is None and "ts" not in entry:
        raise ValueError("an entry without ts needs now (the native op never reads the clock)")
    p = _path()
    with mock.patch.object(il, "ledger_now_iso", lambda: now):
        e = il.append(a["run_id"], entry, path=p)
    return {"entry": e, "line": p.read_bytes().decode("utf-8")}


def _read_facts(args, result):
    facts = {}
    for i, rec in enumerate(result):
        v = rec.get("_unreadable") if isinstance(rec, dict) else None
        # Only the gate's own sentinels carry a verdict (a record in the file may
        # hold an `_unreadable` field of its own).
        if isinstance(v, dict) and set(v) == {"readability", "reason", "family", "ceiling", "tag"}:
            facts[f"{i}._unreadable.reason"] = _classify_facts({"family": il.SCHEMA_FAMILY}, v)["reason"]
    return facts


@op("intent_ledger.read_all", facts=_read_facts, dynamic_prose=True)
def _read_all(args, config):
    a = rt(args)
    text = a.get("text")
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    u = a.get("understands")
    u = il.INTENT_LEDGER_SCHEMA if u is None else int64(u, "understands")
    p = _path()
    p.parent.mkdir(parents=True)
    p.write_bytes(text.encode("utf-8"))
    return il.read_all(path=p, understands=u)


@op("intent_ledger.replay")
def _replay(args, config):
    entries = rt(args).get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("entries must be a list of objects")
    st = il.replay(entries)
    out = dataclasses.asdict(st)
    out["has_intent"] = st.has_intent
    return out


# --- random ledgers -----------------------------------------------------------

TAGS = [None, {"family": "intent-ledger", "version": 1}, {"family": "intent-ledger", "version": 2},
        {"family": "intent-ledger", "version": 3}, {"family": "lane-journal", "version": 1}, {"family": "", "version": 1},
        {"family": "", "version": 9}, 1, 2, True, 0, {"family": "intent-ledger"}, "1", {"family": "it's", "version": 5}]
OPS = [il.OP_INTENT, il.OP_STEP_CLAIMED, il.OP_STEP_VERIFIED, il.OP_SUSPEND, il.OP_RESUME_PROPOSED, "_CORRUPT",
       "OTHER", "", None, 5, "intent"]
VALS = ["", "x", "s1", "s2", "abc123", None, 0, 5, True, 1.5, ["a"], {"k": 1}, "é", "\u2028"]
TURNS = [None, 0, 3, -1, "4", " 5 ", "x", 2.7, True, [], 2**70, float("nan"), "١"]


def _record(rng):
    op_ = rng.choice(OPS) if rng.random() < 0.2 else rng.choice(OPS[:5])
    e = {"op": op_}
    if rng.random() < 0.8:
        t = rng.choice(TAGS)
        if t is not None:
            e["schema"] = t
    if rng.random() < 0.6:
        e["run_id"] = rng.choice(["RID-1", "RID-2", "", None, 7])
    pool = {
        il.OP_INTENT: ["goal", "plan", "phase", "start_sha", "declared_steps", "step_regions", "env"],
        il.OP_STEP_CLAIMED: ["step_id", "sha"],
        il.OP_STEP_VERIFIED: ["step_id", "sha", "via", "verdicts"],
        il.OP_SUSPEND: ["reason", "resume_sha", "sha", "residual", "checkpoint_turn", "transcript_digest"],
        il.OP_RESUME_PROPOSED: ["predecessor_run_id", "predecessor", "resume_sha", "residual"],
        "_CORRUPT": ["_unreadable", "_raw", "_line"],
    }.get(op_ if isinstance(op_, str) else "", ["goal", "step_id"])
    for k in pool:
        if rng.random() < 0.7:
            if k in ("declared_steps", "residual", "verdicts"):
                e[k] = rng.choice([["s1", "s2"], ["s1", 2, None], [], "ab", None, 5, {"a": 1}])
            elif k == "step_regions":
                e[k] = rng.choice([{"s1": ["src/**"], "s2": "x", "s3": [1, None]}, {}, [], None, {"s1": []}])
            elif k == "step_id":
                e[k] = rng.choice(["s1", "s2", "s3", "", None, 4, 4.0])
            elif k == "checkpoint_turn":
                e[k] = rng.choice(TURNS)
            elif k == "transcript_digest":
                e[k] = rng.choice(["", "d1", None, 0, "sha256:ab"])
            elif k == "_unreadable":
                e[k] = rng.choice([{"readability": "UNREADABLE_NEWER"}, {"readability": "WRONG_FAMILY"}, None,
                                   "UNREADABLE_NEWER", {}])
            elif k == "env":
                e[k] = {"python": "3.11", "n": rng.randint(0, 9)}
            else:
                e[k] = rng.choice(VALS)
    return e


def _text(rng):
    lines = []
    for _ in range(rng.randint(0, 8)):
        x = rng.random()
        if x < 0.07:
            lines.append("{garbage")
        elif x < 0.1:
            lines.append(rng.choice(["[1]", "3", "null", "", "\ufeff{}"]))
        else:
            rec = _record(rng)
            if isinstance(rec.get("checkpoint_turn"), float):
                # A read_all result carries prose; keep it readable by every
                # host's JSON parser (no NaN), as the runners need to parse it.
                rec["checkpoint_turn"] = 7
            lines.append(json.dumps(rec, sort_keys=True, ensure_ascii=rng.random() < 0.5))
    seps = ["\n"] * 8 + ["\r\n", "\r", "\u2028", "\n\n"]
    text = "".join(line + rng.choice(seps) for line in lines)
    if rng.random() < 0.15 and text:
        text = text[: rng.randint(0, len(text) - 1)]
    return text


def _any(rng):
    return rng.choice(VALS + [rng.choice(STRINGS)])


@cases
def _cases(rng):
    for _ in range(240):
        t = _text(rng)
        a = {"text": t}
        if rng.random() < 0.3:
            a["understands"] = rng.choice([0, 1, 2, 3, -1, 10])
        yield "intent_ledger.read_all", a
    yield "intent_ledger.read_all", {"text": 5}
    for _ in range(260):
        yield "intent_ledger.replay", {"entries": [_record(rng) for _ in range(rng.randint(0, 10))]}
    yield "intent_ledger.replay", {"entries": [1]}

    for _ in range(220):
        a = {}
        for k in ["goal", "plan", "phase", "start_sha"]:
            if rng.random() < 0.5:
                a[k] = _any(rng)
        if rng.random() < 0.5:
            a["declared_steps"] = rng.choice([["s1", "s2"], ["a", 1, None, 2.5], [], "abc", {"x": 1, "y": 2}, 5])
        if rng.random() < 0.4:
            a["step_regions"] = rng.choice([{"s1": ["src/**", "docs/*"]}, {"s1": "ab"}, {"s1": [1, None]}, {},
                                            {"s1": 5}, ["x"], {"s": {"k": 1}}])
        if rng.random() < 0.3:
            a["env"] = rng.choice([{"python": "3.11"}, {}, rand_json(rng, 2), ["x"]])
        yield "intent_ledger.intent_entry", a
        a = {"step_id": _any(rng), "sha": _any(rng)}
        yield "intent_ledger.step_claimed_entry", {k: v for k, v in a.items() if rng.random() < 0.95}
        if rng.random() < 0.5:
            a["via"] = _any(rng)
        if rng.random() < 0.5:
            a["verdicts"] = rng.choice([["SHIPPED", 1], [], "ab", None, 5, {"k": 1}])
        yield "intent_ledger.step_verified_entry", a
        a = {k: _any(rng) for k in ["reason", "resume_sha"] if rng.random() < 0.6}
        if rng.random() < 0.4:
            a["residual"] = rng.choice([["s1"], [], "xy", 3, [None, 1.5]])
        if rng.random() < 0.5:
            c = {}
            if rng.random() < 0.8:
                c["turn_index"] = rng.choice([0, 4, -1, "7", 2.5, True, 2**70, None, "x", [1]])
            if rng.random() < 0.8:
                c["transcript_digest"] = rng.choice(["d", "", None, 0, 5])
            if rng.random() < 0.2:
                c["present"] = True
            if rng.random() < 0.05:
                c["bogus"] = 1
            a["checkpoint"] = c if rng.random() < 0.95 else "x"
        yield "intent_ledger.suspend_entry", a
        a = {k: _any(rng) for k in ["predecessor_run_id", "resume_sha"] if rng.random() < 0.8}
        if rng.random() < 0.4:
            a["residual"] = rng.choice([["s1"], [], "xy", 3])
        yield "intent_ledger.resume_proposed_entry", a
        entry = _record(rng)
        if rng.random() < 0.3:
            entry["ts"] = rng.choice(["2026-11-21T12:40:05Z", None, ""])
        if rng.random() < 0.2:
            entry["payload"] = rand_json(rng, 2)
        a = {"run_id": rng.choice(["RID-1", "RID-2", "", 5, ["x"]]), "entry": entry}
        if rng.random() < 0.9:
            a["now"] = "2026-11-21T12:40:05Z"
        yield "intent_ledger.append_line", a
    for _ in range(120):
        yield "intent_ledger.step_claimed_entry", {"step_id": rand_text(rng), "sha": rand_json(rng, 1)}
        a = {"predecessor_run_id": rand_json(rng, 1) if rng.random() < 0.3 else rand_text(rng)}
        if rng.random() < 0.5:
            a["resume_sha"] = rand_text(rng)
        if rng.random() < 0.4:
            a["residual"] = [rand_text(rng) for _ in range(rng.randint(0, 3))]
        yield "intent_ledger.resume_proposed_entry", a
        a = {"reason": rand_text(rng), "checkpoint": {"turn_index": rng.randint(-5, 500),
                                                      "transcript_digest": rand_text(rng)}}
        if rng.random() < 0.5:
            a["resume_sha"] = rand_json(rng, 1)
        yield "intent_ledger.suspend_entry", a


# --- the record ops on the route: SuspendCheckpoint.from_record and .absent
# (the reference's classmethods) and LedgerState.has_intent (its property) ---

@op("intent_ledger.checkpoint_from_record")
def _checkpoint_from_record(args, config):
    a = rt(args)
    if set(a) != {"entry"} or not isinstance(a["entry"], dict):
        raise TypeError("entry (an object) is required, and nothing else")
    return dataclasses.asdict(il.SuspendCheckpoint.from_record(a["entry"]))


# No arguments: its distinct cases are the call and a few refusals.
@op("intent_ledger.checkpoint_absent", min_cases=1)
def _checkpoint_absent(args, config):
    if args:
        raise TypeError("absent takes no arguments")
    return dataclasses.asdict(il.SuspendCheckpoint.absent())


def _state_of(d):
    d = dict(d)
    d["suspend_checkpoint"] = il.SuspendCheckpoint(**d["suspend_checkpoint"])
    d["verified"] = {k: il.VerifiedStep(**v) for k, v in d["verified"].items()}
    return il.LedgerState(**d)


@op("intent_ledger.LedgerState.has_intent")
def _has_intent(args, config):
    a = rt(args)
    if set(a) != {"self"} or not isinstance(a["self"], dict):
        raise TypeError("self (an object) is required, and nothing else")
    return _state_of(a["self"]).has_intent


@cases
def _record_op_cases(rng):
    for _ in range(200):
        yield "intent_ledger.checkpoint_absent", {rand_text(rng): 1} if rng.random() < 0.1 else {}
    for _ in range(220):
        e = _record(rng)
        if rng.random() < 0.7:
            e["op"] = il.OP_SUSPEND
            e["transcript_digest"] = rng.choice(["", "d1", None, 0, "sha256:ab", rand_text(rng), 5, ["x"]])
            if rng.random() < 0.8:
                e["checkpoint_turn"] = rng.choice(TURNS[:-2] + ["١", 2**70])
        yield "intent_ledger.checkpoint_from_record", {"entry": e}
    yield "intent_ledger.checkpoint_from_record", {"entry": ["x"]}
    yield "intent_ledger.checkpoint_from_record", {}
    for _ in range(300):
        st = dataclasses.asdict(il.replay([_record(rng) for _ in range(rng.randint(0, 8))]))
        yield "intent_ledger.LedgerState.has_intent", {"self": st}
    yield "intent_ledger.LedgerState.has_intent", {"self": {"goal": "g"}}
    yield "intent_ledger.LedgerState.has_intent", {"self": {"run_id": "r", "bogus": 1}}
    yield "intent_ledger.LedgerState.has_intent", {}
