"""Typed liveness / productivity / efficiency / breaker: dos_native against dos-kernel.

Every verdict's to_dict() must equal the reference's except the reason, which
is libdos's own prose (it must name the verdict). Inputs: the golden corpus's
argument records (table) and seeded random ones.
"""
import dataclasses
import json
import random

import pytest

dos = pytest.importorskip("dos")
import dos.breaker as ref_brk  # noqa: E402
import dos.efficiency as ref_eff  # noqa: E402
import dos.liveness as ref_lvn  # noqa: E402
import dos.productivity as ref_prd  # noqa: E402

import dos_native  # noqa: E402
from dos_native import DosError  # noqa: E402
from dos_native import breaker as brk  # noqa: E402
from dos_native import efficiency as eff  # noqa: E402
from dos_native import liveness as lvn  # noqa: E402
from dos_native import productivity as prd  # noqa: E402

I64 = 2**63 - 1


def _decision(d, verdict_key):
    """to_dict() without the prose; checks the prose names the verdict."""
    d = dict(d)
    reason = d.pop("reason")
    assert isinstance(reason, str) and d[verdict_key] in reason, (reason, d)
    return d


def _strip(d):
    d = dict(d)
    d.pop("reason")
    return d


# -- building both sides' inputs from plain data ------------------------------

def _build(mod, kind, fields):
    """An input dataclass of `mod` from a golden-style field dict."""
    fields = dict(fields or {})
    if kind == "ev":
        return mod.ProgressEvidence(**fields)
    if kind == "lpolicy":
        return mod.LivenessPolicy(**fields)
    if kind == "history":
        return mod.WorkHistory(**fields)
    if kind == "ppolicy":
        return mod.ProductivityPolicy(**fields)
    if kind == "evidence":
        return mod.EfficiencyEvidence(**fields)
    if kind == "epolicy":
        return mod.EfficiencyPolicy(**fields)
    if kind == "counts":
        return mod.BreakerCounts(**fields)
    if kind == "bpolicy":
        if "on_trip" in fields:
            fields["on_trip"] = mod.Escalation(fields["on_trip"])
        return mod.BreakerPolicy(**fields)
    raise AssertionError(kind)


# op -> (native module, reference module, function name, input kind, policy kind)
OPS = {
    "liveness.classify": (lvn, ref_lvn, "classify", "ev", "lpolicy"),
    "productivity.classify": (prd, ref_prd, "classify", "history", "ppolicy"),
    "efficiency.classify": (eff, ref_eff, "classify", "evidence", "epolicy"),
    "breaker.record_failure": (brk, ref_brk, "record_failure", "counts", "bpolicy"),
    "breaker.record_success": (brk, ref_brk, "record_success", "counts", "bpolicy"),
    "breaker.classify": (brk, ref_brk, "classify", "counts", "bpolicy"),
}


def _run(mod, fn, kind, pkind, args):
    if kind not in args:
        return getattr(mod, fn)()  # a TypeError on both sides
    x = _build(mod, kind, args[kind])
    if "policy" in args:
        return getattr(mod, fn)(x, _build(mod, pkind, args["policy"]))
    return getattr(mod, fn)(x)


def _as_dict(result):
    """to_dict() of a verdict, or {counts, verdict} of a transition (either side's)."""
    if hasattr(result, "counts"):
        c = result.counts
        return {"counts": {"consecutive": c.consecutive, "total": c.total}, "verdict": result.verdict.to_dict()}
    return result.to_dict()


def _compare(op, ours, ref):
    a, b = _as_dict(ours), _as_dict(ref)
    if "counts" in a:
        assert a["counts"] == b["counts"]
        assert _decision(a["verdict"], "state") == _strip(b["verdict"])
        assert type(ours) is brk.BreakerTransition and type(ours.counts) is brk.BreakerCounts
        assert a == ours.to_dict()
        ours, ref = ours.verdict, ref.verdict
    else:
        key = "state" if op == "breaker.classify" else "verdict"
        assert _decision(a, key) == _strip(b)
    if op.startswith("breaker."):
        assert ours.is_open == ref.is_open
        assert type(ours.state) is brk.BreakerState and type(ours.escalation) is brk.Escalation
    else:
        assert type(ours.verdict).__module__ == "dos_native." + op.split(".")[0]


