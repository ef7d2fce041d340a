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
# a duck-typed object, goes to the original, which may read it differently),
# echoes the caller's evidence object as the reference does, and builds the
# reference's frozen dataclasses without running their __init__.


def _liveness_classify(ref_mod, original):
    states = {m.value: m for m in ref_mod.Liveness}
    Verdict, Evidence, Policy = ref_mod.LivenessVerdict, ref_mod.ProgressEvidence, ref_mod.LivenessPolicy
    default = ref_mod.DEFAULT_POLICY
    dispatch, new, setattr_ = _native.dispatch, object.__new__, object.__setattr__

    @functools.wraps(original)
    def classify(ev, policy=default):
        try:
            if type(ev) is not Evidence:
                raise TypeError
            if policy is default:
                d = dispatch("liveness.classify", {"ev": ev})
            elif type(policy) is Policy:
                d = dispatch("liveness.classify", {"ev": ev, "policy": policy})
            else:
                raise TypeError
            verdict = states[d["verdict"]]
        except Exception:
            return original(ev, policy)
        out = new(Verdict)
        setattr_(out, "verdict", verdict)
        setattr_(out, "reason", d["reason"])
        setattr_(out, "evidence", ev)
        return out

    return classify


def _productivity_classify(ref_mod, original):
    states = {m.value: m for m in ref_mod.Productivity}
    Verdict, History, Policy = ref_mod.ProductivityVerdict, ref_mod.WorkHistory, ref_mod.ProductivityPolicy
    default = ref_mod.DEFAULT_POLICY
    dispatch, new, setattr_ = _native.dispatch, object.__new__, object.__setattr__

    @functools.wraps(original)
    def classify(history, policy=default):
        try:
            if type(history) is not History:
                raise TypeError
            if policy is default:
                d = dispatch("productivity.classify", {"history": history})
            elif type(policy) is Policy:
                d = dispatch("productivity.classify", {"history": history, "policy": policy})
            else:
                raise TypeError
            verdict = states[d["verdict"]]
        except Exception:
            return original(history, policy)
        out = new(Verdict)
        setattr_(out, "verdict", verdict)
        setattr_(out, "reason", d["reason"])
        setattr_(out, "history", history)
        return out

    return classify


def _efficiency_classify(ref_mod, original):
    states = {m.value: m for m in ref_mod.Efficiency}
    Verdict, Evidence, Policy = ref_mod.EfficiencyVerdict, ref_mod.EfficiencyEvidence, ref_mod.EfficiencyPolicy
    default = ref_mod.DEFAULT_POLICY
    dispatch, new, setattr_ = _native.dispatch, object.__new__, object.__setattr__

    @functools.wraps(original)
    def classify(evidence, policy=default):
        try:
            if type(evidence) is not Evidence:
                raise TypeError
            if policy is default:
                d = dispatch("efficiency.classify", {"evidence": evidence})
            elif type(policy) is Policy:
                d = dispatch("efficiency.classify", {"evidence": evidence, "policy": policy})
            else:
                raise TypeError
            verdict = states[d["verdict"]]
        except Exception:
            return original(evidence, policy)
        out = new(Verdict)
        setattr_(out, "verdict", verdict)
        setattr_(out, "reason", d["reason"])
        setattr_(out, "evidence", evidence)
        return out

    return classify


def _breaker(op: str, transition: bool):
    def factory(ref_mod, original):
        states = {m.value: m for m in ref_mod.BreakerState}
        Escalation = ref_mod.Escalation
        escalations = {m.value: m for m in Escalation}
        rungs = {None: None, "consecutive": "consecutive", "total": "total"}
        Counts, Policy = ref_mod.BreakerCounts, ref_mod.BreakerPolicy
        Verdict, Transition = ref_mod.BreakerVerdict, ref_mod.BreakerTransition
        default = ref_mod.DEFAULT_POLICY
        dispatch, new, setattr_ = _native.dispatch, object.__new__, object.__setattr__

        @functools.wraps(original)
        def swapped(counts, policy=default):
            try:
                if type(counts) is not Counts:
                    raise TypeError
                if policy is default:
                    d = dispatch(op, {"counts": counts})
                # The reference formats on_trip.value, so only a real member is served.
                elif type(policy) is Policy and type(policy.on_trip) is Escalation:
                    d = dispatch(op, {"counts": counts, "policy": policy})
                else:
                    raise TypeError
                vd = d["verdict"] if transition else d
                v = new(Verdict)
                setattr_(v, "state", states[vd["state"]])
                setattr_(v, "escalation", escalations[vd["escalation"]])
                setattr_(v, "reason", vd["reason"])
                setattr_(v, "tripped_on", rungs[vd["tripped_on"]])
                if not transition:
                    return v
                c = d["counts"]
                nc = new(Counts)
                setattr_(nc, "consecutive", c["consecutive"])
                setattr_(nc, "total", c["total"])
            except Exception:
                return original(counts, policy)
            out = new(Transition)
            setattr_(out, "counts", nc)
            setattr_(out, "verdict", v)
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
    ("dos.liveness", "classify"): _liveness_classify,
    ("dos.productivity", "classify"): _productivity_classify,
    ("dos.efficiency", "classify"): _efficiency_classify,
    ("dos.breaker", "record_failure"): _breaker("breaker.record_failure", True),
    ("dos.breaker", "record_success"): _breaker("breaker.record_success", True),
    ("dos.breaker", "classify"): _breaker("breaker.classify", False),
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
