"""The generated route from Python: the typed modules rendered from the op
table (dos_native.claim_ttl, dos_native.verdict), the op table's schema, and
the generic accelerate() adapter over the reference's own functions."""
import dataclasses
import datetime as dt
import enum
import inspect
import json

import pytest

import dos_native
from dos_native import _adapter, claim_ttl, verdict

ct_ref = pytest.importorskip("dos.claim_ttl")
vd_ref = pytest.importorskip("dos.verdict")

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _records(golden_dir, op):
    from conftest import read_golden

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


def test_ops_describes_every_op_with_an_effect():
    cat = dos_native.dispatch("ops")
    assert {o["op"] for o in cat["ops"]} == set(dos_native.ops()) - {"ops"}
    assert {o["effect"] for o in cat["ops"]} == {"pure", "reads files", "writes files"}
    r = next(o for o in cat["ops"] if o["op"] == "claim_ttl.resolve_ttl_minutes")
    assert [p["name"] for p in r["params"]] == ["claim_status", "claim_kind", "expected_wallclock_minutes", "policy"]
    assert r["params"][3]["default"] == ct_ref.DEFAULT_POLICY.__dict__
    assert r["verdict"] == "int | None"


def test_generated_records_mirror_the_reference():
    ours, theirs = claim_ttl.TtlPolicy(), ct_ref.TtlPolicy()
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert ours.to_dict() == dataclasses.asdict(theirs)
    assert claim_ttl.VALID_CLAIM_KINDS == ct_ref.VALID_CLAIM_KINDS
    assert claim_ttl.VALID_CLAIM_STATUSES == ct_ref.VALID_CLAIM_STATUSES
    assert claim_ttl.DEFAULT_POLICY == claim_ttl.TtlPolicy()
    for name in ("infer_kind", "infer_status", "expected_wallclock", "resolve_ttl_minutes"):
        ref = inspect.signature(getattr(ct_ref, name))
        gen = inspect.signature(getattr(claim_ttl, name))
        assert list(gen.parameters) == list(ref.parameters), name
        assert [p.default is p.empty for p in gen.parameters.values()] == [
            p.default is p.empty for p in ref.parameters.values()
        ], name


def _typed_call(op, args):
    fn = getattr({"claim_ttl": claim_ttl, "verdict": verdict}[op.split(".")[0]], op.split(".")[1])
    kw = dict(args)
    if isinstance(kw.get("policy"), dict):
        kw["policy"] = claim_ttl.TtlPolicy(**kw["policy"])
    return fn(**kw)


@pytest.mark.parametrize("op", [
    "claim_ttl.infer_kind", "claim_ttl.infer_status", "claim_ttl.expected_wallclock",
    "claim_ttl.resolve_ttl_minutes", "claim_ttl.expires_at_from", "verdict.conforms",
])
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    n = 0
    for place, rec in _records(golden_dir, op):
        req = json.loads(rec["request"])
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                _typed_call(op, req["args"])
            continue
        got = _typed_call(op, req["args"])
        assert got == rec["expected"], place
        n += 1
    assert n >= 100


def test_bad_args_name_the_field_path():
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("claim_ttl.resolve_ttl_minutes", {
            "claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 1,
            "policy": {"working_ttl_multiplier": "3"}})
    assert e.value.code == "BAD_ARGS"
    assert "args.policy.working_ttl_multiplier: expected int, got str" in str(e.value)


# ------------------------------------------------------------------ the adapter

@pytest.fixture
def swapped():
    dos_native.accelerate()
    yield
    dos_native.restore()


def test_swaps_keep_the_reference_signature_and_take_keywords(swapped):
    names = ["infer_kind", "infer_status", "expected_wallclock", "resolve_ttl_minutes", "expires_at_from"]
    for name in names:
        fn = getattr(ct_ref, name)
        assert getattr(fn, "__dos_native_op__", None) == f"claim_ttl.{name}", name
        assert inspect.signature(fn) == inspect.signature(fn.__wrapped__), name
    assert vd_ref.conforms.__dos_native_op__ == "verdict.conforms"
    assert ct_ref.resolve_ttl_minutes(claim_status="working", claim_kind="hard",
                                      expected_wallclock_minutes=None) == 90
    pol = ct_ref.TtlPolicy(working_ttl_multiplier=5, default_working_wallclock_minutes=10)
    assert ct_ref.resolve_ttl_minutes("working", "hard", None, policy=pol) == 50
    now = dt.datetime(2026, 6, 4, 1, 0, tzinfo=dt.timezone.utc)
    assert ct_ref.expires_at_from(now=now, ttl_minutes=90) == "2026-06-04T02:30Z"
    assert ct_ref.infer_kind({"dispatched_by": "fanout-1"}, dispatcher_kinds=(("fanout-", "hard"),)) == "hard"


