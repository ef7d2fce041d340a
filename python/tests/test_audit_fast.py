"""The audit leaves' hand fast paths (python/src/audit_fast.rs).

`judges.run_judge` with the built-in abstain judge (typed and accelerated),
and, under accelerate(), `enforce.run_handler` with the built-in observe
handler, `improve.classify` and `coverage.classify_coverage`. These tests
check each against the reference over many shapes, that what a fast path
does not take (a plugin, a changed built-in, a subclass, a value of another
type) is answered by the reference itself, and that the typed answers equal
the envelope's.
"""
import dataclasses
import itertools

import pytest

dos = pytest.importorskip("dos")
import dos.coverage as cv  # noqa: E402
import dos.enforce as en  # noqa: E402
import dos.improve as im  # noqa: E402
import dos.intervention as iv  # noqa: E402
import dos.judges as jd  # noqa: E402
import dos.arg_provenance as ap  # noqa: E402
from dos.result_state import ResultStateVerdict, TerminalClass, TerminalState  # noqa: E402

from dos_native import _native  # noqa: E402
from dos_native import judges as TJ  # noqa: E402

ORIGINAL = {
    "judges.run_judge": jd.run_judge,
    "enforce.run_handler": en.run_handler,
    "improve.classify": im.classify,
    "coverage.classify_coverage": cv.classify_coverage,
}


def _decision(x, prose=("reason", "why")):
    """A result's decision fields (prose left out), recursively."""
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


def test_the_fast_paths_are_registered():
    ops = set(_native.fast_ops())
    assert set(ORIGINAL) <= ops


# ------------------------------------------------------------------ judges.run_judge

CLAIMS = [jd.Claim("phase A shipped"), jd.Claim("x", "because", ("git: abc", "ci: green"), "RID-1"), jd.Claim("")]


def test_run_judge_serves_the_built_in_judge(traced):
    fn = jd.run_judge
    assert fn is not ORIGINAL["judges.run_judge"]
    for c, config in itertools.product(CLAIMS + ["not a claim", None], (None, {"k": 1}, object())):
        calls = len(traced)
        got, want = fn(jd.AbstainJudge(), c, config), ORIGINAL["judges.run_judge"](jd.AbstainJudge(), c, config)
        assert traced[calls:] == ["judges.run_judge"]
        assert type(got) is jd.JudgeVerdict and _decision(got) == _decision(want)
        assert got.stance is jd.Stance.ABSTAIN and got.abstained and "human" in got.why
        assert got.to_dict().keys() == want.to_dict().keys()
    # by keyword too
    assert fn(judge=jd.AbstainJudge(), claim=CLAIMS[0], config=None).abstained


def test_run_judge_declines_anything_but_the_untouched_built_in(traced, monkeypatch):
    c = CLAIMS[1]

    class Sub(jd.AbstainJudge):
        pass

    class Agrees(jd.AbstainJudge):
        def rule(self, claim, config):
            return jd.JudgeVerdict.agree("yes")

    renamed = jd.AbstainJudge()
    renamed.name = "mine"
    for judge in (Sub(), Agrees(), renamed, "abstain", None):
        calls = len(traced)
        assert _outcome(jd.run_judge, judge, c, None) == _outcome(ORIGINAL["judges.run_judge"], judge, c, None)
        assert "judges.run_judge" not in traced[calls:]
    assert jd.run_judge(Agrees(), c, None).agreed
    # a missing argument: the reference's TypeError
    with pytest.raises(TypeError):
        jd.run_judge(jd.AbstainJudge(), c)
    # the built-in class changed by its host is the host's judge
    monkeypatch.setattr(jd.AbstainJudge, "rule", lambda self, claim, config: jd.JudgeVerdict.disagree("no"))
    calls = len(traced)
    assert jd.run_judge(jd.AbstainJudge(), c, None).disagreed
    assert "judges.run_judge" not in traced[calls:]


