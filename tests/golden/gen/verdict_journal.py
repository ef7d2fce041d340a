"""Golden cases for `dos.verdict_journal`: reading a journal's bytes, the
record a `record()` call appends (run against a real file with the clock
pinned), the event round trip and the pure folds."""
import dataclasses
import json
import pathlib
import tempfile
from unittest import mock

from dos import verdict_journal as vj

from .common import cases, op
from .jsonish import I64_MAX, I64_MIN, STRINGS, fields, int64, rand_json, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-vj-"))
_N = [0]

EVENT_FIELDS = ("syscall", "verdict", "run_id", "lane", "subject", "detail", "source", "ts", "seq")


def _file(text):
    _N[0] += 1
    p = _TMP / f"j{_N[0]}.jsonl"
    if text is not None:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        p.write_bytes(text.encode("utf-8"))
    return p


def _event(d):
    d = fields(d, EVENT_FIELDS, "event")
    for k in ("syscall", "verdict"):
        if k not in d:
            raise TypeError(f"an event needs {k}")
    for k in EVENT_FIELDS:
        if k in d and k not in ("detail", "seq") and not isinstance(d[k], str):
            raise TypeError(f"event.{k} must be a string")
    if "detail" in d and not isinstance(d["detail"], dict):
        raise TypeError("event.detail must be an object")
    if "seq" in d and (isinstance(d["seq"], bool) or not isinstance(d["seq"], int)):
        raise TypeError("event.seq must be an integer")
    return vj.VerdictEvent(**d)


def _now(a, ev):
    now = a.get("now")
    if now is not None and not isinstance(now, str):
        raise TypeError("now must be a string")
    if now is None and not ev.ts:
        raise ValueError("an event without ts needs now (the native op never reads the clock)")
    return now


@op("verdict_journal.read_all")
def _read_all(args, config):
    return vj.read_all(_file(rt(args)["text"]))


@op("verdict_journal.read_events")
def _read_events(args, config):
    return [dataclasses.asdict(e) for e in vj.read_events(_file(rt(args)["text"]))]


@op("verdict_journal.from_record")
def _from_record(args, config):
    rec = rt(args).get("record")
    if not isinstance(rec, dict):
        raise TypeError("record must be an object")
    return dataclasses.asdict(vj.VerdictEvent.from_record(rec))


@op("verdict_journal.to_record")
def _to_record(args, config):
    a = rt(args)
    ev = _event(a.get("event"))
    now = _now(a, ev)
    with mock.patch.object(vj, "journal_now_iso", lambda: now):
        return ev.to_record()


@op("verdict_journal.record_line")
def _record_line(args, config):
    a = rt(args)
    ev = _event(a.get("event"))
    now = _now(a, ev)
    p = _file(a.get("text"))
    before = p.read_bytes() if p.exists() else b""
    with mock.patch.object(vj, "journal_now_iso", lambda: now):
        ok = vj.record(ev, path=p)
    if not ok:
        return False
    after = p.read_bytes()
    assert after.startswith(before)
    return after[len(before):].decode("utf-8")


def _events(a):
    evs = a.get("events")
    if not isinstance(evs, list):
        raise TypeError("events must be a list")
    return [_event(e) for e in evs]


@op("verdict_journal.rollup")
def _rollup(args, config):
    a = rt(args)
    by = a.get("by", "syscall")
    by = "syscall" if by is None else by
    if not isinstance(by, str):
        raise TypeError("by must be a string")
    corrupt = a.get("corrupt")
    corrupt = 0 if corrupt is None else int64(corrupt, "corrupt")
    return vj.rollup(_events(a), by=by, corrupt=corrupt).to_dict()


@op("verdict_journal.for_run")
def _for_run(args, config):
    a = rt(args)
    run_id = a.get("run_id")
    if not isinstance(run_id, str):
        raise TypeError("run_id must be a string")
    return [dataclasses.asdict(e) for e in vj.for_run(_events(a), run_id)]


@op("verdict_journal.count_corrupt")
def _count_corrupt(args, config):
    entries = rt(args).get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("entries must be a list of objects")
    return vj.count_corrupt(entries)


SYSCALLS = list(vj.KNOWN_SYSCALLS) + ["judge", "custom", "", "Verify", "é", "zzz", "(none)", "\ud800"]
VERDICTS = ["SHIPPED", "NOT_SHIPPED", "ADVANCING", "SPINNING", "STALLED", "WASTEFUL", "", "ok", "Ω", "(none)"]
RUNS = ["", "RID-1", "RID-2", "run", "é"]
SEQS = [0, 1, 2, 5, 10, -3, 2**70, None, True, "7", " 8 ", "x", 2.9, float("nan"), [], {}, "١٢", 1e20]
STAMPS = ["2026-11-21T12:40:05Z", "", "x", None]