def test_the_adapter_falls_back_where_it_cannot_serve(swapped):
    calls = []

    class Mine(str):
        pass

    # a str subclass, a big int, a bool where an int is expected, an object in
    # the row, a policy subclass: all go to the reference, which answers.
    assert ct_ref.expected_wallclock(Mine("soft"), None) == 90
    assert ct_ref.expected_wallclock("soft", 2**70) == 2**70
    assert ct_ref.expected_wallclock("soft", True) is True
    marker = object()
    assert ct_ref.infer_status({"status": marker}) is marker

    @dataclasses.dataclass(frozen=True)
    class Policy(ct_ref.TtlPolicy):
        pass

    assert ct_ref.resolve_ttl_minutes("working", "hard", None, Policy(working_ttl_multiplier=2)) == 60
    # overflow: libdos refuses, the reference raises its own error
    with pytest.raises(OverflowError):
        ct_ref.expires_at_from(dt.datetime(9999, 12, 31, 23, 59), 5)
    # an aware datetime far from UTC keeps its wall clock, as the reference does
    tz = dt.timezone(dt.timedelta(hours=-7))
    local = dt.datetime(2026, 1, 1, 23, 30, 59, 999999, tzinfo=tz)
    assert ct_ref.expires_at_from(local, 45) == ct_ref.expires_at_from.__wrapped__(local, 45) == "2026-01-02T00:15Z"
    del calls


def test_accelerated_functions_agree_with_the_reference(golden_dir, swapped):
    checked = 0
    for op in ("claim_ttl.infer_kind", "claim_ttl.infer_status", "claim_ttl.expected_wallclock",
               "claim_ttl.resolve_ttl_minutes", "claim_ttl.expires_at_from"):
        fn = getattr(ct_ref, op.split(".")[1])
        for place, rec in _records(golden_dir, op):
            kw = json.loads(rec["request"])["args"]
            if isinstance(kw.get("policy"), dict):
                try:
                    kw["policy"] = ct_ref.TtlPolicy(**kw["policy"])
                except (TypeError, ValueError):
                    continue
            if "now_ms" in kw:
                try:
                    kw["now"] = EPOCH + dt.timedelta(milliseconds=kw.pop("now_ms"))
                except (OverflowError, TypeError):
                    continue
            outcomes = []
            for f in (fn, fn.__wrapped__):
                try:
                    outcomes.append(("ok", f(**kw)))
                except Exception as e:  # noqa: BLE001 - the same exception type either way
                    outcomes.append(("raised", type(e)))
            assert outcomes[0] == outcomes[1], place
            checked += 1
    assert checked > 1000


class _Ship(str, enum.Enum):
    YES = "YES"


def test_conforms_reads_the_object_as_the_reference_does(swapped):
    reads = []

    class Probe:
        @property
        def verdict(self):
            reads.append("verdict")
            return _Ship.YES

        reason = "because"

        def to_dict(self):
            reads.append("to_dict")
            return {"verdict": "YES"}

    assert vd_ref.conforms(Probe()) is True
    native_reads, reads[:] = list(reads), []
    assert vd_ref.conforms.__wrapped__(Probe()) is True
    assert native_reads == reads

    class Raises(Probe):
        def to_dict(self):
            raise RuntimeError("no")

    assert vd_ref.conforms(Raises()) is False

    @dataclasses.dataclass(frozen=True)
    class BoolVerdict:
        verdict: bool = True
        reason: str = "shipped"

        def to_dict(self) -> dict:
            return {"verdict": self.verdict, "reason": self.reason}

    assert vd_ref.conforms(BoolVerdict()) is False
    assert vd_ref.conforms(object()) is False
