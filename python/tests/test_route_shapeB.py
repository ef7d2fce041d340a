"""Output shape, part B, on the generated route (issue 10): `coverage`
(classify_coverage) and `improve` (classify). The typed modules replay the
golden corpus; the reference's functions swapped by accelerate() answer the
corpus's calls natively, with the reference's own result types, and agree
with the reference on every decision field (reasons are our own words); they
fall back to the reference where they cannot serve."""
import dataclasses
import inspect
import json
import pathlib
import sys

import pytest

import dos_native
from dos_native import _adapter

cov_ref = pytest.importorskip("dos.coverage")
im_ref = pytest.importorskip("dos.improve")

from dos_native import coverage, improve  # noqa: E402

GEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden"
if str(GEN) not in sys.path:
    sys.path.insert(0, str(GEN))

from gen import coverage as gen_cov  # noqa: E402
from gen import improve as gen_im  # noqa: E402

MODULES = {"coverage": coverage, "improve": improve}
SWAPS = {cov_ref: ["classify_coverage"], im_ref: ["classify"]}


def _records(golden_dir, op):
    from conftest import read_golden

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


def _ops(golden_dir, module):
    return sorted(p.name[: -len(".jsonl.gz")] for p in golden_dir.glob(f"{module}.*.jsonl.gz"))


def test_every_op_is_typed_and_has_a_corpus(golden_dir):
    cat = dos_native.dispatch("ops")
    for module in MODULES:
        ops = [o for o in cat["ops"] if o["op"].startswith(module + ".")]
        assert ops and all(o["typed"] for o in ops)
        # the ops that read files are checked on real files (test_route_shapeA.py)
        pure = {o["op"] for o in ops if o["effect"] == "pure"}
        assert pure == set(_ops(golden_dir, module))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_typed_functions_replay_the_golden_corpus(golden_dir, module):
    from _typed_replay import replay_module

    assert replay_module(golden_dir, module, MODULES[module]) >= 300


def test_typed_functions_take_typed_records():
    v = coverage.classify_coverage(3, [coverage.ReturnState(coverage.TerminalState.HEALTHY),
                                       coverage.ReturnState(coverage.TerminalState.SYNTHETIC,
                                                            cls=coverage.TerminalClass.RATE_LIMIT)],
                                   coverage.CoveragePolicy(min_quorum=0.3))
    assert v.state is coverage.Coverage.UNDERFILLED and v.dead_classes == [("RATE_LIMIT", 1)]
    assert v.quorum_met is True and v.unaccounted == 1 and v.fraction == 0.3333
    d = improve.classify(improve.CandidateEvidence(suite_passed=True, truth_clean=True, work=2, baseline_work=1))
    assert d.verdict is improve.Candidate.KEEP and d.revert_cause is None and d.evidence.delta == 1


def test_bad_args_name_the_field():
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("coverage.classify_coverage", {"declared": 2, "returns": [{"state": "ok"}]})
    assert e.value.code == "BAD_ARGS" and "args.returns" in str(e.value)
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("improve.classify", {"evidence": {"suite_passed": True, "truth_clean": True,
                                                              "tokens": -1}})
    assert e.value.code == "BAD_ARGS" and "args.evidence" in str(e.value) and "tokens" in str(e.value)
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("improve.classify", {"evidence": {"suite_passed": True, "truth_clean": True},
                                                 "policy": {"max_consecutive_reverts": 0}})
    assert e.value.code == "BAD_ARGS" and "args.policy" in str(e.value)


# ------------------------------------------------------------------ the adapter

@pytest.fixture
def native_calls(monkeypatch):
    """accelerate() on (these routes registered whether or not they are in
    the default set), counting the calls libdos answered."""
    from dos_native._mapping import OUTPUT_SHAPE_B

    calls = []
    real = _adapter._native.dispatch

    def counting(op, *a, **k):
        calls.append(op)
        return real(op, *a, **k)

    monkeypatch.setattr(_adapter._native, "dispatch", counting)
    # The native route callables run their op without `dispatch`: they
    # report each op they run to the trace hook.
    _adapter._native._route_trace(calls.append)
    _adapter.register(OUTPUT_SHAPE_B)
    dos_native.accelerate()
    try:
        yield calls
    finally:
        _adapter._native._route_trace(None)
        dos_native.restore()


def test_swaps_keep_the_reference_signature(native_calls):
    for mod, names in SWAPS.items():
        for name in names:
            fn = getattr(mod, name)
            assert getattr(fn, "__dos_native_op__", None) == f"{mod.__name__[4:]}.{name}", name
            assert inspect.signature(fn) == inspect.signature(fn.__wrapped__), name


def _ref_args(op, args):
    """The golden args as the reference's own objects (None: not buildable)."""
    try:
        if op == "coverage.classify_coverage":
            kw = {"declared": gen_cov._int(args["declared"]), "returns": [gen_cov.return_of(r) for r in args["returns"]]}
            if "policy" in args:
                kw["policy"] = gen_cov.policy_of(args["policy"])
            return kw
        kw = {"evidence": gen_im.typed(im_ref.CandidateEvidence, args["evidence"], gen_im.EVIDENCE)}
        if "policy" in args:
            kw["policy"] = gen_im.typed(im_ref.ImprovePolicy, args["policy"], gen_im.POLICY)
        return kw
    except Exception:  # noqa: BLE001 - the reference cannot build them: nothing to compare
        return None


def _decision(result):
    d = result.to_dict()
    d.pop("reason")
    return d