def _rand_event(rng):
    e = {"syscall": rng.choice(SYSCALLS), "verdict": rng.choice(VERDICTS)}
    for k, pool in [("run_id", RUNS), ("lane", ["", "a", "main"]), ("subject", ["", "plan/1", "\u2028"]),
                    ("source", ["kernel", "sensor", "", "hook"]), ("ts", ["2026-11-21T12:40:05Z", "", "t"])]:
        if rng.random() < 0.5:
            e[k] = rng.choice(pool)
    if rng.random() < 0.4:
        e["detail"] = rand_json(rng, 2) if rng.random() < 0.2 else {"tokens": rng.randint(0, 99), "x": rng.choice(STRINGS)}
        if not isinstance(e["detail"], dict):
            e["detail"] = {"v": e["detail"]}
    if rng.random() < 0.4:
        e["seq"] = rng.choice([0, 1, 3, 99, -1, 2**70])
    return e


def _rand_record(rng):
    r = {}
    for k, pool in [("syscall", SYSCALLS + [None, 5, True, ["x"]]), ("verdict", VERDICTS + [None, 0, 1.5]),
                    ("run_id", RUNS + [None, 7]), ("lane", ["", "a", None, {}]), ("subject", ["", "s", 0]),
                    ("detail", [{}, {"a": 1}, None, [1], "x", 3]), ("source", ["", "sensor", None, False, 2]),
                    ("ts", STAMPS + [0]), ("seq", SEQS), ("schema_family", ["verdict-journal"]),
                    ("schema_version", [1]), ("op", ["_CORRUPT", "x", None])]:
        if rng.random() < 0.55:
            r[k] = rng.choice(pool)
    return r


def _text(rng):
    lines = []
    for _ in range(rng.randint(0, 7)):
        x = rng.random()
        if x < 0.08:
            lines.append("{garbage")
        elif x < 0.12:
            lines.append(rng.choice(["[1]", "3", "null", "", "  ", "\ufeff{}"]))
        else:
            lines.append(json.dumps(_rand_record(rng), sort_keys=True, ensure_ascii=rng.random() < 0.5))
    seps = ["\n"] * 8 + ["\r\n", "\r", "\u2028", "\u0085", "\n\n"]
    text = "".join(line + rng.choice(seps) for line in lines)
    r = rng.random()
    if r < 0.15 and text:
        text = text[: rng.randint(0, len(text) - 1)]
    elif r < 0.25:
        text += rng.choice(['{"seq": 40', '{"seq": 41}', "  "])
    return text


@cases
def _cases(rng):
    for _ in range(230):
        t = _text(rng)
        yield "verdict_journal.read_all", {"text": t}
        yield "verdict_journal.read_events", {"text": t}
    for _ in range(230):
        yield "verdict_journal.from_record", {"record": _rand_record(rng)}
    yield "verdict_journal.from_record", {"record": [1]}
    for _ in range(230):
        ev = _rand_event(rng)
        a = {"event": ev}
        if rng.random() < 0.85:
            a["now"] = rng.choice(["2026-11-21T12:40:05Z", "2030-01-01T00:00:00Z"])
        yield "verdict_journal.to_record", a
        a = dict(a)
        if rng.random() < 0.8:
            a["text"] = _text(rng)
        yield "verdict_journal.record_line", a
    for bad in [{"syscall": "v"}, {"syscall": 5, "verdict": "x"}, {"syscall": "v", "verdict": "x", "detail": [1]},
                {"syscall": "v", "verdict": "x", "seq": "3"}, {"syscall": "v", "verdict": "x", "bogus": 1},
                {"syscall": "v\ud800", "verdict": "x"}, {"syscall": "v", "verdict": "x", "detail": {"k": "\udc00"}}]:
        yield "verdict_journal.record_line", {"event": bad, "now": "2026-11-21T12:40:05Z"}
        yield "verdict_journal.to_record", {"event": bad, "now": "2026-11-21T12:40:05Z"}
    for _ in range(230):
        evs = [_rand_event(rng) for _ in range(rng.randint(0, 12))]
        a = {"events": evs}
        if rng.random() < 0.7:
            a["by"] = rng.choice(["syscall", "verdict", "run_id", "lane", "source", "other", ""])
        if rng.random() < 0.4:
            a["corrupt"] = rng.choice([0, 1, 5, -2, I64_MAX, I64_MIN])
        yield "verdict_journal.rollup", a
        yield "verdict_journal.for_run", {"events": evs, "run_id": rng.choice(RUNS)}
        ents = [rng.choice([{"op": "_CORRUPT"}, {"op": "x"}, {}, {"op": None}, {"op": ["_CORRUPT"]},
                            _rand_record(rng)]) for _ in range(rng.randint(0, 8))]
        yield "verdict_journal.count_corrupt", {"entries": ents}
    for _ in range(80):
        ents = [rng.choice([{"op": "_CORRUPT", "_raw": "x", "_line": rng.randint(0, 9)}, {"op": "y"},
                            _rand_record(rng)]) for _ in range(rng.randint(1, 12))]
        yield "verdict_journal.count_corrupt", {"entries": ents}
    yield "verdict_journal.count_corrupt", {"entries": [1]}
    yield "verdict_journal.rollup", {"events": [{"syscall": "a", "verdict": "b"}], "by": 5}
    yield "verdict_journal.for_run", {"events": [], "run_id": None}
