"""Issue 9, the arbiter cluster's pure leaves on the generated route
(lock_modes, lane_overlap, overlap_policy, durable_schema): the typed
functions rendered from the op table replay the golden corpus and keep the
reference's signatures, and the accelerate() mappings answer as the
reference does."""
import importlib
import inspect
import json
import random

import pytest

import dos_native
from dos_native import _adapter
from dos_native._mapping import ARBITER_LEAVES, ARBITER_LEAVES_SLOWER

pytest.importorskip("dos.lock_modes")

ROUTES = ARBITER_LEAVES + ARBITER_LEAVES_SLOWER
OPS = [r.op for r in ROUTES]


def _typed(module):
    return importlib.import_module(f"dos_native.{module}")


def _reference(module):
    return importlib.import_module(f"dos.{module}")


def _records(golden_dir, op):
    from conftest import read_golden

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


def _plain(v):
    return v.to_dict() if hasattr(v, "to_dict") else v


def _without(d, prose):
    if not isinstance(d, dict):
        return d
    return {k: v for k, v in d.items() if k not in prose}


@pytest.mark.parametrize("op", OPS)
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    module, function = op.split(".")
    fn = getattr(_typed(module), function)
    ok = refused = 0
    for place, rec in _records(golden_dir, op):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                fn(**args)
            refused += 1
            continue
        got = _plain(fn(**args))
        assert _without(got, rec["prose"]) == _without(rec["expected"], rec["prose"]), place
        for path, facts in rec["prose"].items():
            assert all(f in got[path] for f in facts), (place, got[path], facts)
        ok += 1
    # (modes_compatible has four well-formed answers: the 2 x 2 modes)
    assert ok + refused >= 200 and ok >= 4


@pytest.mark.parametrize("op", OPS)
def test_typed_functions_keep_the_reference_parameters(op):
    module, function = op.split(".")
    ours = inspect.signature(getattr(_typed(module), function))
    theirs = inspect.signature(getattr(_reference(module), function))
    assert list(ours.parameters) == list(theirs.parameters)


@pytest.fixture
def swapped():
    # Those declared but not swapped by default (_mapping.SLOWER) are registered here.
    _adapter.register(ARBITER_LEAVES_SLOWER)
    dos_native.accelerate()
    yield
    dos_native.restore()


def _outcome(f, args):
    try:
        v = f(**args)
    except Exception as e:  # noqa: BLE001 - the same exception type either way
        return ("raised", type(e))
    if hasattr(v, "__dataclass_fields__"):
        return ("ok", type(v), {k: getattr(v, k) for k in v.__dataclass_fields__ if k != "reason"})
    return ("ok", v)


@pytest.mark.parametrize("op", OPS)
def test_accelerated_functions_agree_with_the_reference(golden_dir, swapped, op):
    module, function = op.split(".")
    fn = getattr(_reference(module), function)
    assert getattr(fn, "__dos_native_op__", None) == op
    checked = 0
    for place, rec in _records(golden_dir, op):
        args = json.loads(rec["request"])["args"]
        assert _outcome(fn, args) == _outcome(fn.__wrapped__, args), place
        checked += 1
    assert checked >= 100


# -- lock_modes ------------------------------------------------------------------

ODD_MODES = [5, None, ["shared"], True, 1.5, {"mode": "shared"}, "read", "", "SHARED"]
TREES = [(["a/"], ["b/"]), ([], ["a/"]), (["a/"], []), (["a/"], ["a/x"]), (["**/*"], ["docs/"])]


