"""The native binder of the generic accelerate route (``_native.bind_route``).

Every function on the generated route is swapped for a native route callable:
the conversion plan is compiled once from the op's schema and the reference's
classes, and each call reads the reference's objects directly. These tests
pin what it serves, what it hands back to the reference (subclasses, the
wrong sequence type, plugins, big ints, calls that do not bind), that it
never serves a stale answer for an object mutated between calls, and that an
immutable record the caller passed in comes back as that very object (the
reference returns its ladder's own rung).
"""
import dataclasses
import inspect

import pytest

dos = pytest.importorskip("dos")
import dos.arg_provenance as ap  # noqa: E402
import dos.enforce as en  # noqa: E402
import dos.evidence as ev  # noqa: E402
import dos.intervention as iv  # noqa: E402
import dos.log_source as ls  # noqa: E402
# accelerate() swaps dos.posttool_sensor only once a program has imported it
# (its import reconfigures sys.stdout): import it here, so this file's checks
# of every route do not depend on which test files ran before it.
import dos.posttool_sensor  # noqa: E402,F401

import dos_native  # noqa: E402
from dos_native import _adapter, _native  # noqa: E402
from dos_native._mapping import ROUTES, SLOWER  # noqa: E402

ORIGINAL = {
    "choose": iv.choose_intervention,
    "assess": iv.assess_confidence,
    "believe": ev.believe_under_floor,
    "classify_call": ap.classify_call,
    "run_handler": en.run_handler,
    "gather_log": ls.gather_log,
}


@pytest.fixture
def traced():
    """accelerate() on (the slower leaves too), each op run natively recorded."""
    calls = []
    _native._route_trace(calls.append)
    _adapter.register(SLOWER)
    dos_native.accelerate()
    try:
        yield calls
    finally:
        _native._route_trace(None)
        dos_native.restore()


def _verdict(arg="INC9999999"):
    prior = ap.PriorResults((ap.EnvBlob('{"number": "INC0010023"}', ap.CorpusSource.TOOL_RESULT),))
    return ORIGINAL["classify_call"](
        ap.ToolCall("update", (ap.ToolArg("incident_id", arg), ap.ToolArg("note", "hello"))), prior)


CHOOSE, ASSESS, BELIEVE = "intervention.choose_intervention", "intervention.assess_confidence", "evidence.believe_under_floor"


def _facts():
    return [ev.EvidenceFacts("w", ev.Accountability.OS_RECORDED, ev.EvidenceStance.ATTESTED, reachable=True),
            ev.EvidenceFacts("x", ev.Accountability.AGENT_AUTHORED, ev.EvidenceStance.REFUTED, reachable=True)]


# Routes the native binder declines to compile, which the Python adapter
# serves. None now: a route with a result hook (coverage, improve, judges:
# the reference's classes are not the schema's records) plans only what it
# reads, its arguments, and hands the plain verdict to the hook.
PYTHON_ADAPTER_ONLY: set[str] = set()


def test_every_route_is_a_native_route_callable(traced):
    import importlib

    for r in ROUTES + SLOWER:
        fn = getattr(importlib.import_module(r.module), r.function)
        # A route whose reference reads through a seam (a file primitive a
        # test may replace) is served behind the seam guard; the native
        # callable is what the guard calls while the seam is intact.
        fn = getattr(fn, "__dos_native_fast__", fn)
        if tuple(r.fallback) != ("BAD_ARGS",):
            continue  # falls back on more codes than BAD_ARGS (the git readers): the Python adapter's
        if r.op in PYTHON_ADAPTER_ONLY:
            assert type(fn).__name__ != "NativeCallable", f"{r.op} is served natively now: drop it from the list"
            continue
        assert type(fn).__name__ == "NativeCallable", r.op
        assert fn.__self__.native_op == r.op
        assert fn.__dos_native_op__ == r.op
        assert inspect.signature(fn) == inspect.signature(fn.__wrapped__), r.op