def test_typed_run_judge_equals_the_envelope():
    fn = TJ.run_judge
    generated = fn.__wrapped__
    claims = [TJ.JudgeClaim("phase A shipped"), TJ.JudgeClaim("x", "because", ("git: abc",), "RID-1"), TJ.JudgeClaim("\ud800")]
    for c in claims:
        for args in ((c,), (c, None)):
            got, want = fn("abstain", *args), generated("abstain", *args)
            assert type(got) is TJ.JudgeVerdict and got == want
            assert got.to_dict() == want.to_dict() == _native.dispatch("judges.run_judge", {"judge": "abstain", "claim": c.to_dict()})
    # what the fast path leaves to the generated function: the same answers
    for judge, c, config in (("observe", claims[0], None), ("abstain", claims[0], {"a": 1}), ("abstain", {"claim_text": "x"}, None)):
        assert _outcome(fn, judge, c, config) == _outcome(generated, judge, c, config)


# ------------------------------------------------------------------ enforce.run_handler

def _decisions():
    calls = [
        ap.ToolCall("t", (ap.ToolArg("incident_id", "INC9999999"), ap.ToolArg("note", "hello"))),
        ap.ToolCall("t", (ap.ToolArg("incident_id", "INC0010023"),)),
        ap.ToolCall("t", ()),
    ]
    prior = ap.PriorResults((ap.EnvBlob('{"number": "INC0010023", "caller": 10023}', ap.CorpusSource.TOOL_RESULT),))
    out = []
    for call in calls:
        v = ap.classify_call(call, prior)
        out.append(iv.choose_intervention(v))
    return out


def test_run_handler_serves_the_built_in_handler(traced):
    fn = en.run_handler
    assert fn is not ORIGINAL["enforce.run_handler"]
    ds = _decisions()
    assert len({d.intervention for d in ds}) > 1
    for d, config in itertools.product(ds, (None, {"x": 1}, object())):
        calls = len(traced)
        got, want = fn(en.ObserveHandler(), d, config), ORIGINAL["enforce.run_handler"](en.ObserveHandler(), d, config)
        assert traced[calls:] == ["enforce.run_handler"]
        assert type(got) is en.EffectProposal and _decision(got) == _decision(want)
        assert got.note is d.reason and got.handler == "observe" and got.intervention is iv.Intervention.OBSERVE


def test_run_handler_declines_anything_but_the_untouched_built_in(traced, monkeypatch):
    d = _decisions()[0]

    class Sub(en.ObserveHandler):
        pass

    renamed = en.ObserveHandler()
    renamed.name = "mine"
    odd = dataclasses.replace(d)
    object.__setattr__(odd, "reason", 7)
    for handler, dec in ((Sub(), d), (renamed, d), ("observe", d), (en.ObserveHandler(), odd), (en.ObserveHandler(), "d")):
        calls = len(traced)
        assert _outcome(en.run_handler, handler, dec, None) == _outcome(ORIGINAL["enforce.run_handler"], handler, dec, None)
        assert "enforce.run_handler" not in traced[calls:]
    assert en.run_handler(renamed, d, None).handler == "mine"
    monkeypatch.setattr(en.ObserveHandler, "name", "watch")
    calls = len(traced)
    assert en.run_handler(en.ObserveHandler(), d, None).handler == "watch"
    assert "enforce.run_handler" not in traced[calls:]


# ------------------------------------------------------------------ improve.classify

def _evidence():
    for sp, tc, (w, bw), t, cr in itertools.product((True, False), (True, False), ((43, 42), (5, 5), (0, 9), (10**6, 0)),
                                                    (0, 999, 5000, 10**9), (0, 1, 2, 5, 2**62)):
        yield im.CandidateEvidence(suite_passed=sp, truth_clean=tc, work=w, baseline_work=bw, tokens=t,
                                   consecutive_reverts=cr, narrated="sped up")


