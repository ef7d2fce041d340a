"""The witness chain on the generated route, from Python (issue 10): the typed
modules replay the corpus, and the reference's own functions, swapped by
accelerate(), answer the corpus's calls natively with the reference's own
result types (checked call by call against the recorded decisions)."""
import dataclasses
import importlib
import json
import pathlib
import sys

import pytest

import dos_native
from dos_native import _adapter
from dos_native._route import to_plain

pytest.importorskip("dos.evidence")

GEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden"
if str(GEN) not in sys.path:
    sys.path.insert(0, str(GEN))

from gen import common  # noqa: E402

OPS = {
    "log_source": ["gather_log"],
    "evidence": ["gather_evidence", "believe_under_floor", "derived_witness"],
    "effect_witness": ["witness_effect"],
    "reward": ["admit", "acceptance_ab"],
    "attest": ["canonical_bytes", "sign_hmac", "verify_hmac", "receipt_from_verdict", "receipt_from_dict"],
    "testwitness": ["classify"],
}
ROUTED = [m for m in OPS if hasattr(dos_native, "_routed") and m in dos_native._routed.__all__]
ALL_OPS = [f"{m}.{f}" for m in ROUTED for f in OPS[m] if (GEN / "cases" / f"{m}.{f}.jsonl.gz").exists()]
for m in ROUTED:
    importlib.import_module(f"gen.{m}")


def _records(op):
    from conftest import read_golden

    yield from read_golden(GEN / "cases" / f"{op}.jsonl.gz")


def _drop(v, path):
    *parents, leaf = path.split(".")
    for p in parents:
        v = v[int(p)] if isinstance(v, list) else v.get(p) if isinstance(v, dict) else None
    if isinstance(v, dict):
        v.pop(leaf, None)


def _decisions(rec, got):
    want = json.loads(rec["exact"]) if rec["exact"] is not None else rec["expected"]
    for path in rec["prose"]:
        _drop(got, path)
        _drop(want, path)
    return got, want


@pytest.mark.parametrize("op", ALL_OPS)
def test_typed_functions_replay_the_corpus(op):
    mod, fn = op.split(".")
    f = getattr(importlib.import_module(f"dos_native.{mod}"), fn)
    n = 0
    for place, rec in _records(op):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                f(**args)
            continue
        got, want = _decisions(rec, to_plain(f(**args)))
        assert got == want, f"{place}: {rec['request']}"
        n += 1
    assert n >= 50


def _swap_witness_chain():
    """The witness chain is declared but not swapped by default (slower than
    the reference through the generic route); register it for these tests."""
    from dos_native._mapping import SLOWER

    _adapter.register(SLOWER)


def test_the_slower_leaves_are_not_swapped_by_default():
    from dos_native import _accelerate
    from dos_native._mapping import SLOWER

    names = {(r.module, r.function) for r in SLOWER}
    # A fresh interpreter: what accelerate() swaps without being asked.
    import subprocess, sys
    code = ("import dos_native; swapped = set(dos_native.accelerate()); "
            f"print(sorted(n for n in swapped if tuple(n.rsplit('.', 1)) in {sorted(names)!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out


@pytest.fixture
def native_calls(monkeypatch):
    """accelerate() on, counting the calls libdos answered."""
    calls = []
    real = _adapter._native.dispatch

    def counting(op, *a, **k):
        calls.append(op)
        return real(op, *a, **k)

    monkeypatch.setattr(_adapter._native, "dispatch", counting)
    # The native route callables run their op without `dispatch`: they
    # report each op they run to the trace hook.
    _adapter._native._route_trace(calls.append)
    _swap_witness_chain()
    dos_native.accelerate()
    try:
        yield calls
    finally:
        _adapter._native._route_trace(None)
        dos_native.restore()


@pytest.mark.parametrize("op", ALL_OPS)
def test_accelerated_reference_replays_the_corpus(op, native_calls):
    """The corpus runners call the reference's functions; with accelerate() on
    those are the swapped ones, and must give the recorded decisions (or
    raise as the reference does), answering natively."""
    mod, fn = op.split(".")
    ref = importlib.import_module(f"dos.{mod}")
    if not hasattr(getattr(ref, fn, None), "__dos_native_op__"):
        pytest.skip(f"dos.{op} is not swapped (a method, served through the typed module only)")
    runner = common.RUNNERS[op]
    served = 0
    for place, rec in _records(op):
        args = json.loads(rec["request"])["args"]
        before = len(native_calls)
        try:
            got = runner.run(args, None)
        except (TypeError, ValueError, KeyError, AttributeError):
            assert rec["error"], f"{place}: raised, but the reference answered"
            continue
        assert not rec["error"], f"{place}: answered, but the reference raised"
        got, want = _decisions(rec, got)
        assert got == want, f"{place}: {rec['request']}"
        served += len(native_calls) > before
    assert served >= 50, f"only {served} calls of {op} were answered natively"


def test_swaps_keep_the_reference_signature():
    import inspect

    _swap_witness_chain()
    dos_native.accelerate()
    try:
        for op in ALL_OPS:
            mod, fn = op.split(".")
            f = getattr(importlib.import_module(f"dos.{mod}"), fn, None)
            if f is None or not hasattr(f, "__dos_native_op__"):
                continue
            assert f.__dos_native_op__ == op
            assert inspect.signature(f) == inspect.signature(f.__wrapped__), op
    finally:
        dos_native.restore()


def test_plugin_sources_and_subclasses_go_to_the_reference(native_calls):
    from dos import evidence as ev
    from dos import log_source as ls

    class Raises:
        name = "boom"
        accountability = ls.Accountability.THIRD_PARTY

        def gather(self, subject, config):
            raise RuntimeError("exploded")

    out = ls.gather_log(Raises(), "s", None)
    assert out.reachable is False and out.accountability is ls.Accountability.THIRD_PARTY
    assert "raised" in out.detail  # the reference's own wording: it ran
    assert native_calls == []
    null = ls.NullLogSource()
    out = ls.gather_log(null, "s", object())
    assert type(out) is ls.LogEvidence and out.accountability is ls.Accountability.AGENT_AUTHORED
    assert native_calls == ["log_source.gather_log"]
    null.name = "renamed"  # an instance attribute: the reference reads it
    assert ls.gather_log(null, "s", None).source_name == "renamed"
    assert len(native_calls) == 1

    @dataclasses.dataclass(frozen=True)
    class Facts(ev.EvidenceFacts):
        pass

    f = Facts("w", ev.Accountability.OS_RECORDED, ev.EvidenceStance.ATTESTED, reachable=True)
    assert ev.believe_under_floor([f]).believe is True
    assert ev.derived_witness("d", "sum", [f], subject="s", within_tol=True).accountability is ev.Accountability.OS_RECORDED
    assert len(native_calls) == 1
    g = ev.EvidenceFacts("w", ev.Accountability.OS_RECORDED, ev.EvidenceStance.ATTESTED, reachable=True)
    v = ev.believe_under_floor((g,))
    assert type(v) is ev.BeliefVerdict and v.attesting == ("w",) and v.believe is True
    d = ev.derived_witness("d", "sum", [g, "not a witness"], subject="s", within_tol=True)
    assert type(d) is ev.EvidenceFacts and d.accountability is ev.Accountability.AGENT_AUTHORED
    assert d.stance is ev.EvidenceStance.ATTESTED
    assert native_calls[1:] == ["evidence.believe_under_floor", "evidence.derived_witness"]
