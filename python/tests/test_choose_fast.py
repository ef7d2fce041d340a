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


# ---------------------------------------------------------------- assess_confidence, synthetic_corrective_result
# Their fast paths (the same file) read the verdict as choose_intervention's
# does; neither takes a policy, so every call of the right shape is served.
ASSESS = "intervention.assess_confidence"
SYNTH = "intervention.synthetic_corrective_result"
ORIGINAL_ASSESS = iv.assess_confidence
ORIGINAL_SYNTH = iv.synthetic_corrective_result


def _synth_calls(v):
    return [((v, "update_incident"), {}), ((v, "update_incident", "get_incident"), {}),
            ((v,), {"tool_name": "t", "read_tool_hint": ""}), ((v, "名前 tool", "ïd\n"), {}),
            ((), {"read_tool_hint": "h", "tool_name": "t", "verdict": v})]


def test_assess_and_synth_fast_paths_answer_as_the_reference(traced):
    assert {ASSESS, SYNTH} <= set(_native.fast_ops())
    for v in _verdicts(ap):
        assert iv.assess_confidence(v) is ORIGINAL_ASSESS(v)
        assert iv.assess_confidence(verdict=v) is ORIGINAL_ASSESS(v)
        for args, kw in _synth_calls(v):
            got, want = iv.synthetic_corrective_result(*args, **kw), ORIGINAL_SYNTH(*args, **kw)
            # the decision fields; error and remediation are our prose with the same names in them
            assert [k for k in got] == [k for k in want]
            assert got["status"] == want["status"] and got["dos_blocked"] is True
            assert got["unresolved"] == want["unresolved"]
            tool = kw.get("tool_name", args[1] if len(args) > 1 else None)
            assert f"`{tool}`" in got["error"] and f"`{tool}`" in got["remediation"]
    n = len(_verdicts(ap))
    assert traced.count(ASSESS) == 2 * n and traced.count(SYNTH) == len(_synth_calls(None)) * n


def test_assess_and_synth_decline_what_they_do_not_take(traced):
    v = _verdicts(ap)[4]

    class Sub(ap.ProvenanceVerdict):
        pass

    class S(str):
        pass

    sub = Sub(believe=False, args=v.args, unsupported=v.unsupported, reason="r")
    assert iv.assess_confidence(sub) is ORIGINAL_ASSESS(sub)
    for args in [(sub, "t"), (v, "bad\udc80tool"), (v, S("t")), (v, "t", "hint\udc80"), (v, 7)]:
        got, want = iv.synthetic_corrective_result(*args), ORIGINAL_SYNTH(*args)
        assert got["unresolved"] == want["unresolved"] and got["status"] == want["status"]
    assert traced.count(ASSESS) == 0 and traced.count(SYNTH) == 0
    for call in (lambda f: f(), lambda f: f(v, "t", "h", "x"), lambda f: f(v, tool="t")):
        with pytest.raises(TypeError):
            call(iv.synthetic_corrective_result)
    with pytest.raises(TypeError):
        iv.assess_confidence(v, v)


def test_typed_assess_and_synth_equal_the_envelope():
    for v in _verdicts(TA):
        if any("\udc80" in n for n in v.unsupported):
            continue
        assert TI.assess_confidence(v).value == _native.dispatch(ASSESS, {"verdict": v.to_dict()})
        for args, kw in _synth_calls(v):
            a = dict(zip(("verdict", "tool_name", "read_tool_hint"), args), **kw)
            want = _native.dispatch(SYNTH, {**a, "verdict": v.to_dict()})
            assert TI.synthetic_corrective_result(*args, **kw) == want
