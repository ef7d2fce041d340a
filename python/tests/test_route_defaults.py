"""A parameter's default object laid out once by the native route binder.

The binder lays out a default (the reference's default policy, its base
ladder) at bind time and reuses it only while a structural check proves the
object unchanged: each record's type, its instance dict and every field's
value by identity (issue 9 item 6). These tests mutate the reference's own
defaults in every way a caller can and check that the swapped function then
answers what the reference answers on the mutated object, and that a
default the binder cannot follow is handed to the original.
"""
import contextlib
import dataclasses

import pytest

dos = pytest.importorskip("dos")
import dos.arg_provenance as ap  # noqa: E402
import dos.intervention as iv  # noqa: E402

import dos_native  # noqa: E402
from dos_native import _adapter, _native  # noqa: E402
from dos_native._adapter import Route  # noqa: E402

CHOOSE = "intervention.choose_intervention"
ORIGINAL = iv.choose_intervention


def _verdict(arg="INC9999999"):
    prior = ap.PriorResults((ap.EnvBlob('{"number": "INC0010023"}', ap.CorpusSource.TOOL_RESULT),))
    return ap.classify_call(ap.ToolCall("update", (ap.ToolArg("incident_id", arg), ap.ToolArg("note", "hi"))), prior)


def _same(got, want):
    assert type(got) is type(want)
    assert got.intervention is want.intervention and got.confidence is want.confidence
    assert got.rung == want.rung and got.disruption_cost == want.disruption_cost
    assert got.unsupported == want.unsupported


def _reference(v):
    dos_native.restore()
    try:
        return iv.choose_intervention(v)
    finally:
        dos_native.accelerate()


@contextlib.contextmanager
def _edited(obj, name, value):
    """`name` of a frozen default set to `value` in place, then put back."""
    keep = getattr(obj, name)
    object.__setattr__(obj, name, value)
    try:
        yield keep
    finally:
        object.__setattr__(obj, name, keep)


def test_the_defaults_are_served_natively(traced):
    v = _verdict()
    for _ in range(3):
        _same(iv.choose_intervention(v), ORIGINAL(v))
    assert traced.count(CHOOSE) == 3


@pytest.mark.parametrize("name, value", [
    ("on_high_confidence", lambda p: "OBSERVE"),
    ("__dict__", lambda p: dict(p.__dict__, on_high_confidence="OBSERVE", ceiling="BLOCK")),
], ids=["a field set", "its dict replaced"])
def test_a_default_policy_edited_in_place_is_read_afresh(traced, name, value):
    v = _verdict()
    policy = iv.DEFAULT_POLICY
    before = iv.choose_intervention(v)
    with _edited(policy, name, value(policy)):
        got = iv.choose_intervention(v)
        _same(got, _reference(v))
        assert got.intervention is not before.intervention
    _same(iv.choose_intervention(v), before)
    assert traced.count(CHOOSE) == 3


def test_a_default_rung_edited_in_place_is_read_afresh(traced):
    v = _verdict()
    ladder = iv.BASE_INTERVENTIONS
    before = iv.choose_intervention(v)
    rung = next(s for s in ladder.specs if s.token == before.intervention.value)
    with _edited(rung, "rank", rung.rank + 1000):
        got = iv.choose_intervention(v)
        _same(got, _reference(v))
        assert got.rung is rung and got.disruption_cost != before.disruption_cost
    _same(iv.choose_intervention(v), before)
    assert traced.count(CHOOSE) == 3


def test_a_default_ladder_given_new_rungs_is_read_afresh(traced):
    v = _verdict()
    ladder = iv.BASE_INTERVENTIONS
    before = iv.choose_intervention(v)
    fresh = tuple(dataclasses.replace(s, summary=s.summary + " (new)") for s in ladder.specs)
    with _edited(ladder, "specs", fresh):
        got = iv.choose_intervention(v)
        _same(got, _reference(v))
        assert got.rung in fresh and any(got.rung is s for s in fresh)
    assert iv.choose_intervention(v).rung is before.rung
    assert traced.count(CHOOSE) == 3


def test_a_default_whose_class_is_swapped_goes_to_the_original(traced):
    v = _verdict()
    policy = iv.DEFAULT_POLICY

    @dataclasses.dataclass(frozen=True)
    class Mine(iv.InterventionPolicy):
        pass

    with _edited(policy, "__class__", Mine):
        _same(iv.choose_intervention(v), _reference(v))
        assert traced.count(CHOOSE) == 0
    iv.choose_intervention(v)
    assert traced.count(CHOOSE) == 1


def test_a_default_the_binder_cannot_lay_out_goes_to_the_original():
    """A default of a subclass is neither laid out at bind time nor served."""

    @dataclasses.dataclass(frozen=True)
    class Mine(iv.InterventionPolicy):
        pass

    mine = Mine(on_high_confidence="WARN")

    def choose(verdict, policy=mine, ladder=iv.BASE_INTERVENTIONS):
        return ORIGINAL(verdict, policy, ladder)

    fn = _adapter.bind(Route("dos.intervention", "choose_intervention", CHOOSE), iv, choose)
    assert getattr(fn, "__dos_native_op__", None) == CHOOSE
    calls = []
    _native._route_trace(calls.append)
    try:
        v = _verdict()
        _same(fn(v), choose(v))
        assert calls == []
        # an exact policy passed in is served
        _same(fn(v, iv.InterventionPolicy()), ORIGINAL(v))
        assert calls == [CHOOSE]
    finally:
        _native._route_trace(None)


def test_a_default_with_a_big_int_goes_to_the_original():
    """A default the plan refuses (an int too wide for the op) is not laid
    out; the call it feeds goes to the original."""
    big = dataclasses.replace(iv.BASE_INTERVENTIONS.specs[0], rank=10**30)
    ladder = iv.InterventionLadder(specs=(big,) + iv.BASE_INTERVENTIONS.specs[1:], default_token="WARN")

    def choose(verdict, policy=iv.DEFAULT_POLICY, ladder=ladder):
        return ORIGINAL(verdict, policy, ladder)

    fn = _adapter.bind(Route("dos.intervention", "choose_intervention", CHOOSE), iv, choose)
    calls = []
    _native._route_trace(calls.append)
    try:
        v = _verdict()
        _same(fn(v), choose(v))
        assert calls == []
    finally:
        _native._route_trace(None)
