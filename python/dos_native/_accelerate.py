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



# The loop-economics deciders. Each swapped function is a native function
# bound to the reference's own classes: it serves instances of exactly those
# classes holding exactly the built-in types it understands (anything else, a
# subclass, a duck-typed object, a float where an int is expected, goes to the
# original, which may read it differently), echoes the caller's evidence
# object as the reference does, and builds the reference's frozen dataclasses
# without running __init__ (object.__new__ through the class's own slot, then
# the fields set as object.__setattr__ would). A module whose classes keep no
# __dict__ (slots) is left alone.


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


def _wrapped(fast, original):
    return functools.update_wrapper(fast, original)


def _liveness_classify(m, original):
    return _wrapped(_native.bind_liveness_classify(
        m.ProgressEvidence, m.LivenessPolicy, m.DEFAULT_POLICY, original, m.LivenessVerdict, m.Liveness), original)


def _productivity_classify(m, original):
    return _wrapped(_native.bind_productivity_classify(
        m.WorkHistory, m.ProductivityPolicy, m.DEFAULT_POLICY, original, m.ProductivityVerdict, m.Productivity), original)


def _efficiency_classify(m, original):
    return _wrapped(_native.bind_efficiency_classify(
        m.EfficiencyEvidence, m.EfficiencyPolicy, m.DEFAULT_POLICY, original, m.EfficiencyVerdict, m.Efficiency), original)


def _breaker(op: str):
    def factory(m, original):
        fast = _native.bind_breaker(op, m.BreakerCounts, m.BreakerPolicy, m.DEFAULT_POLICY, m.Escalation, original,
                                    m.BreakerVerdict, m.BreakerTransition, m.BreakerState)
        return _wrapped(fast, original)

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
    ("dos.breaker", "record_failure"): _with_dicts(_breaker("record_failure")),
    ("dos.breaker", "record_success"): _with_dicts(_breaker("record_success")),
    ("dos.breaker", "classify"): _with_dicts(_breaker("classify")),
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
