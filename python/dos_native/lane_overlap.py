"""Native ``dos.lane_overlap``: may a known-tree lane run beside a known-tree lease?

A named glob that both trees carry is a hard collision (REFUSE_EXACT_GLOB)
whatever the share. Otherwise the share of requested entries whose prefix
collides with a lease entry decides: none is ADMIT_DISJOINT, a share up to
``ratio_max`` (one third by default) is ADMIT_SOFT, more is REFUSE_OVERLAP.
Empty trees are the caller's business (see ``dos_native.admission``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ._native import dispatch as _dispatch

__all__ = ["OVERLAP_RATIO_MAX", "Verdict", "OverlapDecision", "overlap_verdict"]

#: The default tolerance: a third of the requested tree may be shared.
OVERLAP_RATIO_MAX = 1 / 3


class Verdict(str, enum.Enum):
    """The overlap verdicts; the value is the wire token."""

    ADMIT_DISJOINT = "admit_disjoint"
    ADMIT_SOFT = "admit_soft"
    REFUSE_OVERLAP = "refuse_overlap"
    REFUSE_EXACT_GLOB = "refuse_exact_glob"


@dataclass(frozen=True)
class OverlapDecision:
    """The verdict, the shared entry count, ``len(requested_tree)`` and a reason."""

    verdict: Verdict
    shared: int
    requested: int
    reason: str

    @property
    def admissible(self) -> bool:
        return self.verdict in (Verdict.ADMIT_DISJOINT, Verdict.ADMIT_SOFT)


_VERDICTS = {m.value: m for m in Verdict}
_new = object.__new__


def _decision(d: dict[str, Any], cls: type[OverlapDecision] = OverlapDecision,
              verdicts: dict[str, Verdict] = _VERDICTS) -> OverlapDecision:
    out = _new(cls)
    f = out.__dict__
    f["verdict"] = verdicts[d["verdict"]]
    f["shared"] = d["shared"]
    f["requested"] = d["requested"]
    f["reason"] = d["reason"]
    return out


def overlap_verdict(requested_tree: list[str], lease_tree: list[str], *,
                    ratio_max: float = OVERLAP_RATIO_MAX) -> OverlapDecision:
    """Judge two known trees (in libdos)."""
    return _decision(_dispatch("lane_overlap.overlap_verdict", {
        "requested_tree": list(requested_tree), "lease_tree": list(lease_tree), "ratio_max": ratio_max}))