POLICIES = [None, im.DEFAULT_POLICY, im.ImprovePolicy(max_consecutive_reverts=1),
            im.ImprovePolicy(efficiency_floor=0.001), im.ImprovePolicy(efficiency_floor=0.5, min_tokens_for_efficiency=0),
            im.ImprovePolicy(max_consecutive_reverts=10, efficiency_floor=1)]


def test_improve_matches_the_reference_on_every_shape(traced):
    fn = im.classify
    seen = set()
    n = 0
    for e, p in itertools.product(_evidence(), POLICIES):
        args = (e,) if p is None else (e, p)
        calls = len(traced)
        got, want = fn(*args), ORIGINAL["improve.classify"](*args)
        assert traced[calls:] == ["improve.classify"]
        assert type(got) is im.CandidateVerdict and _decision(got) == _decision(want), args
        assert got.evidence is e and got.escalation is want.escalation and got.to_dict().keys() == want.to_dict().keys()
        seen.add((got.verdict, got.revert_cause))
        n += 1
    assert n > 1000 and len(seen) >= 6
    assert fn(evidence=e, policy=POLICIES[2]).verdict is ORIGINAL["improve.classify"](e, POLICIES[2]).verdict


def test_improve_declines_what_it_does_not_take(traced):
    class Sub(im.CandidateEvidence):
        pass

    e = im.CandidateEvidence(suite_passed=True, truth_clean=True, work=3, baseline_work=1)
    odd = im.CandidateEvidence(suite_passed=True, truth_clean=True)
    object.__setattr__(odd, "suite_passed", 1)
    neg = im.CandidateEvidence(suite_passed=True, truth_clean=True)
    object.__setattr__(neg, "work", -1)
    big = im.CandidateEvidence(suite_passed=True, truth_clean=True, work=2**70)
    # (declined to the generic route binder, which declines to the reference)
    for args in ((Sub(True, True, 3, 1),), (odd,), (neg,), (big,), (e, "policy"), ("e",)):
        assert _outcome(im.classify, *args) == _outcome(ORIGINAL["improve.classify"], *args)


# ------------------------------------------------------------------ coverage.classify_coverage

def _dead(cls):
    return ResultStateVerdict(TerminalState.SYNTHETIC, True, cls, 429, "r")


RETURNS = [
    [],
    [TerminalState.HEALTHY] * 4 + [_dead(TerminalClass.RATE_LIMIT), cv.ReturnState(TerminalState.EMPTY, "w6"), TerminalState.UNREADABLE],
    (TerminalState.HEALTHY,) * 8,
    [TerminalState.HEALTHY] * 9,
    [_dead(TerminalClass.QUOTA if hasattr(TerminalClass, "QUOTA") else TerminalClass.USAGE_LIMIT), _dead(TerminalClass.AUTH),
     _dead(TerminalClass.RATE_LIMIT), _dead(TerminalClass.AUTH), _dead(TerminalClass.NONE), _dead(None)],
    [TerminalState.UNREADABLE, cv.ReturnState(TerminalState.SYNTHETIC)],
    [ResultStateVerdict(TerminalState.HEALTHY, False, TerminalClass.SERVER, 500, "r"), TerminalState.EMPTY],
]


def test_coverage_matches_the_reference_on_every_shape(traced):
    fn = cv.classify_coverage
    states = set()
    for declared, returns, policy in itertools.product((0, -1, 1, 2, 6, 7, 8, 20), RETURNS,
                                                       (None, cv.DEFAULT_COVERAGE_POLICY, cv.CoveragePolicy(min_quorum=0.5),
                                                        cv.CoveragePolicy(min_quorum=1), cv.CoveragePolicy(min_quorum=0.0))):
        args = (declared, returns) if policy is None else (declared, returns, policy)
        calls = len(traced)
        got, want = fn(*args), ORIGINAL["coverage.classify_coverage"](*args)
        assert traced[calls:] == ["coverage.classify_coverage"]
        assert type(got) is cv.CoverageVerdict and _decision(got) == _decision(want), args
        assert got.to_dict().keys() == want.to_dict().keys() and got.state is want.state
        assert {k: v for k, v in got.to_dict().items() if k not in ("reason", "prompt_line")} == \
            {k: v for k, v in want.to_dict().items() if k not in ("reason", "prompt_line")}
        states.add(got.state)
    assert states == set(cv.Coverage)


