"""``accelerate()`` entries for the arbiter cluster.

Each swapped function keeps the reference's signature and answers with the
reference's own types. ``dos.arbiter.arbitrate`` and
``dos.admission.run_predicates`` become libdos functions that call the
caller's callables and predicate objects back at the points the reference
calls them; whatever libdos cannot take (an argument of another type, a lone
surrogate, a predicate refusal whose reason is not a str) goes to the
original function. ``dos.lane_overlap.overlap_verdict`` and
``dos.lock_modes.*`` fall back the same way.
"""
from __future__ import annotations

import functools
import importlib

from . import _native
from ._accelerate import _SWAPPED, register


def _original(module: str, attr: str, current):
    return _SWAPPED.get((module, attr), current)


def _bind_reference(**originals) -> None:
    adm = importlib.import_module("dos.admission")
    arb = importlib.import_module("dos.arbiter")
    spec = {
        "decision": arb.LaneDecision,
        "request": adm.AdmissionRequest,
        "verdict": adm.AdmissionVerdict,
        "verdict_types": (adm.AdmissionVerdict,),
        "disjointness": adm.DisjointnessPredicate,
        "self_modify": importlib.import_module("dos.self_modify").SelfModifyPredicate,
        "prefix_policy": importlib.import_module("dos.overlap_policy").PrefixOverlapPolicy,
        "built_in_predicates": adm.built_in_predicates,
        "ensure": importlib.import_module("dos.config").ensure,
        "fallback_arbitrate": originals.get("arbitrate") or _original("dos.arbiter", "arbitrate", arb.arbitrate),
        "fallback_run_predicates": originals.get("run_predicates")
        or _original("dos.admission", "run_predicates", adm.run_predicates),
    }
    _native._bind_arbiter("reference", spec)


def _arbitrate(ref_mod, original):
    _bind_reference(arbitrate=original)
    return _native.arbitrate_ref


def _arbitrate_lane(ref_mod, original):
    _bind_reference(arbitrate=_original("dos.arbiter", "arbitrate", original))
    return _native.arbitrate_ref


def _run_predicates(ref_mod, original):
    _bind_reference(run_predicates=original)
    return _native.run_predicates_ref


def _overlap_verdict(ref_mod, original):
    Decision = ref_mod.OverlapDecision
    verdicts = {m.value: m for m in ref_mod.Verdict}
    default = ref_mod.OVERLAP_RATIO_MAX
    dispatch, new = _native.dispatch, object.__new__

    @functools.wraps(original)
    def overlap_verdict(requested_tree, lease_tree, *, ratio_max=default):
        try:
            if type(ratio_max) is not float and type(ratio_max) is not int:
                raise TypeError
            d = dispatch("lane_overlap.overlap_verdict", {
                "requested_tree": requested_tree, "lease_tree": lease_tree, "ratio_max": ratio_max})
            v = verdicts[d["verdict"]]
        except Exception:
            return original(requested_tree, lease_tree, ratio_max=ratio_max)
        out = new(Decision)
        f = out.__dict__
        f["verdict"] = v
        f["shared"] = d["shared"]
        f["requested"] = d["requested"]
        f["reason"] = d["reason"]
        return out

    return overlap_verdict


def _lock(op: str, names: tuple):
    def factory(ref_mod, original):
        dispatch = _native.dispatch

        @functools.wraps(original)
        def swapped(*args):
            try:
                if len(args) != len(names):
                    raise TypeError
                return dispatch(op, dict(zip(names, args)))
            except Exception:
                return original(*args)

        return swapped

    return factory


register("dos.arbiter", "arbitrate", _arbitrate)
register("dos.arbiter", "arbitrate_lane", _arbitrate_lane)
register("dos.admission", "run_predicates", _run_predicates)
register("dos.lane_overlap", "overlap_verdict", _overlap_verdict)
register("dos.lock_modes", "modes_compatible", _lock("lock_modes.modes_compatible", ("a", "b")))
register("dos.lock_modes", "region_conflict", _lock(
    "lock_modes.region_conflict", ("requested_tree", "requested_mode", "lease_tree", "lease_mode")))
