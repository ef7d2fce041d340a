"""``accelerate()`` entries for the arbiter cluster.

Each swapped function keeps the reference's signature and answers with the
reference's own types. ``dos.arbiter.arbitrate`` and
``dos.admission.run_predicates`` become libdos functions that call the
caller's callables and predicate objects back at the points the reference
calls them; whatever libdos cannot take (an argument of another type, a lone
surrogate, a predicate refusal whose reason is not a str) goes to the
original function. ``dos.lane_overlap.overlap_verdict`` and
``dos.lock_modes.*`` bind their arguments as the originals do and fall back
the same way on anything but exact built-in types (and, for a lock mode,
the reference's own ``LockMode`` members).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from . import _native, _typed
from ._accelerate import _SWAPPED, FALLBACK, AnyFn, Factory, register, same_signature
from ._native import BadArgsError


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


def _overlap_verdict(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
    Decision = ref_mod.OverlapDecision
    verdicts = {m.value: m for m in ref_mod.Verdict}
    exact, new = _native._dispatch_exact, object.__new__

    def serve(a: dict[str, Any]) -> Any:
        ratio_max = a["ratio_max"]
        if type(ratio_max) is not float and type(ratio_max) is not int:
            return FALLBACK
        try:
            d = exact("lane_overlap.overlap_verdict", a)
        except BadArgsError:
            return FALLBACK
        if d is NotImplemented:
            return FALLBACK
        out = new(Decision)
        f = out.__dict__
        f["verdict"] = verdicts[d["verdict"]]
        f["shared"] = d["shared"]
        f["requested"] = d["requested"]
        f["reason"] = d["reason"]
        return out

    return same_signature(original, serve)


def _lock(op: str, modes: tuple[str, ...]) -> Factory:
    """``modes_compatible`` / ``region_conflict``: a mode is an exact ``str``
    or one of the reference's own ``LockMode`` members (read as its value);
    anything else runs the original."""

    def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
        exact = _native._dispatch_exact
        members = {id(m): m.value for m in ref_mod.LockMode}

        def serve(a: dict[str, Any]) -> Any:
            args = dict(a)
            for k in modes:
                v = args[k]
                if type(v) is not str:
                    v = members.get(id(v))
                    if v is None:
                        return FALLBACK
                    args[k] = v
            try:
                out = exact(op, args)
            except BadArgsError:
                return FALLBACK
            return FALLBACK if out is NotImplemented else out

        return same_signature(original, serve)

    return factory


register("dos.arbiter", "arbitrate", _arbitrate)
register("dos.arbiter", "arbitrate_lane", _arbitrate_lane)
register("dos.admission", "run_predicates", _run_predicates)
register("dos.lane_overlap", "overlap_verdict", _overlap_verdict)
register("dos.lock_modes", "modes_compatible", _lock("lock_modes.modes_compatible", ("a", "b")))
register("dos.lock_modes", "region_conflict", _lock("lock_modes.region_conflict", ("requested_mode", "lease_mode")))
