"""The durable surfaces across engines: files libdos writes read back the
same in the reference, and the reverse (id_alloc, run_id, verdict journal,
intent ledger, export cursor)."""
import dataclasses

import pytest

dos = pytest.importorskip("dos")
import dos.export_cursor as ref_ec  # noqa: E402
import dos.id_alloc as ref_ia  # noqa: E402
import dos.intent_ledger as ref_il  # noqa: E402
import dos.run_id as ref_rid  # noqa: E402
import dos.verdict_journal as ref_vj  # noqa: E402

from dos_native import export_cursor as ec, id_alloc as ia, intent_ledger as il, run_id as rid  # noqa: E402
from dos_native import verdict_journal as vj  # noqa: E402


def test_id_alloc_engines_share_one_counter(tmp_path, monkeypatch):
    monkeypatch.setenv("DISPATCH_ID_ALLOC_DIR", str(tmp_path))
    for key in ["next-up/2026-06-01", "ünï cödé", "a"]:
        assert ia._scope_filename(key) == ref_ia._scope_filename(key)
    got = [ia.allocate(None, "s"), ref_ia.allocate(None, "s"), ia.allocate(None, "s", start=100),
           ref_ia.allocate(None, "s")]
    assert got == [1, 2, 3, 4]
    assert ia.peek(None, "s") == ref_ia.peek(None, "s") == 4
    assert ia.peek(None, "other") is None
    with pytest.raises(ValueError):
        ia.allocate(None, "")


def test_id_alloc_busy_lock_is_a_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("DISPATCH_ID_ALLOC_DIR", str(tmp_path))
    lock = tmp_path / (ia._scope_filename("s") + ".lock")
    from dos import _filelock
    _filelock.write_lock(lock, "someone-else")
    with pytest.raises(TimeoutError):
        ia.allocate(None, "s", retries=2, retry_interval=0.001)


def test_run_id_mint_and_run_json(tmp_path):
    kw = dict(clock_ms=lambda: 1780000000000, entropy=lambda: 0x3FFFFFFF)
    ours, ref = rid.mint("fanout", **kw), ref_rid.mint("fanout", **kw)
    assert ours.to_dict() == ref.to_dict()
    child = rid.mint("x", parent=ours, clock_ms=lambda: 5, entropy=lambda: 7)
    ref_child = ref_rid.mint("x", parent=ref, clock_ms=lambda: 5, entropy=lambda: 7)
    assert child.to_dict() == ref_child.to_dict()
    assert rid.lineage_env(child) == ref_rid.lineage_env(ref_child)
    env = rid.lineage_env(child)
    assert rid.mint_child_from_env("y", env=env, **kw).to_dict() == ref_rid.mint_child_from_env("y", env=env, **kw).to_dict()
    a, b = rid.mint("t"), rid.mint("t")
    assert a.run_id != b.run_id and rid.is_run_id(a.run_id) and rid.ts_ms_of(a.run_id) == a.ts_ms
    p = rid.write_run_json(tmp_path / "r", child)
    ref_p = ref_rid.write_run_json(tmp_path / "q", ref_child)
    assert p.read_bytes() == ref_p.read_bytes()
    assert ref_rid.read_run_json(tmp_path / "r") == rid.read_run_json(tmp_path / "q") == child.to_dict()


def test_verdict_journal_both_ways(tmp_path):
    p = tmp_path / "verdict-journal.jsonl"
    assert vj.record(vj.VerdictEvent("liveness", "STALLED", run_id="RID-1", detail={"age_ms": 5}), path=p)
    assert ref_vj.record(ref_vj.VerdictEvent("verify", "SHIPPED", run_id="RID-1"), path=p)
    assert vj.record(vj.VerdictEvent("efficiency", "WASTEFUL\u2028x"), path=p)
    ours, ref = vj.read_events(p), ref_vj.read_events(p)
    assert [dataclasses.asdict(e) for e in ours] == [dataclasses.asdict(e) for e in ref]
    assert [e.seq for e in ref] == [1, 2, 3]
    assert vj.rollup(ours).to_dict() == ref_vj.rollup(ref).to_dict()
    assert vj.count_corrupt(vj.read_all(p)) == 0
    assert not vj.record(vj.VerdictEvent("x", "\ud800"), path=p)


