"""The typed modules' records: frozen dataclasses whose fields live in the
native slots of `_native.Record` (python/src/record.rs, `_route.record`)."""
from __future__ import annotations

import copy
import dataclasses
import gc
import pickle
import weakref

import dos.liveness as ref_liveness
import pytest

from dos_native import _native
from dos_native import liveness as L
from dos_native import hook_exit as H
from dos_native._route import record


def _evidence(**kw):
    base = dict(run_started_ms=0, now_ms=1000, commits_since_start=0, last_heartbeat_age_ms=10)
    base.update(kw)
    return L.ProgressEvidence(**base)


def test_a_record_is_a_frozen_dataclass_with_the_reference_fields():
    ev = _evidence()
    assert dataclasses.is_dataclass(ev) and isinstance(ev, _native.Record)
    assert [f.name for f in dataclasses.fields(ev)] == [f.name for f in dataclasses.fields(ref_liveness.ProgressEvidence)]
    assert not hasattr(ev, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.now_ms = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del ev.now_ms  # type: ignore[misc]
    assert dataclasses.asdict(ev) == dataclasses.asdict(ref_liveness.ProgressEvidence(**dataclasses.asdict(ev)))
    other = dataclasses.replace(ev, now_ms=2000)
    assert other.now_ms == 2000 and ev.now_ms == 1000 and other != ev
    assert ev == _evidence() and hash(ev) == hash(_evidence())
    assert repr(ev).startswith("ProgressEvidence(run_started_ms=0, now_ms=1000,")


def test_the_class_reads_defaults_as_a_dataclass_does():
    assert L.ProgressEvidence.journal_events_since == 0
    assert L.ProgressEvidence.process_alive is None
    with pytest.raises(AttributeError):
        L.ProgressEvidence.now_ms  # noqa: B018 - a field with no default has no class attribute


def test_construction_refuses_what_the_generated_init_refuses():
    with pytest.raises(TypeError):
        L.ProgressEvidence(now_ms=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        L.ProgressEvidence(0, 1, 2, nope=3)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="commits_since_start"):
        _evidence(commits_since_start=-1)
    # __new__ alone leaves every field unset, as object.__new__ leaves a dataclass.
    bare = L.ProgressEvidence.__new__(L.ProgressEvidence)
    with pytest.raises(AttributeError):
        bare.now_ms  # noqa: B018


def test_pickle_and_copy_give_equal_records():
    v = L.classify(_evidence())
    for twin in (pickle.loads(pickle.dumps(v)), copy.copy(v), copy.deepcopy(v)):
        assert twin == v and type(twin) is L.LivenessVerdict and twin.reason == v.reason


def test_a_lazily_written_reason_reads_as_the_eager_one():
    # The fast path stores the typed verdict's reason unwritten; the envelope
    # writes it eagerly. Both read the same, in every state of the ladder.
    cases = [
        _evidence(commits_since_start=2),
        _evidence(journal_events_since=3),
        _evidence(last_heartbeat_age_ms=None),
        _evidence(last_heartbeat_age_ms=10**9),
        _evidence(process_alive=False),
        _evidence(now_ms=10),
        _evidence(now_ms=10**12),
    ]
    for ev in cases:
        v = L.classify(ev)
        eager = _native.dispatch("liveness.classify", {"ev": ev.to_dict()})
        assert v.reason == eager["reason"] and v.to_dict() == eager
        assert v.reason is v.reason  # written once, then kept
        assert v == L.classify(ev) and hash(v) == hash(L.classify(ev))


def test_object_setattr_stores_through_the_field():
    ev = _evidence()
    object.__setattr__(ev, "now_ms", 7)
    assert ev.now_ms == 7


def test_a_cycle_through_a_record_is_collected():
    box: list = []
    policy = H.HookExitPolicy(mapping={2: H.Intervention.BLOCK})
    # A dict field holding the record itself: only the GC frees it.
    policy.mapping[99] = policy  # type: ignore[assignment]
    box.append(weakref.ref(policy))
    del policy
    gc.collect()
    assert box[0]() is None


def test_record_refuses_a_class_without_the_native_base_or_slots():
    with pytest.raises(TypeError):

        @record
        class Plain:  # noqa: B903
            x: int

    with pytest.raises(TypeError):

        @record
        class NoSlots(_native.Record):
            x: int


def _lazy_matches_envelope(typed, op, args, to_args):
    """A typed verdict (reason stored unwritten by the fast path) reads as the
    envelope's eager verdict, field for field."""
    eager = _native.dispatch(op, to_args(args))
    assert typed.reason == eager["reason"] and typed.to_dict() == eager
    assert typed.reason is typed.reason


def test_lazy_reasons_of_the_other_fast_paths_read_as_the_eager_ones():
    from dos_native import efficiency as E
    from dos_native import productivity as P

    for deltas in [(), (5,), (5, 0), (1, 1), (1, 1, 9), (9, 9), (0,), (3, 1)]:
        h = P.WorkHistory(deltas=deltas)
        for policy in (P.DEFAULT_POLICY, P.ProductivityPolicy(min_steps=1, floor=2)):
            _lazy_matches_envelope(P.classify(h, policy), "productivity.classify", (h, policy),
                                   lambda a: {"history": a[0].to_dict(), "policy": a[1].to_dict()})
    for work, tokens in [(0, 0), (0, 5000), (3, 5000), (5000, 5000), (1, 10), (7, 3000)]:
        ev = E.EfficiencyEvidence(work=work, tokens=tokens)
        for policy in (E.DEFAULT_POLICY, E.EfficiencyPolicy(min_tokens=1, floor=0.01), E.EfficiencyPolicy(min_tokens=1, floor=1)):
            _lazy_matches_envelope(E.classify(ev, policy), "efficiency.classify", (ev, policy),
                                   lambda a: {"evidence": a[0].to_dict(), "policy": a[1].to_dict()})
    for code in (0, 1, 2, 7, 127, -3):
        for policy in (H.DEFAULT_POLICY, H.HookExitPolicy(pass_code=1, mapping={7: None, 2: H.Intervention.WARN})):
            v = H.classify_exit(code, policy)
            eager = _native.dispatch("hook_exit.classify_exit", {"code": code, "policy": policy.to_dict()})
            assert v.reason == eager["reason"] and v.to_dict() == eager


def test_lazy_reasons_of_the_breaker_fast_paths_read_as_the_eager_ones():
    from dos_native import breaker as B

    policies = (
        B.DEFAULT_POLICY,
        B.BreakerPolicy(max_consecutive=0, max_total=2, on_trip=B.Escalation.HUMAN),
        B.BreakerPolicy(max_consecutive=2, max_total=0, on_trip=B.Escalation.JUDGE),
    )
    for consecutive, total in [(0, 0), (1, 1), (2, 5), (3, 3), (0, 19), (0, 20), (25, 25), (2**63 - 1, 2**63 - 1)]:
        counts = B.BreakerCounts(consecutive=consecutive, total=total)
        for policy in policies:
            args = {"counts": counts.to_dict(), "policy": policy.to_dict()}
            _lazy_matches_envelope(B.classify(counts, policy), "breaker.classify", None, lambda _: args)
            for fn, op in ((B.record_failure, "breaker.record_failure"), (B.record_success, "breaker.record_success")):
                t = fn(counts, policy)
                eager = _native.dispatch(op, args)
                assert t.verdict.reason == eager["verdict"]["reason"] and t.to_dict() == eager
                assert t.verdict.reason is t.verdict.reason


def test_lazy_reasons_of_exec_capability_and_durable_schema_read_as_the_eager_ones():
    from dos_native import durable_schema as D
    from dos_native import exec_capability as X

    commands = ["", "   ", "ls -la", "bash -c 'x'", "sudo python3 x.py", "FOO=1 env node", "Ünïcode tök", "NODE"]
    for command in commands:
        for policy in (X.DEFAULT_POLICY, X.ExecCapabilityPolicy(programs=frozenset({"ls", "tök"}))):
            args = {"command": command, "policy": policy.to_dict()}
            _lazy_matches_envelope(X.classify_command(command, policy), "exec_capability.classify_command", None,
                                   lambda _: args)
    records = [{}, {"schema": 1}, {"schema": 3}, {"schema": 10**30}, {"schema": "x"}, {"schema": {"family": "a", "version": 1}},
               {"schema": {"family": "b", "version": 2}}, {"schema": {"family": "", "version": 9}}, {"schema": {"family": "a\udc80"}}]
    for rec in records:
        for family in ("a", "", "é\udc80"):
            for understands in (1, 2, -1):
                args = {"record": rec, "family": family, "understands": understands}
                _lazy_matches_envelope(D.classify(rec, family=family, understands=understands), "durable_schema.classify",
                                       None, lambda _: args)
