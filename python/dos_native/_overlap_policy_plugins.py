"""The hand-written half of ``dos_native.overlap_policy`` (the generated module
re-exports it): the policy objects and the entry-point lookups, which run in
Python as in the reference.

Two known trees are admitted only when the floor (the prefix rule at the
kernel's one-third tolerance) and the workspace's policy both admit. The
built-in policy, ``prefix``, is the same rule at the config's
``overlap_ratio_max`` (a value outside (0, 1] reads as one third). Other
policies are plugins registered under the ``dos.overlap_policies`` entry-point
group; they run here in Python, held to the floor computed in libdos: one
that raises or returns something else than an ``OverlapDecision`` leaves the
floor's verdict in place.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, TextIO, runtime_checkable

from .lane_overlap import OVERLAP_RATIO_MAX, OverlapDecision, overlap_verdict
from . import _plugins

__all__ = [
    "OverlapPolicy",
    "PrefixOverlapPolicy",
    "OVERLAP_POLICY_ENTRY_POINT_GROUP",
    "admissible_under_floor",
    "resolve_overlap_policy",
    "active_overlap_policy",
    "active_overlap_policy_names",
]

OVERLAP_POLICY_ENTRY_POINT_GROUP = "dos.overlap_policies"


@runtime_checkable
class OverlapPolicy(Protocol):
    """A scorer for two known trees: ``name`` and ``overlaps(...)``."""

    name: str

    def overlaps(self, requested_tree: list[str], lease_tree: list[str], config: object) -> OverlapDecision:
        ...


def _ratio_max_from_config(config: object) -> float:
    raw = getattr(config, "overlap_ratio_max", None)
    if raw is None:
        return OVERLAP_RATIO_MAX
    try:
        val = float(raw)
    except (TypeError, ValueError):
        return OVERLAP_RATIO_MAX
    return val if 0.0 < val <= 1.0 else OVERLAP_RATIO_MAX


class PrefixOverlapPolicy:
    """The built-in scorer: the prefix rule at the config's tolerance."""

    name = "prefix"

    def overlaps(self, requested_tree: list[str], lease_tree: list[str], config: object) -> OverlapDecision:
        return overlap_verdict(requested_tree, lease_tree, ratio_max=_ratio_max_from_config(config))


def _decision_types() -> tuple[Any, ...]:
    try:  # a plugin written against dos-kernel may answer with its class
        from dos.lane_overlap import OverlapDecision as RefDecision
    except Exception:
        return (OverlapDecision,)
    return (OverlapDecision, RefDecision)


_DECISION_TYPES = _decision_types()


def admissible_under_floor(policy: OverlapPolicy, requested_tree: list[str], lease_tree: list[str],
                           config: object) -> OverlapDecision:
    """``policy``'s decision when the floor admits, else the floor's (the
    reference's signature: a policy object and a config object; a plugin
    policy runs here, in Python, held to the floor computed in libdos)."""
    from .overlap_policy import floor_decision  # the generated module, which imports this one at its end

    floor = floor_decision(requested_tree, lease_tree)
    if not floor.admissible:
        return floor
    if type(policy) is PrefixOverlapPolicy:
        return policy.overlaps(requested_tree, lease_tree, config)
    name = getattr(policy, "name", type(policy).__name__)
    try:
        decision = policy.overlaps(list(requested_tree), list(lease_tree), config)
    except Exception as e:
        return OverlapDecision(floor.verdict, floor.shared, floor.requested,
                               f"overlap policy {name!r} raised {e!r}; the prefix floor's verdict stands "
                               f"({floor.reason})", floor.admissible)
    if not isinstance(decision, _DECISION_TYPES):
        return OverlapDecision(floor.verdict, floor.shared, floor.requested,
                               f"overlap policy {name!r} answered with a {type(decision).__name__} instead of an "
                               f"OverlapDecision; the prefix floor's verdict stands ({floor.reason})",
                               floor.admissible)
    out: OverlapDecision = decision
    return out


_BUILT_IN_POLICIES = {PrefixOverlapPolicy.name: PrefixOverlapPolicy}


def _discover_entry_point_policies(*, _stderr: Optional[TextIO] = None) -> list[tuple[str, OverlapPolicy]]:
    return _plugins.discover(OVERLAP_POLICY_ENTRY_POINT_GROUP, "overlap policy", stderr=_stderr)


def resolve_overlap_policy(name: str, *, _stderr: Optional[TextIO] = None) -> OverlapPolicy:
    """The policy called ``name``: built-ins first, then plugins; unknown raises ValueError."""
    if name in _BUILT_IN_POLICIES:
        return _BUILT_IN_POLICIES[name]()
    discovered = dict(_discover_entry_point_policies(_stderr=_stderr))
    if name in discovered:
        return discovered[name]
    known = sorted(set(_BUILT_IN_POLICIES) | set(discovered))
    raise ValueError(f"no overlap policy named {name!r} (known: {', '.join(known)})")


def active_overlap_policy(*, config: object = None, _stderr: Optional[TextIO] = None) -> OverlapPolicy:
    """The policy ``config.overlap_policy_name`` names (``prefix`` when none)."""
    name = getattr(config, "overlap_policy_name", None) if config is not None else None
    if not name or name == PrefixOverlapPolicy.name:
        return PrefixOverlapPolicy()
    return resolve_overlap_policy(str(name), _stderr=_stderr)


def active_overlap_policy_names(*, _stderr: Optional[TextIO] = None) -> list[str]:
    """Every resolvable policy name: built-ins, then plugins."""
    return list(_BUILT_IN_POLICIES) + [n for n, _ in _discover_entry_point_policies(_stderr=_stderr)]
