"""Native ``dos.productivity``: is the work landed per step fading?

The caller records one work delta per step (tokens, commits, bytes: the unit
is the host's) and ``classify`` reads the trend, in libdos:

* fewer than ``min_steps`` steps (or none): too early to judge, PRODUCTIVE;
* the latest step landed nothing: STALLED;
* the latest two steps both under ``floor``: DIMINISHING;
* otherwise PRODUCTIVE.

Deltas and policy values are ints that fit in 64 bits on the native side;
anything else raises ``BadArgsError`` (a ``DosError`` and a ``ValueError``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Sequence

from . import _native, _typed
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


_native._bind("Productivity", Productivity)


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


#: A productivity state, a one-line explanation (written when first read) and
#: the history object it judged; ``to_dict()`` gives dos-kernel's JSON shape.
ProductivityVerdict = _native.ProductivityVerdict


def _classify(history: WorkHistory, policy: ProductivityPolicy = DEFAULT_POLICY) -> ProductivityVerdict:
    """Judge a run's work trend under ``policy`` (pure, in libdos).

    ``history`` may also be a mapping or the reference's ``WorkHistory`` (and
    ``policy`` a mapping or the reference's policy); the verdict then carries
    a ``WorkHistory`` rebuilt from them. Values libdos does not take raise
    ``DosError``.
    """
    args = {"history": _typed.fields(history)}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = _typed.fields(policy)
    _dispatch("productivity.classify", args)
    own_policy = DEFAULT_POLICY if "policy" not in args else _typed.coerce(ProductivityPolicy, policy)
    out: ProductivityVerdict = _typed.serve(classify, _typed.coerce(WorkHistory, history), own_policy)
    return out


_classify.__name__ = _classify.__qualname__ = "classify"
classify = _typed.native(
    _native.bind_productivity_classify(WorkHistory, ProductivityPolicy, DEFAULT_POLICY, _classify), _classify
)