def test_coverage_declines_what_it_does_not_take(traced):
    class L(list):
        pass

    odd = cv.ReturnState(TerminalState.HEALTHY)
    object.__setattr__(odd, "state", "HEALTHY")
    for args in ((3, L([TerminalState.HEALTHY])), (3, [TerminalState.HEALTHY, "x"]), (3, [odd]),
                 (True, [TerminalState.HEALTHY]), (3.0, [TerminalState.HEALTHY]), (3, [TerminalState.HEALTHY], cv.CoveragePolicy(True)),
                 (2**70, [TerminalState.HEALTHY])):
        # (declined to the generic route binder, which declines to the reference)
        assert _outcome(cv.classify_coverage, *args) == _outcome(ORIGINAL["coverage.classify_coverage"], *args)


# ------------------------------------------------------------------ commit_audit.sweep_summary

def _verdicts(M):
    files = ("src/parser.py", "README.md", "tests/test_parser.py", ".github/workflows/ci.yml", "docs/a.md", "assets/logo.png")
    subjects = ["fix: a", "wip", "docs: b", "add tests", "implement c", "ci: x", "test: drop"]
    return [M.classify(M.CommitClaim(f"s{i}", subjects[i % 7]), M.DiffFacts(files[i % 6:], i % 5 == 0, 1, 3)) for i in range(60)]


def test_sweep_summary_matches_the_reference(traced):
    import dos.commit_audit as ca

    original = ca.sweep_summary.__wrapped__
    vs = _verdicts(ca)
    assert len({v.verdict for v in vs}) == 3
    for sub in (vs, tuple(vs), vs[:1], [], [v for v in vs if v.verdict is ca.Verdict.ABSTAIN], vs[::-1]):
        calls = len(traced)
        got, want = ca.sweep_summary(sub), original(sub)
        assert traced[calls:] == ["commit_audit.sweep_summary"]
        assert got == want and list(got) == list(want) and list(got["by_kind"]) == list(want["by_kind"])
        assert all(a is b for a, b in zip(got["unwitnessed_shas"], want["unwitnessed_shas"]))
    # what it does not take: the reference answers
    odd = dataclasses.replace(vs[0])
    object.__setattr__(odd, "verdict", "OK")

    class Sub(ca.ClaimVerdict):
        pass

    for sub in ([odd], [Sub(**{f.name: getattr(vs[0], f.name) for f in dataclasses.fields(vs[0])})], [1]):
        calls = len(traced)
        assert _outcome(ca.sweep_summary, sub) == _outcome(original, sub)
        assert "commit_audit.sweep_summary" not in traced[calls:]


def test_typed_sweep_summary_equals_the_envelope():
    from dos_native import commit_audit as TC

    fn = TC.sweep_summary
    generated = fn.__wrapped__
    vs = _verdicts(TC)
    for sub in (vs, tuple(vs), [], vs[:3]):
        got = fn(sub)
        assert got == generated(list(sub)) == _native.dispatch("commit_audit.sweep_summary", {"verdicts": [v.to_dict() for v in sub]})
        assert list(got) == list(generated(list(sub)))
    # a field the op would refuse: the generated function answers (BadArgsError)
    bad = dataclasses.replace(vs[0])
    object.__setattr__(bad, "source_files", ("a", 1))
    assert _outcome(fn, [bad]) == _outcome(generated, [bad])
    assert _outcome(fn, [bad])[0] == "raised"
