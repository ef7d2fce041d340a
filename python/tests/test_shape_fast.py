"""The output-shape leaves' hand fast paths (python/src/shape_fast.rs):
result_state.classify_terminal, refusal_envelope and
terminal_evidence_from_record, and claim_extract.claim_from_frontmatter;
and extract_claims, whose patterns the core matches by hand on ASCII text.

Each is checked against the reference over many shapes, typed and under
accelerate(); what a fast path does not take (a subclass, a value of
another type, a lone surrogate, a patched module constant) is answered by
the fallback with the reference's own outcome, and the typed answers equal
the generated function's and the envelope's.
"""
import dataclasses
import itertools
import random

import pytest

dos = pytest.importorskip("dos")
import dos.claim_extract as ce  # noqa: E402
import dos.result_state as rs  # noqa: E402

from dos_native import _native  # noqa: E402
from dos_native import _mapping  # noqa: E402
from dos_native import claim_extract as TC  # noqa: E402
from dos_native import result_state as TR  # noqa: E402

ORIGINAL = {
    "result_state.classify_terminal": rs.classify_terminal,
    "result_state.refusal_envelope": rs.refusal_envelope,
    "result_state.terminal_evidence_from_record": rs.terminal_evidence_from_record,
    "claim_extract.claim_from_frontmatter": ce.claim_from_frontmatter,
    "claim_extract.extract_claims": ce.extract_claims,
}


def _decision(x, prose=("reason",)):
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, {f.name: _decision(getattr(x, f.name)) for f in dataclasses.fields(x) if f.name not in prose})
    if isinstance(x, (list, tuple)):
        return type(x)(_decision(v) for v in x)
    return x


def _outcome(f, *a, **kw):
    try:
        return ("ok", _decision(f(*a, **kw)))
    except Exception as e:  # noqa: BLE001 - the same exception type either way
        return ("raised", type(e))


def test_the_fast_paths_are_registered_and_swapped():
    ops = set(_native.fast_ops())
    assert set(ORIGINAL) - {"claim_extract.extract_claims"} <= ops
    swapped = {r.op for r in _mapping.ROUTES}
    assert set(ORIGINAL) <= swapped


# ------------------------------------------------------------------ classify_terminal

def _evidences(m):
    for found, readable, model, stop, api, status, text, has in itertools.product(
            (True, False), (True, False), (None, "<synthetic>", "claude-x"), (None, "stop_sequence", "end_turn"),
            (True, False), (None, 429, 401, 403, 500, 418), ("", "API Error: Rate limited", "You hit your WEEKLY LIMIT",
                                                                "authentication_error", "Server-side trouble", "ok"),
            (True, False)):
        yield m.TerminalEvidence(found=found, readable=readable, model=model, stop_reason=stop, is_api_error=api,
                                 api_status=status, text=text, has_content=has)


def test_classify_terminal_matches_the_reference(traced):
    fn = rs.classify_terminal
    assert fn is not ORIGINAL["result_state.classify_terminal"]
    n = 0
    for e in _evidences(rs):
        calls = len(traced)
        got, want = fn(e), ORIGINAL["result_state.classify_terminal"](e)
        assert traced[calls:] == ["result_state.classify_terminal"]
        assert type(got) is rs.ResultStateVerdict and _decision(got) == _decision(want)
        assert got.api_status is want.api_status
        assert isinstance(got.reason, str) and got.reason
        if got.state is rs.TerminalState.SYNTHETIC:
            assert got.cls.value in got.reason and (str(e.api_status) in got.reason) == (e.api_status is not None)
        n += 1
    assert n > 1000
    assert fn(evidence=rs.TerminalEvidence(found=True, readable=True, text="x", has_content=True)).state is rs.TerminalState.HEALTHY


def test_classify_terminal_declines_what_it_does_not_take(traced, monkeypatch):
    class Sub(rs.TerminalEvidence):
        pass

    odd = [
        Sub(found=True, readable=True, model="<synthetic>"),
        rs.TerminalEvidence(found=1, readable=True),
        rs.TerminalEvidence(found=True, readable="yes", model="<synthetic>"),
        rs.TerminalEvidence(found=True, readable=True, model=5),
        rs.TerminalEvidence(found=True, readable=True, is_api_error=True, api_status=2 ** 70),
        rs.TerminalEvidence(found=True, readable=True, is_api_error=True, api_status="429"),
        rs.TerminalEvidence(found=True, readable=True, model="<synthetic>", text="\ud800 rate limited"),
    ]
    for e in odd:
        calls = len(traced)
        assert _outcome(rs.classify_terminal, e) == _outcome(ORIGINAL["result_state.classify_terminal"], e)
        assert "result_state.classify_terminal" not in traced[calls:]
    # text None reads as "" (served)
    e = rs.TerminalEvidence(found=True, readable=True, model="<synthetic>", text=None)
    assert _outcome(rs.classify_terminal, e) == _outcome(ORIGINAL["result_state.classify_terminal"], e)
    # a patched mark is the host's: the reference answers
    monkeypatch.setattr(rs, "SYNTHETIC_MODEL", "claude-x")
    e = rs.TerminalEvidence(found=True, readable=True, model="claude-x", has_content=True)
    calls = len(traced)
    assert rs.classify_terminal(e).state is rs.TerminalState.SYNTHETIC
    assert "result_state.classify_terminal" not in traced[calls:]
    with pytest.raises(TypeError):
        rs.classify_terminal()