def test_intent_ledger_both_ways(tmp_path):
    p = tmp_path / "RID-1" / "intent.jsonl"
    il.append("RID-1", il.intent_entry(goal="ship", declared_steps=["s1", "s2"], step_regions={"s1": ["src/**"]}),
              path=p)
    ref_il.append("RID-1", ref_il.step_claimed_entry("s1", "abc"), path=p)
    il.append("RID-1", il.step_verified_entry("s1", "abc", via="file-path", verdicts=["SHIPPED"]), path=p)
    il.append("RID-1", il.suspend_entry(reason="r", resume_sha="abc",
                                        checkpoint=il.SuspendCheckpoint(3, "d", True)), path=p)
    with open(p, "a", encoding="utf-8") as f:
        f.write('{"op": "INTENT", "schema": {"family": "intent-ledger", "version": 2}}\n')
    ours, ref = il.read_all(path=p), ref_il.read_all(path=p)
    assert [{k: v for k, v in e.items() if k != "_unreadable"} for e in ours] == \
        [{k: v for k, v in e.items() if k != "_unreadable"} for e in ref]
    assert dataclasses.asdict(il.replay(ours)) == dataclasses.asdict(ref_il.replay(ref))
    assert il.replay(ours).unreadable_newer


def test_export_cursor_both_ways(tmp_path):
    p = tmp_path / "export-cursor"
    assert ec.write_cursor(41, p, transport="otlp")
    assert ref_ec.read_cursor(p, transport="otlp") == 41
    assert ref_ec.write_cursor(42, p)
    assert ec.read_cursor(p) == 42
    assert ec.resolve_since("auto", path=p) == ref_ec.resolve_since("auto", path=p) == (42, True)
    assert ec.resolve_since(" 7 ") == ref_ec.resolve_since(" 7 ") == (7, False)
    with pytest.raises(ValueError):
        ec.resolve_since("x")
    assert ec.cursor_path(p, transport="file") == ref_ec.cursor_path(p, transport="file")


def test_accelerated_id_and_cursor_functions_answer_as_the_reference(tmp_path):
    import os

    import dos_native
    from dos import config as rc

    cfg = rc.default_config(tmp_path, gather_env=False)
    cursor = tmp_path / "export-cursor"

    def script():
        out = [ref_ia.allocate(cfg, "scope/a"), ref_ia.allocate(cfg, "scope/a"), ref_ia.peek(cfg, "scope/a"),
               ref_ia.peek(cfg, "never")]
        tok = ref_rid.mint("fanout", clock_ms=lambda: 1780000000000, entropy=lambda: 0x3FFFFFFF).run_id
        out += [ref_rid.is_run_id(tok), ref_rid.ts_ms_of(tok), ref_rid.is_run_id("rid-x"), ref_rid.ts_ms_of("x")]
        ref_ec.write_cursor(41, path=cursor)
        out += [ref_ec.read_cursor(path=cursor), ref_ec.resolve_since("auto", path=cursor),
                ref_ec.resolve_since("7", path=cursor)]
        return out

    env = dict(os.environ)
    os.environ["DISPATCH_ID_ALLOC_DIR"] = str(tmp_path / "plain")
    try:
        plain = script()
        swapped = dos_native.accelerate()
        assert "dos.id_alloc.allocate" in swapped and "dos.export_cursor.read_cursor" in swapped
        os.environ["DISPATCH_ID_ALLOC_DIR"] = str(tmp_path / "fast")
        fast = script()
    finally:
        dos_native.restore()
        os.environ.clear()
        os.environ.update(env)
    assert fast == plain


def test_run_id_token_checks_are_swapped_through_the_route():
    # The hand swap of is_run_id/ts_ms_of ran about five times slower than the
    # reference (0.2x); through the generic route binder they are faster
    # (docs/benchmarks.md, "run_id on the generated route"), so accelerate()
    # swaps them (_mapping.RUN_ID), and only them of run_id by default.
    import dos_native

    dos_native.accelerate()
    try:
        names = dos_native.accelerated()
        assert "dos.run_id.is_run_id" in names and "dos.run_id.ts_ms_of" in names
        assert not any(n.startswith("dos.run_id.") and n.rsplit(".", 1)[1] not in ("is_run_id", "ts_ms_of")
                       for n in names)
        assert ref_rid.is_run_id("RID-1KSR49200ZZZZZZ") and ref_rid.ts_ms_of("RID-1KSR49200ZZZZZZ") == 1780000000000
        assert not ref_rid.is_run_id(object()) and ref_rid.ts_ms_of(None) is None
    finally:
        dos_native.restore()
