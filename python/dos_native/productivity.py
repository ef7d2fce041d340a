"""Native ``dos.productivity``: is the work landed per step fading?

The caller records one work delta per step (tokens, commits, bytes: the unit
is the host's) and ``classify`` reads the trend, in libdos:

* fewer than ``min_steps`` steps (or none): too early to judge, PRODUCTIVE;
* the latest step landed nothing: STALLED;
* the latest two steps both under ``floor``: DIMINISHING;
* otherwise PRODUCTIVE.

Deltas and policy values are ints that fit in 64 bits on the native side;
anything else raises ``DosError`` (a ``ValueError``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Sequence

from ._native import dispatch as _dispatch

__all__ = [
    "Productivity",
    "ProductivityPolicy",
    "DEFAULT_POLICY",
    "WorkHistory",
    "ProductivityVerdict",
    "classify",
]


class Productivity(str, enum.Enum):
    """The three productivity states; the value is the wire token."""

    PRODUCTIVE = "PRODUCTIVE"
    DIMINISHING = "DIMINISHING"
    STALLED = "STALLED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ProductivityPolicy:
    """How many steps it takes to judge (``min_steps``, default 3) and the
    per-step work below which a step counts as small (``floor``, default 500)."""

    min_steps: int = 3
    floor: int = 500

    def __post_init__(self) -> None:
        if self.min_steps < 0:
            raise ValueError("min_steps cannot be negative")
        if self.floor < 0:
            raise ValueError("the per-step work floor cannot be negative")


DEFAULT_POLICY = ProductivityPolicy()


@dataclass(frozen=True)
class WorkHistory:
    """Per-step work deltas, oldest first, stored as a tuple of non-negative ints."""

    deltas: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if type(self.deltas) is not tuple:
            object.__setattr__(self, "deltas", tuple(self.deltas))
        for d in self.deltas:
            if d < 0:
                raise ValueError("a work delta cannot be negative")

    @property
    def step_count(self) -> int:
        """The number of steps recorded."""
        return len(self.deltas)

    @classmethod
    def of(cls, deltas: Sequence[int]) -> "WorkHistory":
        """A history from any oldest-first sequence of deltas."""
        return cls(tuple(deltas))


@dataclass(frozen=True)
class ProductivityVerdict:
    """A productivity state, a one-line explanation and the trend it judged."""

    verdict: Productivity
    reason: str
    history: WorkHistory

    def to_dict(self) -> dict:
        """The JSON shape dos-kernel emits, with the step count and the last
        two deltas (None where the history is too short)."""
        deltas = self.history.deltas
        n = len(deltas)
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "history": {
                "deltas": list(deltas),
                "step_count": n,
                "last_delta": deltas[-1] if n else None,
                "prior_delta": deltas[-2] if n > 1 else None,
            },
        }


_STATES = {m.value: m for m in Productivity}
_new = object.__new__


def classify(history: WorkHistory, policy: ProductivityPolicy = DEFAULT_POLICY) -> ProductivityVerdict:
    """Judge a run's work trend under ``policy`` (pure, in libdos).

    ``history`` may also be a mapping or the reference's ``WorkHistory``; the
    verdict then carries a ``WorkHistory`` rebuilt from the echo.
    """
    mine = type(history) is WorkHistory
    # An instance's __dict__ holds exactly its fields and converts faster.
    args = {"history": history.__dict__ if mine else history}
    if policy is not DEFAULT_POLICY:
        args["policy"] = policy.__dict__ if type(policy) is ProductivityPolicy else policy
    d = _dispatch("productivity.classify", args)
    if not mine:
        history = WorkHistory(tuple(d["history"]["deltas"]))
    # Filling the frozen instance's __dict__ directly is the cheapest way in.
    out = _new(ProductivityVerdict)
    f = out.__dict__
    f["verdict"] = _STATES[d["verdict"]]
    f["reason"] = d["reason"]
    f["history"] = history
    return out