@pytest.mark.parametrize("op", sorted(OPS))
def test_golden_table(golden, op):
    mod, ref, fn, kind, pkind = OPS[op]
    ok = bad = 0
    for _, rec in golden(op):
        args = json.loads(rec["request"])["args"]  # NaN / Infinity floors too
        if rec["error"] is None:
            _compare(op, _run(mod, fn, kind, pkind, args), _run(ref, fn, kind, pkind, args))
            ok += 1
            continue
        # The reference refuses it (at construction or in the call): so do we,
        # with the same exception class.
        with pytest.raises(Exception) as theirs:
            _run(ref, fn, kind, pkind, args)
        with pytest.raises(Exception) as mine:
            _run(mod, fn, kind, pkind, args)
        assert isinstance(mine.value, theirs.type), (args, mine.value, theirs.value)
        bad += 1
    assert ok > 50 and bad > 5


# -- random inputs -------------------------------------------------------------

def _int(rng, lo=0, hi=10**7):
    return rng.choice([lo, lo + 1, hi, rng.randint(lo, hi), rng.randint(lo, 5), I64 // 2])


def _rand_liveness(rng):
    ev = dict(
        run_started_ms=rng.choice([0, rng.randint(-10**9, 10**12), -I64, I64]),
        now_ms=rng.choice([0, rng.randint(0, 10**12), I64, -I64]),
        commits_since_start=rng.choice([0, 0, 0, 1, rng.randint(0, 50)]),
        journal_events_since=rng.choice([0, 0, 0, 1, 9]),
        last_heartbeat_age_ms=rng.choice([None, 0, -5, 900_000, 900_001, rng.randint(0, 10**8)]),
        tokens_spent_since=rng.choice([None, 0, rng.randint(0, 10**9)]),
        process_alive=rng.choice([None, True, False]),
    )
    policy = None if rng.random() < 0.3 else dict(grace_ms=_int(rng), spin_ms=_int(rng))
    return ev, policy


def _rand_productivity(rng):
    deltas = [rng.choice([0, 1, 499, 500, 501, rng.randint(0, 2000), I64]) for _ in range(rng.randint(0, 7))]
    policy = None if rng.random() < 0.3 else dict(min_steps=rng.randint(0, 6), floor=rng.choice([0, 1, 500, _int(rng)]))
    return dict(deltas=deltas), policy


def _rand_efficiency(rng):
    ev = dict(work=rng.choice([0, 0, 1, rng.randint(0, 10**6), I64]), tokens=rng.choice([0, 999, 1000, rng.randint(0, 10**7), I64]))
    floor = rng.choice([0.0, 0, 1, 1e-5, 0.5, rng.random(), float("inf"), float("nan"), 3])
    policy = None if rng.random() < 0.3 else dict(min_tokens=rng.choice([0, 1000, _int(rng)]), floor=floor)
    return ev, policy


def _rand_breaker(rng):
    counts = dict(consecutive=rng.choice([0, 1, 2, 3, 19, 20, rng.randint(0, 40), I64]), total=rng.choice([0, 3, 19, 20, 21, rng.randint(0, 60), I64]))
    if rng.random() < 0.3:
        return counts, None
    mc, mt = rng.choice([0, 1, 3, 10]), rng.choice([0, 1, 20, 50])
    if mc == mt == 0:
        mt = 5
    return counts, dict(max_consecutive=mc, max_total=mt, on_trip=rng.choice(["NONE", "JUDGE", "HUMAN"]))


RANDOM = {
    "liveness.classify": _rand_liveness,
    "productivity.classify": _rand_productivity,
    "efficiency.classify": _rand_efficiency,
    "breaker.record_failure": _rand_breaker,
    "breaker.record_success": _rand_breaker,
    "breaker.classify": _rand_breaker,
}


def _random_args(op, rng):
    mod, ref, fn, kind, pkind = OPS[op]
    x, policy = RANDOM[op](rng)
    args = {kind: x}
    if policy is not None:
        args["policy"] = policy
    return args


@pytest.mark.parametrize("op", sorted(OPS))
def test_random(op):
    mod, ref, fn, kind, pkind = OPS[op]
    rng = random.Random(op)
    seen = set()
    for _ in range(1500):
        args = _random_args(op, rng)
        ours, theirs = _run(mod, fn, kind, pkind, args), _run(ref, fn, kind, pkind, args)
        _compare(op, ours, theirs)
        seen.add(_verdict_value(theirs))
    assert len(seen) >= 2, seen


def _verdict_value(result):
    v = getattr(result, "verdict", result)
    return getattr(v, "state", v).value


def test_breaker_fold_matches_reference():
    rng = random.Random(11)
    for policy_args in [{}, {"max_consecutive": 2, "max_total": 5, "on_trip": "HUMAN"}, {"max_consecutive": 0, "max_total": 3}]:
        ours_p, ref_p = _build(brk, "bpolicy", policy_args), _build(ref_brk, "bpolicy", policy_args)
        ours_c, ref_c = brk.BreakerCounts(), ref_brk.BreakerCounts()
        for _ in range(60):
            step = rng.choice(["record_failure", "record_failure", "record_success"])
            a, b = getattr(brk, step)(ours_c, ours_p), getattr(ref_brk, step)(ref_c, ref_p)
            _compare(f"breaker.{step}", a, b)
            ours_c, ref_c = a.counts, b.counts
            _compare("breaker.classify", brk.classify(ours_c, ours_p), ref_brk.classify(ref_c, ref_p))


# -- the public surface ------------------------------------------------------

def _same_fields(ours, ref):
    """Inputs are dataclasses with the reference's fields in order; verdicts
    are native classes exposing every field the reference's has."""
    names = list(ref.__dataclass_fields__)
    if dataclasses.is_dataclass(ours):
        assert list(ours.__dataclass_fields__) == names
    else:
        assert all(isinstance(getattr(ours, n, None), property) or hasattr(ours, n) for n in names), (ours, names)


def test_names_defaults_and_helpers():
    for ours, ref, enum_name in [(lvn, ref_lvn, "Liveness"), (prd, ref_prd, "Productivity"), (eff, ref_eff, "Efficiency"), (brk, ref_brk, "BreakerState"), (brk, ref_brk, "Escalation")]:
        assert [(m.name, m.value) for m in getattr(ours, enum_name)] == [(m.name, m.value) for m in getattr(ref, enum_name)]
        assert all(str(m) == m.value and isinstance(m, str) for m in getattr(ours, enum_name))
        assert {f.name: getattr(ours.DEFAULT_POLICY, f.name) for f in dataclasses.fields(ours.DEFAULT_POLICY)} == vars(ref.DEFAULT_POLICY)
    assert brk.DEFAULT_POLICY.on_trip is brk.Escalation.NONE
    for cls in ["LivenessPolicy", "ProgressEvidence", "LivenessVerdict"]:
        _same_fields(getattr(lvn, cls), getattr(ref_lvn, cls))
    for cls in ["ProductivityPolicy", "WorkHistory", "ProductivityVerdict"]:
        _same_fields(getattr(prd, cls), getattr(ref_prd, cls))
    for cls in ["EfficiencyPolicy", "EfficiencyEvidence", "EfficiencyVerdict"]:
        _same_fields(getattr(eff, cls), getattr(ref_eff, cls))
    for cls in ["BreakerPolicy", "BreakerCounts", "BreakerVerdict", "BreakerTransition"]:
        _same_fields(getattr(brk, cls), getattr(ref_brk, cls))

    h = prd.WorkHistory.of([3, 1])
    assert h.deltas == (3, 1) and h.step_count == 2 and prd.WorkHistory([5]).deltas == (5,)
    e = eff.EfficiencyEvidence.of(3, 7000)
    assert e.ratio == ref_eff.EfficiencyEvidence.of(3, 7000).ratio and eff.EfficiencyEvidence().ratio == 0.0
    v = brk.classify(brk.BreakerCounts(3, 3))
    assert v.is_open and v.tripped_on == "consecutive"
    t = brk.record_success(brk.BreakerCounts(3, 20))
    assert t.counts == brk.BreakerCounts(0, 20) and t.verdict.tripped_on == "total"
    assert t.to_dict()["counts"] == {"consecutive": 0, "total": 20}
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.counts.total = 1


def test_mappings_and_reference_objects_are_taken():
    v = lvn.classify({"run_started_ms": 0, "now_ms": 0, "commits_since_start": 2})
    assert v.verdict is lvn.Liveness.ADVANCING and type(v.evidence) is lvn.ProgressEvidence
    v = prd.classify(ref_prd.WorkHistory.of([900, 20, 3]))
    assert v.verdict is prd.Productivity.DIMINISHING and v.history == prd.WorkHistory((900, 20, 3))
    v = eff.classify(ref_eff.EfficiencyEvidence(0, 5000), ref_eff.EfficiencyPolicy(floor=0.1))
    assert v.verdict is eff.Efficiency.WASTEFUL and v.to_dict()["evidence"] == {"work": 0, "tokens": 5000, "ratio": 0.0}
    v = brk.classify({"consecutive": 5}, ref_brk.BreakerPolicy(on_trip=ref_brk.Escalation.JUDGE))
    assert v.escalation is brk.Escalation.JUDGE


@pytest.mark.parametrize(
    "make",
    [
        lambda: lvn.ProgressEvidence(0, 0, -1),
        lambda: lvn.ProgressEvidence(0, 0, 0, journal_events_since=-1),
        lambda: lvn.LivenessPolicy(grace_ms=-1),
        lambda: prd.WorkHistory((1, -1)),
        lambda: prd.ProductivityPolicy(min_steps=-1),
        lambda: prd.ProductivityPolicy(floor=-1),
        lambda: eff.EfficiencyEvidence(work=-1),
        lambda: eff.EfficiencyEvidence(tokens=-1),
        lambda: eff.EfficiencyPolicy(floor=-0.5),
        lambda: brk.BreakerPolicy(max_total=-1),
        lambda: brk.BreakerCounts(consecutive=-1),
    ],
)
def test_construction_refusals(make):
    with pytest.raises(ValueError):
        make()


def _bent(obj, **fields):
    """``obj`` with ``fields`` set past its construction check, as a hostile
    caller can (``object.__setattr__`` on the frozen instance)."""
    for k, v in fields.items():
        object.__setattr__(obj, k, v)
    return obj


@pytest.mark.parametrize(
    "call",
    [
        lambda: lvn.classify(lvn.ProgressEvidence(0.5, 0, 0)),
        # refused when built, and still refused by the call when the check was skipped
        lambda: lvn.classify(_bent(lvn.ProgressEvidence(0, 0, 0), commits_since_start=-1)),
        lambda: lvn.classify(_bent(lvn.ProgressEvidence(0, 0, 0), journal_events_since=-1)),
        lambda: lvn.classify(lvn.ProgressEvidence(0, 0, 0), _bent(lvn.LivenessPolicy(), spin_ms=-1)),
        lambda: lvn.classify({"run_started_ms": 0, "now_ms": 0}),
        lambda: lvn.classify(lvn.ProgressEvidence(0, 0, 0, process_alive=0)),
        lambda: lvn.classify(lvn.ProgressEvidence(2**64, 0, 0)),
        lambda: prd.classify({"deltas": [1, -2]}),
        lambda: prd.classify(prd.WorkHistory((True,))),
        lambda: eff.classify({"work": 1, "tokens": 2, "extra": 3}),
        lambda: eff.classify(eff.EfficiencyEvidence(1, 2), {"floor": "x"}),
        lambda: brk.classify({"consecutive": -1}),
        lambda: brk.record_failure(brk.BreakerCounts(), {"max_consecutive": 0, "max_total": 0}),
        lambda: brk.record_success(brk.BreakerCounts(), brk.BreakerPolicy(on_trip="SOMETIMES")),
        # breaker is generated: a policy with both rungs off is built (each
        # field is in its range); the call refuses it, as the reference
        # refuses it when the policy is built.
        lambda: brk.classify(brk.BreakerCounts(), brk.BreakerPolicy(max_consecutive=0, max_total=0)),
    ],
)
def test_native_refusals(call):
    with pytest.raises(DosError) as e:
        call()
    assert e.value.code == "BAD_ARGS" and isinstance(e.value, ValueError)


# -- accelerate() ------------------------------------------------------------

def _ref_inputs():
    """(function, args) pairs on the reference's own classes, random and edge."""
    rng = random.Random(3)
    out = []
    for op, (mod, ref, fn, kind, pkind) in OPS.items():
        for _ in range(150):
            args = _random_args(op, rng)
            x = _build(ref, kind, args[kind])
            p = _build(ref, pkind, args["policy"]) if "policy" in args else None
            out.append((ref, fn, (x,) if p is None else (x, p)))
    return out


def _shape(result):
    """Everything but the prose, with the types of each object."""
    if hasattr(result, "counts"):
        v = result.verdict
        return (type(result), type(result.counts), result.counts, type(v), v.state, v.escalation, v.tripped_on)
    if hasattr(result, "state"):
        return (type(result), result.state, result.escalation, result.tripped_on)
    d = _strip(result.to_dict())
    inner = getattr(result, "evidence", None) or getattr(result, "history", None)
    return (type(result), result.verdict, type(inner), id(inner), d)


def test_accelerated_matches_reference():
    dos_native.restore()
    calls = _ref_inputs()
    plain = [_shape(getattr(ref, fn)(*a)) for ref, fn, a in calls]
    swapped = dos_native.accelerate()
    try:
        for name in ["dos.liveness.classify", "dos.productivity.classify", "dos.efficiency.classify",
                     "dos.breaker.record_failure", "dos.breaker.record_success", "dos.breaker.classify"]:
            assert name in swapped
        fast = [getattr(ref, fn)(*a) for ref, fn, a in calls]
        assert [_shape(r) for r in fast] == plain
        # Served natively: libdos's prose.
        r = ref_lvn.classify(ref_lvn.ProgressEvidence(0, 0, 1))
        assert r.reason.startswith("ADVANCING") and isinstance(r, ref_lvn.LivenessVerdict)
        t = ref_brk.record_failure(ref_brk.BreakerCounts(2, 2), ref_brk.BreakerPolicy(on_trip=ref_brk.Escalation.HUMAN))
        assert t.verdict.escalation is ref_brk.Escalation.HUMAN and t.verdict.is_open
        assert type(t) is ref_brk.BreakerTransition and t.counts == ref_brk.BreakerCounts(3, 3)
    finally:
        dos_native.restore()
    assert dos_native.accelerated() == []
    assert [_shape(getattr(ref, fn)(*a)) for ref, fn, a in calls] == plain


class _DuckEvidence:
    run_started_ms, now_ms, commits_since_start, journal_events_since = 0, 0, 0, 0
    last_heartbeat_age_ms, tokens_spent_since, process_alive = 5, None, None


_DUCK = _DuckEvidence()


def _fallback_calls():
    """Inputs the native side cannot take, or would read differently."""
    big = 2**70
    return [
        (ref_lvn, "classify", (ref_lvn.ProgressEvidence(0, 0, True),)),
        (ref_lvn, "classify", (ref_lvn.ProgressEvidence(0.5, 10**8, 0, last_heartbeat_age_ms=1.5),)),
        (ref_lvn, "classify", (ref_lvn.ProgressEvidence(0, big, 0, last_heartbeat_age_ms=0),)),
        (ref_lvn, "classify", (ref_lvn.ProgressEvidence(0, 0, 0, last_heartbeat_age_ms=0, process_alive=0),)),
        (ref_lvn, "classify", (_DUCK,)),
        (ref_prd, "classify", (ref_prd.WorkHistory((big, big, big)), ref_prd.ProductivityPolicy(floor=big * 2))),
        (ref_prd, "classify", (ref_prd.WorkHistory((True, 0, False)),)),
        (ref_eff, "classify", (ref_eff.EfficiencyEvidence(1.5, 2000),)),
        (ref_eff, "classify", (ref_eff.EfficiencyEvidence(big, big * 3), ref_eff.EfficiencyPolicy(floor=True))),
        (ref_brk, "record_failure", (ref_brk.BreakerCounts(big, big),)),
        (ref_brk, "classify", (ref_brk.BreakerCounts(0, 0), ref_brk.BreakerPolicy(on_trip="JUDGE"))),
        (ref_brk, "record_success", (ref_brk.BreakerCounts(True, 25),)),
    ]


def _outcome(ref, fn, args):
    try:
        return ("ok", getattr(ref, fn)(*args))
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return ("raised", type(e))


def test_fallback_keeps_the_reference_answer():
    dos_native.restore()
    want = [_outcome(*c) for c in _fallback_calls()]
    dos_native.accelerate()
    try:
        got = [_outcome(*c) for c in _fallback_calls()]
        # Dicts are not the reference's classes: the original answers (and raises).
        with pytest.raises(AttributeError):
            ref_lvn.classify({"run_started_ms": 0, "now_ms": 0, "commits_since_start": 1})
        with pytest.raises(AttributeError):
            ref_brk.classify(ref_brk.BreakerCounts(9, 9), ref_brk.BreakerPolicy(on_trip="JUDGE"))
    finally:
        dos_native.restore()
    # Equal including the prose: the original function produced them.
    assert got == want
    assert any(kind == "ok" for kind, _ in got)


def test_slotted_reference_classes_are_not_swapped():
    # breaker is on the generated route: a module whose classes the route
    # cannot serve (a slotted record, no verdict classes) is still bound, but
    # every call goes to the original (the old hand factory returned the
    # original itself; that identity was a detail of the hand glue).
    import types

    from dos_native import _accelerate

    @dataclasses.dataclass(frozen=True, slots=True)
    class Counts:
        consecutive: int = 0
        total: int = 0

    fake = types.ModuleType("fake")
    fake.BreakerCounts = Counts

    def original(counts, policy=None):
        return "original"

    factory = _accelerate._TABLE[("dos.breaker", "classify")]
    assert factory(fake, original)(Counts(5, 5)) == "original"
    assert factory(ref_brk, original) is not original
