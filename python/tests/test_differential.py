"""Hypothesis: random inputs through dos_native and the reference agree."""
import pytest
from hypothesis import given, settings, strategies as st

dos = pytest.importorskip("dos")
import dos._tree as ref_tree  # noqa: E402
import dos.exec_capability as ref_xc  # noqa: E402

from dos_native import _tree, exec_capability as xc  # noqa: E402

TOKENS = st.sampled_from(["python", "sudo", "env", "A=1", "=x", "ls", "/usr/bin/Bash", "nice", "é=2", "npx", "ß"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
COMMAND = st.one_of(TEXT, st.lists(st.one_of(TOKENS, TEXT), max_size=5).map(" ".join))
ENTRY = st.one_of(st.sampled_from(["**/*", "src/", "SRC/x", "docs/UI-*", "", "ﬁle", "İ"]), TEXT)


@settings(max_examples=400, deadline=None)
@given(COMMAND)
def test_classify_command(cmd):
    ours, ref = xc.classify_command(cmd), ref_xc.classify_command(cmd)
    assert (ours.capability.value, ours.program) == (ref.capability.value, ref.program)


@settings(max_examples=400, deadline=None)
@given(st.lists(ENTRY, max_size=4), st.lists(ENTRY, max_size=4))
def test_lane_trees_disjoint(a, b):
    assert _tree.lane_trees_disjoint(a, b) == ref_tree.lane_trees_disjoint(a, b)
    for e in a:
        assert _tree.norm_tree_prefix(e) == ref_tree.norm_tree_prefix(e)


# -- loop economics: liveness, productivity, efficiency, breaker ---------------

import dos.breaker as ref_brk  # noqa: E402
import dos.efficiency as ref_eff  # noqa: E402
import dos.liveness as ref_lvn  # noqa: E402
import dos.productivity as ref_prd  # noqa: E402

from dos_native import breaker as brk, efficiency as eff, liveness as lvn, productivity as prd  # noqa: E402

I64 = 2**63 - 1
NAT = st.one_of(st.integers(0, 3), st.integers(0, 2_000), st.integers(0, I64))
ANY64 = st.integers(-I64, I64)
MS = st.one_of(st.integers(0, 4_000_000), st.integers(0, I64))


def _no_reason(d):
    d = dict(d)
    d.pop("reason")
    return d


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(ANY64, st.integers(0, 10**8)),
    st.one_of(ANY64, st.integers(0, 10**8)),
    st.integers(0, 3) | NAT,
    st.integers(0, 2) | NAT,
    st.none() | st.integers(-10, 10**7) | ANY64,
    st.none() | NAT,
    st.sampled_from([None, True, False]),
    st.none() | st.tuples(MS, MS),
)
def test_liveness(started, now, commits, events, age, tokens, alive, windows):
    fields = dict(
        run_started_ms=started, now_ms=now, commits_since_start=commits, journal_events_since=events,
        last_heartbeat_age_ms=age, tokens_spent_since=tokens, process_alive=alive,
    )
    ev, ref_ev = lvn.ProgressEvidence(**fields), ref_lvn.ProgressEvidence(**fields)
    if windows is None:
        ours, ref = lvn.classify(ev), ref_lvn.classify(ref_ev)
    else:
        ours = lvn.classify(ev, lvn.LivenessPolicy(*windows))
        ref = ref_lvn.classify(ref_ev, ref_lvn.LivenessPolicy(*windows))
    assert _no_reason(ours.to_dict()) == _no_reason(ref.to_dict())


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([0, 1, 499, 500, 501]) | NAT, max_size=8),
    st.none() | st.tuples(st.integers(0, 9) | NAT, st.sampled_from([0, 1, 500]) | NAT),
)
def test_productivity(deltas, policy):
    if policy is None:
        ours, ref = prd.classify(prd.WorkHistory.of(deltas)), ref_prd.classify(ref_prd.WorkHistory.of(deltas))
    else:
        ours = prd.classify(prd.WorkHistory.of(deltas), prd.ProductivityPolicy(*policy))
        ref = ref_prd.classify(ref_prd.WorkHistory.of(deltas), ref_prd.ProductivityPolicy(*policy))
    assert _no_reason(ours.to_dict()) == _no_reason(ref.to_dict())


FLOOR = st.one_of(
    st.floats(min_value=0, allow_infinity=True),
    st.just(float("nan")),
    st.floats(0, 1e-3),
    st.integers(0, 3),
    st.integers(0, I64),
)


@settings(max_examples=400, deadline=None)
@given(NAT, st.sampled_from([0, 999, 1000, 1001]) | NAT, st.none() | st.tuples(st.sampled_from([0, 1000]) | NAT, FLOOR))
def test_efficiency(work, tokens, policy):
    if policy is None:
        ours = eff.classify(eff.EfficiencyEvidence.of(work, tokens))
        ref = ref_eff.classify(ref_eff.EfficiencyEvidence.of(work, tokens))
    else:
        ours = eff.classify(eff.EfficiencyEvidence.of(work, tokens), eff.EfficiencyPolicy(*policy))
        ref = ref_eff.classify(ref_eff.EfficiencyEvidence.of(work, tokens), ref_eff.EfficiencyPolicy(*policy))
    assert _no_reason(ours.to_dict()) == _no_reason(ref.to_dict())


@settings(max_examples=400, deadline=None)
@given(
    NAT,
    NAT,
    st.none() | st.tuples(st.integers(0, 25) | NAT, st.integers(0, 25) | NAT, st.sampled_from(["NONE", "JUDGE", "HUMAN"])),
    st.sampled_from(["record_failure", "record_success", "classify"]),
)
def test_breaker(consecutive, total, policy, fn):
    args, ref_args = [brk.BreakerCounts(consecutive, total)], [ref_brk.BreakerCounts(consecutive, total)]
    if policy is not None:
        mc, mt, on_trip = policy
        if mc == mt == 0:
            mt = 1
        args.append(brk.BreakerPolicy(mc, mt, brk.Escalation(on_trip)))
        ref_args.append(ref_brk.BreakerPolicy(mc, mt, ref_brk.Escalation(on_trip)))
    ours, ref = getattr(brk, fn)(*args), getattr(ref_brk, fn)(*ref_args)
    if fn != "classify":
        assert (ours.counts.consecutive, ours.counts.total) == (ref.counts.consecutive, ref.counts.total)
        ours, ref = ours.verdict, ref.verdict
    assert _no_reason(ours.to_dict()) == _no_reason(ref.to_dict())
