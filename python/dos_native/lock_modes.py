"""Native ``dos.lock_modes``: shared and exclusive locks over tree regions.

Two holders conflict when their regions intersect (some pair of normalized
prefixes collides; an empty tree proves no intersection) and their modes are
incompatible: only SHARED beside SHARED is compatible.
"""
from __future__ import annotations

import enum

from ._native import dispatch as _dispatch

__all__ = ["LockMode", "DEFAULT_MODE", "modes_compatible", "region_conflict"]


class LockMode(str, enum.Enum):
    """A lane's lock over its region; the value is the wire token."""

    SHARED = "shared"
    EXCLUSIVE = "exclusive"


#: The mode of a lane that declares none.
DEFAULT_MODE: LockMode = LockMode.EXCLUSIVE


def modes_compatible(a: LockMode, b: LockMode) -> bool:
    """Whether two modes may hold intersecting regions at once."""
    out: bool = _dispatch("lock_modes.modes_compatible", {"a": a, "b": b})
    return out


def region_conflict(requested_tree: list[str], requested_mode: LockMode, lease_tree: list[str],
                    lease_mode: LockMode) -> bool:
    """Whether a lane may NOT run beside a lease under these modes."""
    out: bool = _dispatch("lock_modes.region_conflict", {
        "requested_tree": list(requested_tree), "requested_mode": requested_mode,
        "lease_tree": list(lease_tree), "lease_mode": lease_mode})
    return out
