"""Native ``dos.efficiency``: did the tokens a run spent buy work?

Two counts the environment measured go in, ``work`` and ``tokens``, and
``classify`` compares them, in libdos:

* fewer than ``min_tokens`` tokens (or none): too little spend to judge,
  EFFICIENT;
* no work for that spend: WASTEFUL;
* a ``work / tokens`` ratio under ``floor``: COSTLY (the default floor 0.0
  never fires, so only WASTEFUL does until a host sets one);
* otherwise EFFICIENT.

Counts are ints that fit in 64 bits on the native side; the floor is an int
or a float. Anything else raises ``BadArgsError`` (a ``DosError`` and a ``ValueError``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from . import _native, _typed
from ._native import dispatch as _dispatch

__all__ = [
    "Efficiency",
    "EfficiencyPolicy",
    "DEFAULT_POLICY",
    "EfficiencyEvidence",
    "EfficiencyVerdict",
    "classify",
]


class Efficiency(str, enum.Enum):
    """The three efficiency states; the value is the wire token."""

    EFFICIENT = "EFFICIENT"
    COSTLY = "COSTLY"
    WASTEFUL = "WASTEFUL"

    def __str__(self) -> str:
        return self.value


_native._bind("Efficiency", Efficiency)


@dataclass(frozen=True)
class EfficiencyPolicy:
    """The spend needed before judging (``min_tokens``, default 1000) and the
    lowest acceptable work per token, inclusive (``floor``, default 0.0, which
    leaves COSTLY off)."""

    min_tokens: int = 1000
    floor: float = 0.0

    def __post_init__(self) -> None:
        if self.min_tokens < 0:
            raise ValueError("min_tokens cannot be negative")
        if self.floor < 0:
            raise ValueError("the work-per-token floor cannot be negative")


DEFAULT_POLICY = EfficiencyPolicy()


@dataclass(frozen=True)
class EfficiencyEvidence:
    """Work units landed and tokens spent by one run, both non-negative."""

    work: int = 0
    tokens: int = 0

    def __post_init__(self) -> None:
        if self.work < 0:
            raise ValueError("work cannot be negative")
        if self.tokens < 0:
            raise ValueError("tokens cannot be negative")

    @property
    def ratio(self) -> float:
        """Work per token; 0.0 when nothing was spent."""
        return self.work / self.tokens if self.tokens > 0 else 0.0

    @classmethod
    def of(cls, work: int, tokens: int) -> "EfficiencyEvidence":
        """Evidence from a work count and a token count."""
        return cls(work=work, tokens=tokens)


#: An efficiency state, a one-line explanation (written when first read) and
#: the evidence object it judged; ``to_dict()`` gives dos-kernel's JSON shape.
EfficiencyVerdict = _native.EfficiencyVerdict


def _classify(evidence: EfficiencyEvidence, policy: EfficiencyPolicy = DEFAULT_POLICY) -> EfficiencyVerdict:
    """Judge whether ``evidence``'s spend bought its work (pure, in libdos).

    ``evidence`` may also be a mapping or the reference's
    ``EfficiencyEvidence`` (and ``policy`` a mapping or the reference's
    policy); the verdict then carries an ``EfficiencyEvidence`` rebuilt from
    them. Values libdos does not take raise ``DosError``.
    """
    args = {"evidence": _typed.fields(evidence)}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = _typed.fields(policy)
    _dispatch("efficiency.classify", args)
    own_policy = DEFAULT_POLICY if "policy" not in args else _typed.coerce(EfficiencyPolicy, policy)
    out: EfficiencyVerdict = _typed.serve(classify, _typed.coerce(EfficiencyEvidence, evidence), own_policy)
    return out


_classify.__name__ = _classify.__qualname__ = "classify"
classify = _typed.native(
    _native.bind_efficiency_classify(EfficiencyEvidence, EfficiencyPolicy, DEFAULT_POLICY, _classify), _classify
)
