"""`intervention.choose_intervention`'s hand fast path (python/src/intervention_fast.rs).

With the module's own default policy and ladder the fast path answers from
outcomes worked out at bind time; these tests check it against the
reference over every confidence shape, that it hands what it does not take
to the generic route binder (which hands on to the reference), and that the
typed module's answers equal the envelope's.
"""
import dataclasses

import pytest

dos = pytest.importorskip("dos")
import dos.arg_provenance as ap  # noqa: E402
import dos.intervention as iv  # noqa: E402

import dos_native  # noqa: E402
from dos_native import _native  # noqa: E402
from dos_native import arg_provenance as TA  # noqa: E402
from dos_native import intervention as TI  # noqa: E402

ORIGINAL = iv.choose_intervention
CHOOSE = "intervention.choose_intervention"


def _arg(A, name, stance, checked, unmatched):
    return A.ArgProvenance(arg_name=name, value_repr="'x'", stance=stance, id_shaped=True, is_reference=True,
                           matched_in=(), components_checked=checked, components_unmatched=unmatched, reason="r")


def _verdicts(A):
    U, S, N = A.ProvenanceStance.UNSUPPORTED, A.ProvenanceStance.SUPPORTED, A.ProvenanceStance.ABSTAIN
    high = _arg(A, "incident_id", U, ("9999999",), ("9999999",))
    low = _arg(A, "ids", U, ("1", "2"), ("2",))
    ok = _arg(A, "note", S, ("7",), ())
    na = _arg(A, "body", N, (), ())
    out = []
    for believe, args, unsupported in [
        (True, (ok,), ()),
        (False, (), ()),
        (False, (high,), ("incident_id",)),
        (False, (low,), ("ids",)),
        (False, (low, high, ok), ("ids", "incident_id")),
        (False, (ok, na), ("note",)),  # unsupported named, no UNSUPPORTED arg: LOW
        (True, (high,), ("incident_id",)),
        (False, (high,), ("ïd", "名前", "a, b", "")),
    ]:
        out.append(A.ProvenanceVerdict(believe=believe, args=args, unsupported=unsupported, reason="r"))
    return out


@pytest.fixture
def traced():
    calls = []
    _native._route_trace(calls.append)
    dos_native.accelerate()
    try:
        yield calls
    finally:
        _native._route_trace(None)
        dos_native.restore()


def test_the_fast_path_serves_the_defaults_and_falls_to_the_route(traced):
    fn = iv.choose_intervention
    assert CHOOSE in _native.fast_ops()
    # the fast path's fallback is the generic route binder, whose own is the reference
    assert type(fn.__self__.fallback).__name__ == "NativeCallable"
    assert fn.__wrapped__ is ORIGINAL
    for v in _verdicts(ap):
        got, want = fn(v), ORIGINAL(v)
        assert type(got) is iv.InterventionDecision
        assert got.intervention is want.intervention and got.confidence is want.confidence
        assert got.rung is want.rung  # the ladder's own rung object, as the reference returns it
        assert got.disruption_cost == want.disruption_cost and got.unsupported is v.unsupported
        assert fn(v, iv.DEFAULT_POLICY, ladder=iv.BASE_INTERVENTIONS).to_dict() == got.to_dict()
    assert traced.count(CHOOSE) == 2 * len(_verdicts(ap))


def test_what_the_fast_path_does_not_take_is_answered_as_the_reference_does(traced):
    v = _verdicts(ap)[2]
    policy = iv.InterventionPolicy(on_high_confidence="WARN")
    lone = dataclasses.replace(v, unsupported=("bad\udc80name",))

    class Sub(ap.ProvenanceVerdict):
        pass

    sub = Sub(believe=False, args=v.args, unsupported=v.unsupported, reason="r")
    for call in (lambda f: f(v, policy), lambda f: f(lone), lambda f: f(sub), lambda f: f(v, ladder=iv.BASE_INTERVENTIONS.extend(()))):
        got, want = call(iv.choose_intervention), call(ORIGINAL)
        assert (got.intervention, got.confidence, got.rung, got.unsupported) == (
            want.intervention, want.confidence, want.rung, want.unsupported)
    with pytest.raises(TypeError):
        iv.choose_intervention(v, policy, iv.BASE_INTERVENTIONS, 4)


def test_typed_fast_answers_equal_the_envelope():
    for v in _verdicts(TA):
        if any("\udc80" in n for n in v.unsupported):
            continue
        got = TI.choose_intervention(v)
        want = _native.dispatch(CHOOSE, {"verdict": v.to_dict()})
        assert got.to_dict() == want
        assert got.rung is next(s for s in TI.BASE_INTERVENTIONS.specs if s.token == got.rung.token)