def test_served_natively_and_equal_to_the_reference(traced):
    v = _verdict()
    d = iv.choose_intervention(v)
    assert traced.count(CHOOSE) == 1
    want = ORIGINAL["choose"](v)
    assert type(d) is iv.InterventionDecision and d.intervention is want.intervention
    assert (d.confidence, d.rung, d.disruption_cost, d.unsupported) == (
        want.confidence, want.rung, want.disruption_cost, want.unsupported)
    b = ev.believe_under_floor(_facts())
    assert type(b) is ev.BeliefVerdict and type(b.attesting) is tuple
    assert (b.believe, b.attesting) == (ORIGINAL["believe"](_facts()).believe, ORIGINAL["believe"](_facts()).attesting)
    # keywords, positional and defaults bind as the reference's signature does
    assert iv.choose_intervention(verdict=v, policy=iv.DEFAULT_POLICY).intervention is want.intervention
    assert traced.count(CHOOSE) == 2 and traced.count(BELIEVE) == 1


def test_the_reference_rung_comes_back_as_the_ladder_own_object(traced):
    v = _verdict()
    ladder = inspect.signature(ORIGINAL["choose"]).parameters["ladder"].default
    d = iv.choose_intervention(v)
    assert traced.count(CHOOSE) == 1
    # the reference hands back its ladder's own spec; so does the native route
    assert any(d.rung is s for s in ladder.specs)
    assert any(ORIGINAL["choose"](v).rung is s for s in ladder.specs)
    mine = iv.InterventionLadder(specs=tuple(dataclasses.replace(s, summary=s.summary + "!") for s in ladder.specs),
                                 default_token=ladder.default_token)
    d2 = iv.choose_intervention(v, ladder=mine)
    assert any(d2.rung is s for s in mine.specs) and d2.rung.summary.endswith("!")


def test_subclasses_go_to_the_reference(traced):
    @dataclasses.dataclass(frozen=True)
    class Verdict(ap.ProvenanceVerdict):
        pass

    v = _verdict()
    sub = Verdict(**{f.name: getattr(v, f.name) for f in dataclasses.fields(v)})
    assert iv.assess_confidence(sub) is ORIGINAL["assess"](sub)
    assert iv.choose_intervention(sub).rung == ORIGINAL["choose"](sub).rung
    assert traced.count(CHOOSE) == traced.count(ASSESS) == 0

    class Stance(str):
        pass

    facts = [ev.EvidenceFacts(Stance("w"), ev.Accountability.OS_RECORDED, ev.EvidenceStance.ATTESTED, reachable=True)]
    assert ev.believe_under_floor(facts).believe == ORIGINAL["believe"](facts).believe
    assert traced.count(BELIEVE) == 0


def test_the_wrong_sequence_type_goes_to_the_reference(traced):
    v = _verdict()
    # ProvenanceVerdict.args is a tuple[ArgProvenance, ...]: a list there is
    # the reference's to serve (it may hand it back as it got it)
    listed = dataclasses.replace(v, args=list(v.args))
    traced.clear()
    assert iv.assess_confidence(listed) is ORIGINAL["assess"](listed)
    # believe_under_floor takes a list[EvidenceFacts]: a list or a tuple is
    # served, a generator, a set or a dict of them is not
    facts = _facts()
    assert ev.believe_under_floor(iter(facts)).believe == ORIGINAL["believe"](iter(facts)).believe
    assert traced == []
    assert ev.believe_under_floor(tuple(facts)).believe == ORIGINAL["believe"](tuple(facts)).believe
    assert traced == ["evidence.believe_under_floor"]


