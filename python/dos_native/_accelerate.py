"""Swap the installed ``dos`` package's ported deciders for native ones.

Each swapped function keeps the reference's signature and returns the
reference's own result types. When the native side cannot serve a call (an
argument type it does not take, a lone surrogate, a Python callable it cannot
see through), the original function runs instead, so acceleration never
changes an answer or raises where the reference would not.
"""
from __future__ import annotations

import functools
import importlib
from typing import Any, Callable

from . import _native, _tree

# (module, attribute) -> original function, for what is swapped now.
_SWAPPED: dict[tuple[str, str], Callable] = {}


def _exec_classify(ref_mod, original):
    members = {m.value: m for m in ref_mod.Capability}
    Verdict = ref_mod.ExecCapabilityVerdict
    default = ref_mod.DEFAULT_POLICY
    new, setattr_ = object.__new__, object.__setattr__

    @functools.wraps(original)
    def classify_command(command, policy=default):
        try:
            v = _native.classify_command(command, None if policy is default else policy)
        except Exception:
            return original(command, policy)
        # Build the reference's frozen dataclass without its __init__ checks.
        out = new(Verdict)
        setattr_(out, "capability", members[v.capability.value])
        setattr_(out, "program", v.program)
        setattr_(out, "reason", v.reason)
        return out

    return classify_command



# The loop-economics deciders. Each swapped function serves only the
# reference's own argument classes (exact types; anything else, a subclass or
# a duck-typed object, goes to the original, which may read it differently)
# and sends their __dict__ (exactly the fields; faster to convert than the
# dataclass). It echoes the caller's evidence object as the reference does,
# and builds the reference's frozen dataclasses without running __init__ by
# filling their __dict__; a module whose classes have none (slots) is left
# alone.


def _with_dicts(factory):
    """Swap only when every dataclass the reference module defines keeps a __dict__."""

    @functools.wraps(factory)
    def guarded(ref_mod, original):
        import dataclasses

        for v in vars(ref_mod).values():
            if isinstance(v, type) and dataclasses.is_dataclass(v) and "__slots__" in vars(v):
                return original
        return factory(ref_mod, original)

    return guarded


def _classify(op: str, enum: str, verdict: str, evidence: str, policy: str, field: str, echo: str):
    """A swapped `classify(<evidence>, policy=DEFAULT_POLICY)` that answers with
    the reference's own verdict type. `field` is the op's argument name for the
    evidence; `echo` is the verdict field that carries the same object back."""

    def factory(ref_mod, original):
        states = {m.value: m for m in getattr(ref_mod, enum)}
        Verdict, Evidence, Policy = getattr(ref_mod, verdict), getattr(ref_mod, evidence), getattr(ref_mod, policy)
        default = ref_mod.DEFAULT_POLICY
        dispatch, new = _native.dispatch, object.__new__

        @functools.wraps(original)
        def classify(ev, policy=default):
            try:
                if type(ev) is not Evidence:
                    raise TypeError
                if policy is default:
                    d = dispatch(op, {field: ev.__dict__})
                elif type(policy) is Policy:
                    d = dispatch(op, {field: ev.__dict__, "policy": policy.__dict__})
                else:
                    raise TypeError
                state = states[d["verdict"]]
            except Exception:
                return original(ev, policy)
            out = new(Verdict)
            f = out.__dict__
            f["verdict"] = state
            f["reason"] = d["reason"]
            f[echo] = ev
            return out

        return classify

    return factory


_liveness_classify = _classify("liveness.classify", "Liveness", "LivenessVerdict", "ProgressEvidence",
                               "LivenessPolicy", "ev", "evidence")
_productivity_classify = _classify("productivity.classify", "Productivity", "ProductivityVerdict", "WorkHistory",
                                   "ProductivityPolicy", "history", "history")
_efficiency_classify = _classify("efficiency.classify", "Efficiency", "EfficiencyVerdict", "EfficiencyEvidence",
                                 "EfficiencyPolicy", "evidence", "evidence")


