"""``accelerate()`` entries for the arbiter cluster.

Each swapped function keeps the reference's signature and answers with the
reference's own types. ``dos.arbiter.arbitrate`` and
``dos.admission.run_predicates`` become libdos functions that call the
caller's callables and predicate objects back at the points the reference
calls them; whatever libdos cannot take (an argument of another type, a lone
surrogate, a predicate refusal whose reason is not a str) goes to the
original function. (``dos.lane_overlap`` and ``dos.lock_modes`` are on the
generated route: their accelerate entries are ``_mapping`` routes.)
"""
from __future__ import annotations

import importlib
from types import ModuleType

from . import _native, _typed
from ._accelerate import _SWAPPED, AnyFn, register


def _original(module: str, attr: str, current: AnyFn) -> AnyFn:
    return _SWAPPED.get((module, attr), current)


def _bind_reference(**originals: AnyFn) -> None:
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
        "config_type": importlib.import_module("dos.config").SubstrateConfig,
        "lanes_type": importlib.import_module("dos.config").LaneTaxonomy,
        "fallback_arbitrate": originals.get("arbitrate") or _original("dos.arbiter", "arbitrate", arb.arbitrate),
        "fallback_run_predicates": originals.get("run_predicates")
        or _original("dos.admission", "run_predicates", adm.run_predicates),
    }
    _native._bind_arbiter("reference", spec)


def _arbitrate(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
    _bind_reference(arbitrate=original)
    return _typed.native(_native.bind_arbiter_ref("arbitrate", original), original)


def _arbitrate_lane(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
    _bind_reference(arbitrate=_original("dos.arbiter", "arbitrate", original))
    return _typed.native(_native.bind_arbiter_ref("arbitrate", original), original)


def _run_predicates(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
    _bind_reference(run_predicates=original)
    return _typed.native(_native.bind_arbiter_ref("run_predicates", original), original)


register("dos.arbiter", "arbitrate", _arbitrate)
register("dos.arbiter", "arbitrate_lane", _arbitrate_lane)
register("dos.admission", "run_predicates", _run_predicates)