def test_accelerated_functions_agree_with_the_reference(golden_dir, native_calls):
    for mod, names in SWAPS.items():
        for name in names:
            op = f"{mod.__name__[4:]}.{name}"
            fn = getattr(mod, name)
            checked = served = 0
            for place, rec in _records(golden_dir, op):
                kw = _ref_args(op, json.loads(rec["request"])["args"])
                if kw is None:
                    continue
                before = len(native_calls)
                got = fn(**kw)
                served += len(native_calls) > before
                want = fn.__wrapped__(**kw)
                assert type(got) is type(want), place
                assert _decision(got) == _decision(want), place
                if op == "coverage.classify_coverage":
                    # the reference's own prompt line: built from the same partition
                    assert got.prompt_line == want.prompt_line, place
                else:
                    assert got.evidence == want.evidence, place
                    assert type(got.escalation) is type(want.escalation), place
                checked += 1
            assert checked >= 300 and served == checked, (op, checked, served)


def test_results_are_the_reference_types(native_calls):
    from dos.result_state import ResultStateVerdict, TerminalClass, TerminalState

    H, S = TerminalState.HEALTHY, TerminalState.SYNTHETIC
    dead = ResultStateVerdict(state=S, dead=True, cls=TerminalClass.USAGE_LIMIT, api_status=403)
    v = cov_ref.classify_coverage(4, (H, dead, cov_ref.ReturnState(S, "w2")), cov_ref.CoveragePolicy(min_quorum=0.25))
    assert [c for c in native_calls if c != "ops"] == ["coverage.classify_coverage"]
    assert type(v) is cov_ref.CoverageVerdict and v.state is cov_ref.Coverage.UNDERFILLED
    assert v.dead_classes == (("USAGE_LIMIT", 1),) and v.quorum_met is True and v.unaccounted == 1
    assert "usage-limit" in v.prompt_line and v.fraction == 0.25
    ev = im_ref.CandidateEvidence(suite_passed=False, truth_clean=True, consecutive_reverts=2)
    d = im_ref.classify(ev)
    assert native_calls[-1] == "improve.classify"
    assert type(d) is im_ref.CandidateVerdict and d.verdict is im_ref.Candidate.ESCALATE
    assert d.revert_cause is im_ref.RevertCause.REGRESSED and d.escalation is im_ref.breaker.Escalation.HUMAN
    assert d.evidence == ev and d.next_consecutive_reverts == 3 and not d.is_keep


def test_the_adapter_falls_back_where_it_cannot_serve(native_calls):
    from dos.result_state import ResultStateVerdict, TerminalState

    # An object that is no return: the reference raises TypeError, as it would.
    with pytest.raises(TypeError):
        cov_ref.classify_coverage(3, [object()])
    # A slot holding a plain str state: the reference counts it its own way (a death).
    odd = cov_ref.ReturnState("HEALTHY")
    assert cov_ref.classify_coverage(1, [odd]).dead == 1 == cov_ref.classify_coverage.__wrapped__(1, [odd]).dead
    # A generator of returns, a bool declared count.
    assert cov_ref.classify_coverage(2, (s for s in [TerminalState.HEALTHY])).healthy == 1
    assert cov_ref.classify_coverage(True, [TerminalState.HEALTHY]).state is cov_ref.Coverage.FULL
    # A count past 64 bits, a float metric: the reference answers.
    big = im_ref.CandidateEvidence(suite_passed=True, truth_clean=True, work=2**70, baseline_work=1)
    assert im_ref.classify(big).evidence.delta == 2**70 - 1
    flt = im_ref.CandidateEvidence(suite_passed=True, truth_clean=True, work=1.5, baseline_work=1)
    assert im_ref.classify(flt).verdict is im_ref.Candidate.KEEP
    assert [c for c in native_calls if c != "ops"] == []
    # A verdict whose class is None: the hand fast path reads it as the
    # reference does (python/src/audit_fast.rs).
    assert cov_ref.classify_coverage(2, [ResultStateVerdict(TerminalState.SYNTHETIC, True, None)]).dead == 1
    assert native_calls.pop() == "coverage.classify_coverage"
    # A subclass of the evidence: the reference's to answer.

    @dataclasses.dataclass(frozen=True)
    class Mine(im_ref.CandidateEvidence):
        pass

    assert im_ref.classify(Mine(suite_passed=True, truth_clean=True)).verdict is im_ref.Candidate.REVERT
    assert [c for c in native_calls if c != "ops"] == []


def test_coverage_from_transcripts_folds_natively_under_accelerate(tmp_path, native_calls):
    """`coverage_from_transcripts` is one native op: the transcripts are
    read and verified in libdos and folded there."""
    healthy = {"type": "assistant", "message": {"model": "m", "role": "assistant", "content": "found it"}}
    dead = {"type": "assistant", "isApiErrorMessage": True, "apiErrorStatus": 429,
            "message": {"model": "<synthetic>", "role": "assistant",
                        "content": [{"type": "text", "text": "API Error: Rate limited"}]}}
    paths = []
    for i, rec in enumerate([healthy, dead, healthy]):
        p = tmp_path / f"w{i}.jsonl"
        p.write_text(json.dumps(rec) + "\n", encoding="utf-8")
        paths.append(str(p))
    paths.append(str(tmp_path / "missing.jsonl"))
    got = cov_ref.coverage_from_transcripts(5, paths)
    # (one native op reads, verifies and folds the transcripts)
    assert [c for c in native_calls if c.startswith("coverage.")] == ["coverage.coverage_from_transcripts"]
    dos_native.restore()
    want = cov_ref.coverage_from_transcripts(5, paths)
    assert _decision(got) == _decision(want)
    assert got.dead_classes == (("RATE_LIMIT", 1),) and got.unreadable == 1 and got.unaccounted == 1