def test_typed_classify_terminal_equals_the_envelope():
    fn, generated = TR.classify_terminal, TR.classify_terminal.__wrapped__
    for e in itertools.islice(_evidences(TR), 0, None, 7):
        got, want = fn(e), generated(e)
        assert type(got) is TR.ResultStateVerdict and got == want
        assert got.to_dict() == _native.dispatch("result_state.classify_terminal", {"evidence": e.to_dict()})


# ------------------------------------------------------------------ refusal_envelope

def test_refusal_envelope_matches_the_reference(traced):
    fn = rs.refusal_envelope
    for state, dead, cls, status, reason in itertools.product(rs.TerminalState, (True, False), rs.TerminalClass,
                                                              (None, 429), ("r", "")):
        v = rs.ResultStateVerdict(state=state, dead=dead, cls=cls, api_status=status, reason=reason)
        calls = len(traced)
        got, want = fn(v), ORIGINAL["result_state.refusal_envelope"](v)
        assert traced[calls:] == ["result_state.refusal_envelope"]
        assert list(got.items()) == list(want.items())
        assert fn(v) is not fn(v)  # a fresh dict each call
    # a live verdict's class is not read
    v = rs.ResultStateVerdict(state=rs.TerminalState.HEALTHY, dead=False, cls="whatever", api_status="x")
    assert fn(v) == ORIGINAL["result_state.refusal_envelope"](v)


def test_refusal_envelope_declines_what_it_does_not_take(traced):
    class Sub(rs.ResultStateVerdict):
        pass

    S = rs.TerminalState.SYNTHETIC
    odd = [
        Sub(state=S, dead=True),
        rs.ResultStateVerdict(state=S, dead=1),
        rs.ResultStateVerdict(state="SYNTHETIC", dead=True),
        rs.ResultStateVerdict(state=S, dead=True, cls="RATE_LIMIT"),
        rs.ResultStateVerdict(state=S, dead=True, api_status="429"),
        rs.ResultStateVerdict(state=S, dead=True, reason=None),
        "not a verdict",
    ]
    for v in odd:
        calls = len(traced)
        assert _outcome(rs.refusal_envelope, v) == _outcome(ORIGINAL["result_state.refusal_envelope"], v)
        assert "result_state.refusal_envelope" not in traced[calls:]


def test_typed_refusal_envelope_equals_the_envelope():
    fn, generated = TR.refusal_envelope, TR.refusal_envelope.__wrapped__
    for state, dead, cls, status in itertools.product(TR.TerminalState, (True, False), TR.TerminalClass, (None, 500)):
        v = TR.ResultStateVerdict(state=state, dead=dead, cls=cls, api_status=status, reason="why")
        got = fn(v)
        assert list(got.items()) == list(generated(v).items())
        assert got == _native.dispatch("result_state.refusal_envelope", {"verdict": v.to_dict()})
    # a verdict whose reason the fast path left unwritten
    v = TR.classify_terminal(TR.TerminalEvidence(found=True, readable=True, model="<synthetic>", api_status=429))
    assert fn(v) == generated(v) and fn(v)["reason"] == v.reason


# ------------------------------------------------------------------ terminal_evidence_from_record

_LONG = "  " + "é" * 450 + "  "


def _records():
    contents = [None, 5, "", "   ", " hi ", _LONG, {"type": "text"}, ("x",),
                [], ["x", 1, None], [{"type": "text", "text": ""}, {"type": "text", "text": "  "}, {"type": "text", "text": " b "}],
                [{"type": "tool_use"}], [{"type": "thinking"}, {"type": "image"}], [{"type": "tool_result", "text": "x"}],
                [{"type": "text", "text": 5}], [{"type": "text"}], [{"type": None, "text": "x"}], [{"type": "other"}],
                [{"type": "text", "text": _LONG}, {"type": "text", "text": "second"}],
                [{"type": "text", "text": "\u2003\u2028 lead \x1c"}]]
    statuses = [None, 429, "429", " 403 ", "٣", True, False, 1.5, "abc", "", [], "007", -1, 0]
    flags = [None, True, False, 0, 1, "", "x", [], [1], {}, 0.0]
    yield "not a dict"
    yield None
    yield {}
    yield {"message": "m"}
    yield {"message": {"role": "user", "content": "x"}}
    yield {"message": {"role": 5, "content": "x"}}
    yield {"message": {"content": "x"}}
    for i, content in enumerate(contents):
        for j, status in enumerate(statuses):
            rec = {"message": {"role": "assistant", "content": content}, "apiErrorStatus": status,
                   "isApiErrorMessage": flags[(i + j) % len(flags)]}
            if (i + j) % 3:
                rec["message"]["model"] = ["<synthetic>", "claude-x", 5, None][(i + j) % 4]
                rec["message"]["stop_reason"] = ["stop_sequence", None, 7][(i * j) % 3]
            yield rec


