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
import dos.commit_audit as cau  # noqa: E402
from dos.result_state import ResultStateVerdict, TerminalClass, TerminalState  # noqa: E402

from dos_native import _native  # noqa: E402
from dos_native import judges as TJ  # noqa: E402

ORIGINAL = {
    "judges.run_judge": jd.run_judge,
    "enforce.run_handler": en.run_handler,
    "improve.classify": im.classify,
    "coverage.classify_coverage": cv.classify_coverage,
    "commit_audit.classify": cau.classify,
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


# ------------------------------------------------------------------ the typed functions (s12)

@pytest.fixture
def typed_trace():
    """The ops the native route served through the typed functions, in order."""
    calls = []
    _native._route_trace(calls.append)
    try:
        yield calls
    finally:
        _native._route_trace(None)


def _typed_decisions():
    from dos_native import arg_provenance as TA
    from dos_native import intervention as TI

    calls = [
        TA.ToolCall("t", (TA.ToolArg("incident_id", "INC9999999"), TA.ToolArg("note", "hello"))),
        TA.ToolCall("t", (TA.ToolArg("incident_id", "INC0010023"),)),
        TA.ToolCall("t", ()),
    ]
    prior = TA.PriorResults((TA.EnvBlob('{"number": "INC0010023", "caller": 10023}', TA.CorpusSource.TOOL_RESULT),))
    return [TI.choose_intervention(TA.classify_call(c, prior)) for c in calls]


def test_typed_run_handler_equals_the_envelope(typed_trace):
    from dos_native import enforce as TE

    fn = TE.run_handler
    generated = fn.__wrapped__
    ds = _typed_decisions()
    assert len({d.intervention for d in ds}) > 1
    for d in ds:
        for args, kw in ((("observe", d), {}), (("observe", d, None), {}), ((), {"handler": "observe", "decision": d})):
            calls = len(typed_trace)
            got, want = fn(*args, **kw), generated(*args, **kw)
            assert typed_trace[calls:] == ["enforce.run_handler"]
            assert type(got) is TE.EffectProposal and got == want
            assert got.to_dict() == want.to_dict() == _native.dispatch("enforce.run_handler", {"handler": "observe", "decision": d.to_dict()})
    # what the fast path leaves to the generated function: the same answers
    d = ds[0]
    bad_reason = dataclasses.replace(d)
    object.__setattr__(bad_reason, "reason", 7)
    surrogate = dataclasses.replace(d, reason="\ud800")
    bad_rung = dataclasses.replace(d, rung=dataclasses.replace(d.rung, rank=-1))
    synth_rung = dataclasses.replace(d, rung=dataclasses.replace(d.rung, dispatches=True, returns_synthetic=True))
    blank_rung = dataclasses.replace(d, rung=dataclasses.replace(d.rung, token="  "))
    odd_cost = dataclasses.replace(d)
    object.__setattr__(odd_cost, "disruption_cost", "high")
    odd_unsupported = dataclasses.replace(d)
    object.__setattr__(odd_unsupported, "unsupported", ("a", 1))
    for args in (("abstain", d), ("observe", d, {"k": 1}), ("observe", bad_reason), ("observe", surrogate), ("observe", bad_rung),
                 ("observe", synth_rung), ("observe", blank_rung), ("observe", odd_cost), ("observe", odd_unsupported),
                 ("observe", d.to_dict())):
        calls = len(typed_trace)
        assert _outcome(fn, *args) == _outcome(generated, *args), args
        assert "enforce.run_handler" not in typed_trace[calls:]


def test_typed_improve_equals_the_envelope(typed_trace):
    from dos_native import improve as TM

    fn = TM.classify
    generated = fn.__wrapped__
    policies = [None, TM.DEFAULT_POLICY, TM.ImprovePolicy(max_consecutive_reverts=1), TM.ImprovePolicy(efficiency_floor=0.001),
                TM.ImprovePolicy(efficiency_floor=0.5, min_tokens_for_efficiency=0),
                TM.ImprovePolicy(max_consecutive_reverts=10, efficiency_floor=1)]
    seen = set()
    for e, p in itertools.product(_evidence(), policies):
        te = TM.CandidateEvidence(**dataclasses.asdict(e))
        args = (te,) if p is None else (te, p)
        calls = len(typed_trace)
        got, want = fn(*args), generated(*args)
        assert typed_trace[calls:] == ["improve.classify"]
        assert type(got) is TM.CandidateVerdict and got == want, args
        assert type(got.evidence) is TM.CandidateEvidenceEcho and got.to_dict() == want.to_dict()
        seen.add((got.verdict, got.revert_cause, got.escalation))
    assert len(seen) >= 6
    te = TM.CandidateEvidence(True, True, 3, 1, narrated="n")
    assert fn(evidence=te, policy=policies[2]) == generated(te, policies[2])
    # what the fast path leaves to the generated function: the same answers
    odd = TM.CandidateEvidence(True, True)
    object.__setattr__(odd, "suite_passed", 1)
    neg = TM.CandidateEvidence(True, True)
    object.__setattr__(neg, "work", -1)
    big = TM.CandidateEvidence(True, True, work=2**70)
    surrogate = TM.CandidateEvidence(True, True, narrated="\ud800")
    bad_policy = TM.ImprovePolicy()
    object.__setattr__(bad_policy, "max_consecutive_reverts", 0)
    for args in ((odd,), (neg,), (big,), (surrogate,), (te, bad_policy), (te, "policy"), ("e",)):
        calls = len(typed_trace)
        # (declined to the typed route binder, then to the generated function)
        assert _outcome(fn, *args) == _outcome(generated, *args), args


def test_typed_coverage_equals_the_envelope(typed_trace):
    from dos_native import coverage as TV

    fn = TV.classify_coverage
    generated = fn.__wrapped__
    R, T, C = TV.ReturnState, TV.TerminalState, TV.TerminalClass
    returns = [
        [],
        [R(T.HEALTHY)] * 4 + [R(T.SYNTHETIC, cls=C.RATE_LIMIT), R(T.EMPTY, "w6"), R(T.UNREADABLE)],
        (R(T.HEALTHY),) * 8,
        [R(T.HEALTHY)] * 9,
        [R(T.SYNTHETIC, cls=c) for c in (C.USAGE_LIMIT, C.AUTH, C.RATE_LIMIT, C.AUTH, C.NONE, None)],
        [R(T.UNREADABLE), R(T.SYNTHETIC, "w2")],
        [R(T.HEALTHY, cls=C.SERVER), R(T.EMPTY)],
    ]
    states = set()
    for declared, rs, policy in itertools.product((0, -1, 1, 2, 6, 7, 8, 20), returns,
                                                  (None, TV.DEFAULT_COVERAGE_POLICY, TV.CoveragePolicy(min_quorum=0.5),
                                                   TV.CoveragePolicy(min_quorum=1), TV.CoveragePolicy(min_quorum=0.0))):
        args = (declared, rs) if policy is None else (declared, rs, policy)
        calls = len(typed_trace)
        got, want = fn(*args), generated(*args)
        assert typed_trace[calls:] == ["coverage.classify_coverage"]
        assert type(got) is TV.CoverageVerdict and got == want, args
        assert got.to_dict() == want.to_dict()
        states.add(got.state)
    assert states == set(TV.Coverage)
    # what the fast path leaves to the generated function: the same answers
    odd = R(T.HEALTHY)
    object.__setattr__(odd, "state", "HEALTHY")
    odd_id = R(T.HEALTHY)
    object.__setattr__(odd_id, "agent_id", 3)
    for args in ((3, [T.HEALTHY]), (3, [R(T.HEALTHY), "x"]), (3, [odd]), (3, [odd_id]), (3, [R(T.HEALTHY, "\ud800")]),
                 (True, [R(T.HEALTHY)]), (3.0, [R(T.HEALTHY)]), (3, [R(T.HEALTHY)], TV.CoveragePolicy(True)),
                 (2**70, [R(T.HEALTHY)]), (3, {"a": 1})):
        calls = len(typed_trace)
        # (declined to the typed route binder, then to the generated function)
        assert _outcome(fn, *args) == _outcome(generated, *args), args


# ------------------------------------------------------------------ commit_audit.classify (s12)

SUBJECTS = ["fix: resolve the auth race", "docs: clarify the parser setup", "add tests for the parser", "wip", "",
            "ci: pin the runner", "fix(ci): retry the upload", "test: rename the fixtures", "move tests to tests/unit",
            "implement caching", "Merge branch 'x'", "chore(deps): bump foo"]
FILE_SETS = [(), ("src/parser.py",), ("README.md", "docs/a.md", "assets/logo.png"), ("tests/test_parser.py",),
             (".github/workflows/ci.yml",), ("src/parser.py", "README.md", "tests/test_parser.py", ".github/workflows/ci.yml",
                                             "docs/a.md", "assets/logo.png"), ("a.md", "b.md", "c.md", "d.md", "e.md", "a.md")]


def _commit_args(M):
    for subject, files, empty, lines, policy in itertools.product(
            SUBJECTS, FILE_SETS, (False, True), ((-1, -1), (5, 2), (2, 5)), (None, M.DEFAULT_POLICY, M.ClaimPolicy(True))):
        c, d = M.CommitClaim("abc1234", subject), M.DiffFacts(files, empty, *lines)
        yield (c, d) if policy is None else (c, d, policy)


def test_commit_classify_matches_the_reference_on_every_shape(traced):
    fn, original = cau.classify, ORIGINAL["commit_audit.classify"]
    assert fn is not original
    seen = set()
    for args in _commit_args(cau):
        calls = len(traced)
        got = fn(*args)
        assert traced[calls:] == ["commit_audit.classify"]
        want = original(*args)  # (its classify_claim is served natively)
        assert type(got) is cau.ClaimVerdict and _decision(got) == _decision(want), args
        assert got.to_dict().keys() == want.to_dict().keys() and got.sha is args[0].sha
        assert all(any(x is f for f in args[1].files) for x in got.source_files + got.test_files + got.ci_files)
        seen.add((got.verdict, got.claim_kind, got.witness))
    assert len(seen) >= 6
    got = fn(claim=args[0], diff=args[1])
    assert _decision(got) == _decision(original(args[0], args[1]))


def test_commit_classify_declines_what_it_does_not_take(traced):
    original = ORIGINAL["commit_audit.classify"]
    c, d = cau.CommitClaim("abc", "fix: a"), cau.DiffFacts(("README.md",), False)

    class Sub(cau.CommitClaim):
        pass

    odd = cau.DiffFacts(("README.md",), 0)
    gen = cau.DiffFacts(iter(["README.md"]), False)
    sur = cau.CommitClaim("abc", "fix: \ud800")
    for args in ((Sub("abc", "fix: a"), d), (c, odd), (c, gen), (sur, d), (c, d, "policy"), (cau.CommitClaim(1, "fix: a"), d)):
        calls = len(traced)
        # (declined to the generic route binder, which declines to the reference)
        assert _outcome(cau.classify, *args) == _outcome(original, *args), args
    # a list of files is taken, as the reference iterates it
    listed = cau.DiffFacts(["README.md", "src/x.py"], False)
    calls = len(traced)
    got = cau.classify(c, listed)
    assert traced[calls:] == ["commit_audit.classify"]
    assert got.source_files == original(c, listed).source_files == ("src/x.py",)


def test_typed_commit_classify_equals_the_envelope(typed_trace):
    from dos_native import commit_audit as TC

    fn = TC.classify
    generated = fn.__wrapped__
    for args in _commit_args(TC):
        calls = len(typed_trace)
        got, want = fn(*args), generated(*args)
        assert typed_trace[calls:] == ["commit_audit.classify"]
        assert type(got) is TC.ClaimVerdict and got == want, args
        assert got.to_dict() == want.to_dict()
    c, d = TC.CommitClaim("abc", "fix: a"), TC.DiffFacts(("README.md",), False)
    odd = dataclasses.replace(d)
    object.__setattr__(odd, "files", ("a", 1))
    odd_lines = dataclasses.replace(d)
    object.__setattr__(odd_lines, "test_lines_added", 2**70)
    for args in ((TC.CommitClaim("abc", "\ud800"), d), (c, odd), (c, odd_lines), (c, d, None), (c, {"files": []})):
        calls = len(typed_trace)
        assert _outcome(fn, *args) == _outcome(generated, *args), args
        assert "commit_audit.classify" not in typed_trace[calls:]