def test_region_conflict_reads_a_mode_only_when_the_regions_intersect(swapped):
    """The reference looks a mode up only for intersecting regions: beside
    disjoint (or empty) trees any value answers False; an intersecting pair
    with a value that names no mode raises. The op models that order (its
    modes cross as plain values, read inside the decider)."""
    from dos_native import lock_modes

    ref = _reference("lock_modes")
    for req, lease in TREES:
        for odd in ODD_MODES:
            for args in ({"requested_mode": odd, "lease_mode": "shared"},
                         {"requested_mode": "exclusive", "lease_mode": odd}):
                kw = dict(requested_tree=req, lease_tree=lease, **args)
                try:
                    want = ref.region_conflict.__wrapped__(**kw)
                except Exception:  # noqa: BLE001 - KeyError or TypeError in the reference
                    want = "raised"
                try:
                    got = dos_native.dispatch("lock_modes.region_conflict", kw)
                except dos_native.BadArgsError:
                    got = "raised"
                assert got == want, kw
                if type(odd) is str:
                    try:
                        typed = lock_modes.region_conflict(**kw)
                    except dos_native.BadArgsError:
                        typed = "raised"
                    assert typed == want, kw
                assert _outcome(ref.region_conflict, kw) == _outcome(ref.region_conflict.__wrapped__, kw), kw


def test_lock_modes_take_the_reference_members_and_keywords(swapped):
    ref = _reference("lock_modes")
    rng = random.Random(5)
    modes = [ref.LockMode.SHARED, ref.LockMode.EXCLUSIVE, "shared", "exclusive"]
    for _ in range(200):
        kw = dict(requested_tree=[rng.choice(["a/", "b/x", "**/*", "A/", ""]) for _ in range(rng.randrange(3))],
                  requested_mode=rng.choice(modes), lease_tree=[rng.choice(["a/x", "b/", "c/"])],
                  lease_mode=rng.choice(modes))
        assert ref.region_conflict(**kw) == ref.region_conflict.__wrapped__(**kw), kw
    for a in modes:
        for b in modes:
            assert ref.modes_compatible(a=a, b=b) == ref.modes_compatible.__wrapped__(a, b)
    with pytest.raises(KeyError):
        ref.modes_compatible("read", "shared")
    from dos_native import lock_modes

    assert lock_modes.DEFAULT_MODE is lock_modes.LockMode.EXCLUSIVE
    assert lock_modes.modes_compatible(lock_modes.LockMode.SHARED, lock_modes.LockMode.SHARED) is True


# -- overlap_policy ----------------------------------------------------------------


def test_admissible_under_floor_takes_the_reference_policy_objects(golden_dir):
    """The generated module re-exports its hand-written half: the policy
    objects and lookups run in Python, and ``admissible_under_floor`` takes
    a policy object and a config object as the reference's does (the floor
    and the built-in prefix policy computed in libdos)."""
    from types import SimpleNamespace

    from dos_native import overlap_policy as nop

    assert nop.OVERLAP_POLICY_ENTRY_POINT_GROUP == _reference("overlap_policy").OVERLAP_POLICY_ENTRY_POINT_GROUP
    assert list(inspect.signature(nop.admissible_under_floor).parameters) == [
        "policy", "requested_tree", "lease_tree", "config"]
    n = 0
    for place, rec in _records(golden_dir, "overlap_policy.admissible_under_floor"):
        req = json.loads(rec["request"])
        a, config = req["args"], req["config"]
        cfg = SimpleNamespace(overlap_ratio_max=config["overlap"]["ratio_max"]) if config else None
        if rec["error"]:
            with pytest.raises(ValueError):
                nop.admissible_under_floor(nop.resolve_overlap_policy(a["policy"]), a["requested_tree"],
                                           a["lease_tree"], cfg)
            continue
        d = nop.admissible_under_floor(nop.resolve_overlap_policy(a["policy"]), a["requested_tree"], a["lease_tree"], cfg)
        assert isinstance(d, nop.OverlapDecision)
        assert _without(d.to_dict(), rec["prose"]) == _without(rec["expected"], rec["prose"]), place
        # the op itself, by name, under the same config
        by_name = dos_native.dispatch("overlap_policy.admissible_under_floor", a, config)
        assert _without(by_name, rec["prose"]) == _without(rec["expected"], rec["prose"]), place
        n += 1
    assert n >= 150

    class Loose:
        name = "loose"

        def overlaps(self, requested_tree, lease_tree, config):
            raise RuntimeError("boom")

    d = nop.admissible_under_floor(Loose(), ["a/x", "b/", "c/"], ["a/"], None)
    assert (d.verdict, d.admissible) == (nop.Verdict.ADMIT_SOFT, True) and "boom" in d.reason