def test_terminal_evidence_from_record_matches_the_reference(traced):
    fn = rs.terminal_evidence_from_record
    n = 0
    for rec in _records():
        calls = len(traced)
        got, want = _outcome(fn, rec), _outcome(ORIGINAL["result_state.terminal_evidence_from_record"], rec)
        assert got == want, rec
        if got[0] == "ok" and got[1] is not None:
            assert traced[calls:] == ["result_state.terminal_evidence_from_record"]
            n += 1
    assert n > 200
    assert fn(record={"message": {"role": "assistant", "content": "x"}}).has_content


def test_terminal_evidence_from_record_declines_what_it_does_not_take(traced):
    class D(dict):
        pass

    class S(str):
        pass

    class Thing:
        pass

    odd = [
        D(message={"role": "assistant", "content": "x"}),
        {"message": D(role="assistant", content="x")},
        {"message": {"role": S("assistant"), "content": "x"}},
        {"message": {"role": Thing(), "content": "x"}},
        {"message": {"role": "assistant", "content": [D(type="text", text="x")]}},
        {"message": {"role": "assistant", "content": S("x")}},
        {"message": {"role": "assistant", "content": "x", "model": S("m")}},
        {"message": {"role": "assistant", "content": "x"}, "isApiErrorMessage": Thing()},
        {"message": {"role": "assistant", "content": "x"}, "apiErrorStatus": 2 ** 70},
        {"message": {"role": "assistant", "content": "x"}, "apiErrorStatus": "²"},  # int() refuses: raises
        {"message": {"role": "assistant", "content": "\ud800"}},
    ]
    for rec in odd:
        calls = len(traced)
        got = _outcome(rs.terminal_evidence_from_record, rec)
        assert got == _outcome(ORIGINAL["result_state.terminal_evidence_from_record"], rec)
        assert "result_state.terminal_evidence_from_record" not in traced[calls:]


def test_typed_terminal_evidence_from_record_equals_the_envelope():
    fn, generated = TR.terminal_evidence_from_record, TR.terminal_evidence_from_record.__wrapped__
    for rec in _records():
        got, want = _outcome(fn, rec), _outcome(generated, rec)
        assert got == want, rec
        if got[0] == "ok":
            env = _native.dispatch("result_state.terminal_evidence_from_record", {"record": rec})
            out = fn(rec)
            assert (out is None and env is None) or out.to_dict() == env


# ------------------------------------------------------------------ claim_from_frontmatter

_PLANS = [None, "", "  ", " AUTH ", "AUTH", "A\u2003", "\u2028P\x1c", "\ud800", 5, 0, "é x"]


def test_claim_from_frontmatter_matches_the_reference(traced):
    fn = ce.claim_from_frontmatter
    for plan, phase in itertools.product(_PLANS, repeat=2):
        calls = len(traced)
        got, want = _outcome(fn, plan, phase), _outcome(ORIGINAL["claim_extract.claim_from_frontmatter"], plan, phase)
        assert got == want, (plan, phase)
        served = all(isinstance(x, str) and "\ud800" not in x or x is None for x in (plan, phase))
        assert (traced[calls:] == ["claim_extract.claim_from_frontmatter"]) == served
        if got[0] == "ok" and got[1]:
            assert fn(plan, phase)[0].raw == want[1][0][1]["raw"] and fn(plan, phase)[0].confident
    assert fn(plan="P", phase="P1") == ORIGINAL["claim_extract.claim_from_frontmatter"]("P", "P1")
    with pytest.raises(TypeError):
        fn("P")


def test_typed_claim_from_frontmatter_equals_the_envelope():
    fn, generated = TC.claim_from_frontmatter, TC.claim_from_frontmatter.__wrapped__
    for plan, phase in itertools.product(_PLANS, repeat=2):
        assert _outcome(fn, plan, phase) == _outcome(generated, plan, phase)


# ------------------------------------------------------------------ extract_claims

_PARTS = ["DOS-CLAIM:", "DOS-CLAIM: ", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x1c", ">", "*", "-", "AUTH", "AUTH2",
          "A_B3", "_", "FQ390", "x", "7", "shipped", "Done", "MERGED", "landed!", "finished", "AB_", "Z9z",
          "completed.", "undone", "A1", "DLA3", "- DOS-CLAIM: P Q\n", "merged_", "done2", "é", "\u2028", "ſhipped"]


def test_extract_claims_matches_the_reference_on_random_text(traced):
    rng = random.Random(12)
    fn = ce.extract_claims
    for _ in range(3000):
        text = "".join(rng.choice(_PARTS) for _ in range(rng.randrange(24)))
        for h in (True, False):
            want = ORIGINAL["claim_extract.extract_claims"](text, allow_heuristic=h)
            assert fn(text, allow_heuristic=h) == want, text
            typed = TC.extract_claims(text, allow_heuristic=h)
            assert [(c.plan, c.phase, c.rung, c.raw) for c in typed] == [(c.plan, c.phase, c.rung, c.raw) for c in want]