def _breaker(op: str, transition: bool):
    def factory(ref_mod, original):
        states = {m.value: m for m in ref_mod.BreakerState}
        Escalation = ref_mod.Escalation
        escalations = {m.value: m for m in Escalation}
        rungs = {None: None, "consecutive": "consecutive", "total": "total"}
        Counts, Policy = ref_mod.BreakerCounts, ref_mod.BreakerPolicy
        Verdict, Transition = ref_mod.BreakerVerdict, ref_mod.BreakerTransition
        default = ref_mod.DEFAULT_POLICY
        dispatch, new = _native.dispatch, object.__new__

        @functools.wraps(original)
        def swapped(counts, policy=default):
            try:
                if type(counts) is not Counts:
                    raise TypeError
                if policy is default:
                    d = dispatch(op, {"counts": counts.__dict__})
                # The reference formats on_trip.value, so only a real member is served.
                elif type(policy) is Policy and type(policy.on_trip) is Escalation:
                    d = dispatch(op, {"counts": counts.__dict__, "policy": policy.__dict__})
                else:
                    raise TypeError
                vd = d["verdict"] if transition else d
                v = new(Verdict)
                f = v.__dict__
                f["state"] = states[vd["state"]]
                f["escalation"] = escalations[vd["escalation"]]
                f["reason"] = vd["reason"]
                f["tripped_on"] = rungs[vd["tripped_on"]]
                if not transition:
                    return v
                c = d["counts"]
                nc = new(Counts)
                f = nc.__dict__
                f["consecutive"] = c["consecutive"]
                f["total"] = c["total"]
            except Exception:
                return original(counts, policy)
            out = new(Transition)
            f = out.__dict__
            f["counts"] = nc
            f["verdict"] = v
            return out

        return swapped

    return factory

def _plain(native: Callable) -> Callable[[Any, Callable], Callable]:
    def factory(ref_mod, original):
        @functools.wraps(original)
        def swapped(*args, **kwargs):
            try:
                return native(*args, **kwargs)
            except Exception:
                return original(*args, **kwargs)

        return swapped

    return factory


# What accelerate() can swap: (module, function) -> factory(ref_module, original).
_TABLE: dict[tuple[str, str], Callable] = {
    ("dos.exec_capability", "classify_command"): _exec_classify,
    ("dos._tree", "norm_tree_prefix"): _plain(_tree.norm_tree_prefix),
    ("dos._tree", "prefixes_collide"): _plain(_tree.prefixes_collide),
    ("dos._tree", "lane_trees_disjoint"): _plain(_tree.lane_trees_disjoint),
    ("dos._tree", "tree_disjoint_from_all_live"): _plain(_tree.tree_disjoint_from_all_live),
    ("dos.liveness", "classify"): _with_dicts(_liveness_classify),
    ("dos.productivity", "classify"): _with_dicts(_productivity_classify),
    ("dos.efficiency", "classify"): _with_dicts(_efficiency_classify),
    ("dos.breaker", "record_failure"): _with_dicts(_breaker("breaker.record_failure", True)),
    ("dos.breaker", "record_success"): _with_dicts(_breaker("breaker.record_success", True)),
    ("dos.breaker", "classify"): _with_dicts(_breaker("breaker.classify", False)),
}


def register(module: str, attr: str, factory: Callable) -> None:
    """Add a swappable function (used by the typed modules as they are ported)."""
    _TABLE[(module, attr)] = factory


def accelerate() -> list[str]:
    """Swap every ported function of the installed ``dos`` package for its
    native twin. Returns what is swapped (empty when ``dos`` is not installed).
    Calling it again is harmless."""
    for (modname, attr), factory in _TABLE.items():
        if (modname, attr) in _SWAPPED:
            continue
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        original = getattr(mod, attr, None)
        if original is None:
            continue
        setattr(mod, attr, factory(mod, original))
        _SWAPPED[(modname, attr)] = original
    return accelerated()


def accelerated() -> list[str]:
    """The ``module.function`` names currently served natively."""
    return sorted(f"{m}.{a}" for m, a in _SWAPPED)


def restore() -> None:
    """Put every original function back."""
    for (modname, attr), original in list(_SWAPPED.items()):
        setattr(importlib.import_module(modname), attr, original)
        del _SWAPPED[(modname, attr)]