def test_plugins_big_ints_and_unbound_calls_go_to_the_reference(traced):
    v = _verdict()
    d = iv.choose_intervention(v)
    traced.clear()

    class Loud:
        name = "loud"

        def handle(self, decision, config):
            return en.EffectProposal(intervention=iv.Intervention.OBSERVE, dispatch_call=True)

    assert en.run_handler(Loud(), d, None).handler == ORIGINAL["run_handler"](Loud(), d, None).handler
    class Raises:
        name = "boom"
        accountability = ls.Accountability.THIRD_PARTY

        def gather(self, subject, config):
            raise RuntimeError("exploded")

    assert ls.gather_log(Raises(), "s", None).reachable is False
    assert "enforce.run_handler" not in traced and "log_source.gather_log" not in traced
    big = iv.BASE_INTERVENTIONS.extend([iv.InterventionSpec("HUGE", 2**70, "", "", dispatches=False)])
    assert iv.choose_intervention(v, ladder=big).disruption_cost == ORIGINAL["choose"](v, ladder=big).disruption_cost
    assert traced.count(CHOOSE) == 0
    # a call that does not bind raises the reference's own TypeError
    for bad in ((), (v, iv.DEFAULT_POLICY, None, None)):
        with pytest.raises(TypeError) as ours:
            iv.choose_intervention(*bad)
        with pytest.raises(TypeError) as theirs:
            ORIGINAL["choose"](*bad)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError):
        iv.choose_intervention(v, verdict=v)
    assert traced.count(CHOOSE) == 0


def test_a_mutated_input_is_never_served_a_stale_answer(traced):
    v = _verdict()
    policy = iv.InterventionPolicy()
    first = iv.choose_intervention(v, policy)
    object.__setattr__(policy, "on_high_confidence", "WARN")
    object.__setattr__(policy, "on_low_confidence", "WARN")
    second = iv.choose_intervention(v, policy)
    assert second.intervention is ORIGINAL["choose"](v, policy).intervention
    assert first.intervention is not second.intervention
    # the default ladder's rung, mutated in place: not handed back as it was
    ladder = inspect.signature(ORIGINAL["choose"]).parameters["ladder"].default
    rung = next(s for s in ladder.specs if s.token == first.intervention.value)
    keep = rung.summary
    object.__setattr__(rung, "summary", keep + " (edited)")
    try:
        got = iv.choose_intervention(v)
        assert got.rung is rung and got.rung.summary.endswith("(edited)")
        assert got.rung == ORIGINAL["choose"](v).rung
    finally:
        object.__setattr__(rung, "summary", keep)
    assert traced.count(CHOOSE) == 3


def test_typed_functions_are_served_by_the_same_binder():
    import dos_native.testwitness as tw

    calls = []
    _native._route_trace(calls.append)
    try:
        e = tw.TestRunEvidence(tw.RunOutcome.FAILED, tw.RunOutcome.PASSED)
        got = tw.classify(e)
        assert calls == ["testwitness.classify"]
        assert type(tw.classify).__name__ == "NativeCallable" and tw.classify.__self__.native_op == "testwitness.classify"
        assert type(got) is tw.TestWitnessVerdict and got.verdict is tw.TestWitness.DISCRIMINATES
        # a mapping is the generated function's to read (its fallback), with the same answer
        plain = tw.classify({"baseline": "FAILED", "candidate": "PASSED"})
        assert calls.count("testwitness.classify") == 1
        assert plain == got
        with pytest.raises(dos_native.DosError):
            tw.classify({"baseline": "SOMETIMES", "candidate": "PASSED"})
    finally:
        _native._route_trace(None)


def test_a_native_route_callable_keeps_the_reference_defaults(traced):
    """The reference's own tests read a function's `__defaults__`
    (test_answer_shape.py); a swapped function answers the original's."""
    import importlib

    for r in ROUTES + SLOWER:
        fn = getattr(importlib.import_module(r.module), r.function)
        if type(fn).__name__ != "NativeCallable":
            continue  # the Python adapter's wrapper: a function of its own
        original = fn.__wrapped__
        assert fn.__defaults__ == original.__defaults__, r.op
        assert fn.__kwdefaults__ == original.__kwdefaults__, r.op
