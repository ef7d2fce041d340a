"""Issue 9, the durable surfaces on the generated route (session 8:
verdict_journal): the typed module rendered from the op table replays the
golden corpus and keeps the reference's names and signatures, and the
accelerate() mappings answer as the reference does, its clock seam
included."""
import dataclasses
import importlib
import inspect
import json

import pytest

import dos_native
from dos_native import verdict_journal as vj

ref_vj = pytest.importorskip("dos.verdict_journal")

# op -> (typed function, {wire argument: Python parameter})
PURE = {
    "verdict_journal.read_all": ("_read_all_text", {}),
    "verdict_journal.read_events": ("_read_events_text", {}),
    "verdict_journal.from_record": ("_from_record", {"record": "rec"}),
    "verdict_journal.to_record": ("_to_record", {}),
    "verdict_journal.record_line": ("_record_line", {}),
    "verdict_journal.rollup": ("rollup", {}),
    "verdict_journal.for_run": ("for_run", {}),
    "verdict_journal.count_corrupt": ("count_corrupt", {"entries": "raw"}),
}


def _plain(v):
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, vj.VerdictEvent):
        return dataclasses.asdict(v)  # its to_dict() is the journal record, as the reference's
    return v.to_dict() if hasattr(v, "to_dict") else v


def _same(a, b):
    # NaN in an event's detail: compared as JSON text.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _records(golden_dir, op):
    from conftest import read_golden

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


@pytest.mark.parametrize("op", sorted(PURE))
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    name, renames = PURE[op]
    fn = getattr(vj, name)
    ok = refused = 0
    for place, rec in _records(golden_dir, op):
        args = {renames.get(k, k): v for k, v in json.loads(rec["request"])["args"].items()}
        if rec["error"] and op == "verdict_journal.to_record" and args.get("now") is None:
            # The envelope refuses an event without ts and no now (the op reads
            # no clock); the typed function stamps it with the clock instead.
            try:
                got = fn(**args)
            except (dos_native.DosError, TypeError, ValueError):
                refused += 1
                continue
            assert got["ts"] == vj.journal_now_iso() or got["ts"] < vj.journal_now_iso(), place
            ok += 1
            continue
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                fn(**args)
            refused += 1
            continue
        assert _same(_plain(fn(**args)), rec["expected"]), place
        ok += 1
    assert ok + refused >= 200 and ok >= 100


@pytest.mark.parametrize("name", ["record", "read_all", "tail", "read_events", "rollup", "for_run", "count_corrupt"])
def test_typed_functions_keep_the_reference_signature(name):
    ours, theirs = inspect.signature(getattr(vj, name)), inspect.signature(getattr(ref_vj, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]


def test_module_constants_and_the_event_codec_are_the_reference():
    for name in ["SCHEMA_FAMILY", "VERDICT_JOURNAL_SCHEMA", "KNOWN_SYSCALLS", "SOURCE_KERNEL", "SOURCE_SENSOR",
                 "SYSCALL_VERIFY", "SYSCALL_HOOK_EXIT", "SYSCALL_STOP"]:
        assert getattr(vj, name) == getattr(ref_vj, name), name
    kw = dict(run_id="RID-1", lane="a", detail={"n": 1}, ts="2026-01-01T00:00:00Z", seq=3)
    ours, theirs = vj.VerdictEvent("liveness", "STALLED", **kw), ref_vj.VerdictEvent("liveness", "STALLED", **kw)
    assert ours.to_record() == ours.to_dict() == theirs.to_record() == theirs.to_dict()
    rec = {"syscall": "verify", "verdict": 5, "detail": [1], "seq": " 7 ", "source": ""}
    assert dataclasses.asdict(vj.VerdictEvent.from_record(rec)) == dataclasses.asdict(ref_vj.VerdictEvent.from_record(rec))
    stamped = vj.VerdictEvent("stop", "ok").to_record()
    assert stamped["ts"] == vj.journal_now_iso() or stamped["ts"] < vj.journal_now_iso()
    assert vj.VerdictEvent("stop", "ok").to_record(now="2026-02-02T00:00:00Z")["ts"] == "2026-02-02T00:00:00Z"


def test_typed_file_functions_answer_as_the_reference(tmp_path, monkeypatch):
    p = tmp_path / "vj.jsonl"
    assert vj.record(vj.VerdictEvent("liveness", "STALLED", run_id="R"), path=p)
    assert ref_vj.record(ref_vj.VerdictEvent("verify", "SHIPPED"), path=p)
    assert vj.record(vj.VerdictEvent("stop", "ok"), path=p, stamp_seq=False)
    with open(p, "a", encoding="utf-8") as fh:
        fh.write("{torn\n{\"seq\": 9}\n{also torn")
    for n in (0, 1, 2, 20):
        assert vj.tail(n, path=p) == ref_vj.tail(n, path=p)
    assert vj.read_all(p) == ref_vj.read_all(p)
    assert [dataclasses.asdict(e) for e in vj.read_events(p)] == [dataclasses.asdict(e) for e in ref_vj.read_events(p)]
    assert [e.seq for e in ref_vj.read_events(p)] == [1, 2, 0, 9]
    monkeypatch.setenv("DISPATCH_VERDICT_JOURNAL_PATH", str(p))
    assert vj.read_all() == ref_vj.read_all()
    assert vj.count_corrupt(vj.read_all()) == ref_vj.count_corrupt(ref_vj.read_all()) == 1


@pytest.fixture
def swapped():
    from dos_native import _adapter
    from dos_native._mapping import VERDICT_JOURNAL_SLOWER

    # The folds are declared but not swapped by default (_mapping.SLOWER).
    _adapter.register(VERDICT_JOURNAL_SLOWER)
    dos_native.accelerate()
    try:
        yield importlib.import_module("dos.verdict_journal")
    finally:
        dos_native.restore()


def _script(m, p):
    out = [m.record(m.VerdictEvent("liveness", "STALLED", run_id="R", ts="2026-01-01T00:00:00Z"), path=p),
           m.record(m.VerdictEvent("verify", "SHIPPED", ts="2026-01-01T00:00:01Z"), path=p),
           m.record(m.VerdictEvent("x", "\ud800"), path=p)]
    with open(p, "a", encoding="utf-8") as fh:
        fh.write("{torn\n{\"seq\": 9, \"syscall\": \"zzz\"}\n")
    raw = m.read_all(path=p)
    evs = m.read_events(path=p)
    out += [raw, m.tail(1, path=p), m.count_corrupt(raw), [dataclasses.asdict(e) for e in evs],
            m.rollup(evs, by="syscall", corrupt=1), m.rollup(evs, by="run_id"),
            [dataclasses.asdict(e) for e in m.for_run(evs, "R")]]
    return out


def test_accelerated_functions_answer_as_the_reference(tmp_path, swapped):
    theirs = _script(ref_vj, tmp_path / "a.jsonl")  # swapped: served natively
    dos_native.restore()
    want = _script(ref_vj, tmp_path / "b.jsonl")
    assert theirs == want
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert type(theirs[8]) is ref_vj.VerdictRollup


def test_accelerated_record_keeps_a_replaced_clock(tmp_path, swapped, monkeypatch):
    p = tmp_path / "j.jsonl"
    assert swapped.record is not ref_vj.__dict__.get("_never_")  # the swap is in place
    monkeypatch.setattr(swapped, "journal_now_iso", lambda: "1999-12-31T23:59:59Z")
    assert swapped.record(swapped.VerdictEvent("verify", "SHIPPED"), path=p)
    assert swapped.read_all(p)[0]["ts"] == "1999-12-31T23:59:59Z"
