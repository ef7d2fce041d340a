"""`dangling_intent.classify_stop`'s hand fast path (python/src/stop_fast.rs).

With the module's own default policy the fast path searches the shipped
cues compiled once; these tests check it against the reference over
narrations of every outcome (a cue, a cue reported resolved in its own
sentence, no cue, a count after the turn, casefolding that lengthens the
text, a cue outside the 600-character window), that what it does not take
(a policy of the caller's, a mutated default, a subclass, a lone surrogate,
a negative count) is answered as the reference answers it, and that the
typed module's answers equal the envelope's.
"""
import itertools

import pytest

dos = pytest.importorskip("dos")
import dos.dangling_intent as di  # noqa: E402

from dos_native import _native  # noqa: E402
from dos_native import dangling_intent as TD  # noqa: E402

ORIGINAL = di.classify_stop
STOP = "dangling_intent.classify_stop"

TEXTS = [
    "",
    "All done.",
    "The customer account is active and the support group has been created. "
    "Now, to allocate the personnel, I need to identify a manager and two non-managers.",
    "I needed to add it, which has now been done.",
    "The group has been created. Now I Need To add people",
    "I still have to assign the ticket",
    "I'll then proceed to close it.",
    "Next, I'll update the record.",
    "I should now continue with the rollout!",
    "I was unable to find the user? Sorry.",
    "I haven't not completed the task",
    "I have not yet been able to reach it",
    "I cannot do this right now yet, apologies",
    "The rows are yet to be added\nand more",
    "This remains to be done.",
    "To finish this, I must restart.",
    "Now, to wrap up the change I will need to deploy",
    "ßß i need to go",
    "İ NEED TO ﬁnish Σ THE WORK, I HAVE TO",
    "I need to" + " filler" * 120,
    "I need to go. " + "x" * 700,
    "x" * 590 + " I need to do it",
    "I need to\u2028continue \u00a0I still need to",
    "我需要 — I will need to 续",
    "i need tox",
    "nothing here; " * 60 + "i still have to",
]


def _fields(v):
    return (v.verdict, v.matched_cue)


def test_the_fast_path_matches_the_reference(traced):
    fn = di.classify_stop
    assert STOP in _native.fast_ops() and fn.__wrapped__ is ORIGINAL
    # declined calls go to the generic route binder, then to the reference
    assert type(fn.__self__.fallback).__name__ == "NativeCallable"
    seen = set()
    n = 0
    for text, after in itertools.product(TEXTS, (0, 1, 3)):
        ev = di.StopEvidence(text, after)
        got, want = fn(ev), ORIGINAL(ev)
        assert type(got) is di.DanglingVerdict
        assert _fields(got) == _fields(want), (text, after)
        assert got.verdict is want.verdict
        assert type(got.reason) is str and got.reason
        assert fn(ev, di.DEFAULT_POLICY).to_dict() == got.to_dict() == fn(ev=ev, policy=di.DEFAULT_POLICY).to_dict()
        seen.add(got.verdict)
        n += 3
    assert seen == set(di.Dangling)
    assert traced.count(STOP) == n
    # `final_turn_text or ""`
    ev = di.StopEvidence(None)
    assert _fields(fn(ev)) == _fields(ORIGINAL(ev))
    ev = di.StopEvidence("I need to go", 2)
    assert "2 tool result(s)" in fn(ev).reason
    assert "'I need to'" in fn(di.StopEvidence("I need to go")).reason


def test_what_the_fast_path_does_not_take_is_answered_as_the_reference_does(traced):
    class Sub(di.StopEvidence):
        pass

    class S(str):
        pass

    ev = di.StopEvidence("Now I need to deploy.")
    negative = di.StopEvidence("Now I need to deploy.")
    object.__setattr__(negative, "results_after_turn", -1)
    calls = [
        lambda f: f(ev, di.DanglingPolicy(tail_chars=0)),
        lambda f: f(ev, di.DanglingPolicy(cues=(r"\bdeploy\b",))),
        lambda f: f(ev, policy=di.DanglingPolicy(cues=())),
        lambda f: f(Sub("I need to go")),
        lambda f: f(di.StopEvidence(S("I need to go"))),
        lambda f: f(di.StopEvidence("I need to \udc80go")),
        lambda f: f(di.StopEvidence("I need to go", True)),
        lambda f: f(negative),
    ]
    for call in calls:
        got, want = call(di.classify_stop), call(ORIGINAL)
        assert _fields(got) == _fields(want)
    with pytest.raises(TypeError):
        di.classify_stop(ev, di.DEFAULT_POLICY, 3)
    served = len(traced)
    # a default policy mutated in place is not served from what was compiled
    object.__setattr__(di.DEFAULT_POLICY, "tail_chars", 5)
    try:
        got, want = di.classify_stop(ev), ORIGINAL(ev)
        assert want.verdict is di.Dangling.ABSTAIN and _fields(got) == _fields(want)
        object.__setattr__(di.DEFAULT_POLICY, "tail_chars", 600)
        object.__setattr__(di.DEFAULT_POLICY, "cues", (r"\bdeploy\b",))
        got, want = di.classify_stop(ev), ORIGINAL(ev)
        assert want.matched_cue == "deploy" and _fields(got) == _fields(want)
    finally:
        object.__setattr__(di.DEFAULT_POLICY, "tail_chars", 600)
        object.__setattr__(di.DEFAULT_POLICY, "cues", di.DEFAULT_CUES)
    assert _fields(di.classify_stop(ev)) == (di.Dangling.DANGLING_INTENT, "I need to")
    assert len(traced) > served


def test_typed_answers_equal_the_envelope():
    for text, after in itertools.product(TEXTS, (0, 2)):
        ev = TD.StopEvidence(text, after)
        got = TD.classify_stop(ev)
        assert got.to_dict() == _native.dispatch(STOP, {"ev": ev.to_dict()}), text
        assert TD.classify_stop(ev, TD.DEFAULT_POLICY).to_dict() == got.to_dict()
    pol = TD.DanglingPolicy(tail_chars=0)
    ev = TD.StopEvidence("I need to go. " + "x" * 700)
    assert TD.classify_stop(ev, pol).to_dict() == _native.dispatch(STOP, {"ev": ev.to_dict(), "policy": pol.to_dict()})
