"""Native ``dos.breaker``: a circuit breaker folded over failures and successes.

The caller carries two counts, failures in a row and failures overall, and
threads them through ``record_failure`` / ``record_success``; each returns
the next counts and the verdict on them, and ``classify`` judges counts
without changing them. All three run in libdos:

* ``consecutive`` reaching ``max_consecutive``: OPEN on the consecutive rung;
* ``total`` reaching ``max_total``: OPEN on the total rung (a flapping path);
* otherwise CLOSED.

An OPEN verdict names the escalation the policy declares (NONE, JUDGE or
HUMAN); a threshold of 0 turns its rung off. Counts and thresholds passed in
are ints that fit in 64 bits on the native side (counts coming back may be
larger); anything else raises ``BadArgsError`` (a ``DosError`` and a ``ValueError``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from . import _native, _typed
from ._native import dispatch as _dispatch

__all__ = [
    "BreakerState",
    "Escalation",
    "BreakerPolicy",
    "DEFAULT_POLICY",
    "BreakerCounts",
    "BreakerVerdict",
    "BreakerTransition",
    "record_failure",
    "record_success",
    "classify",
]


class BreakerState(str, enum.Enum):
    """CLOSED (keep going) or OPEN (a limit was reached)."""

    CLOSED = "CLOSED"
    OPEN = "OPEN"

    def __str__(self) -> str:
        return self.value


_native._bind("BreakerState", BreakerState)


class Escalation(str, enum.Enum):
    """Where an open breaker sends the decision: nowhere (NONE), to a JUDGE,
    or to a HUMAN."""

    NONE = "NONE"
    JUDGE = "JUDGE"
    HUMAN = "HUMAN"

    def __str__(self) -> str:
        return self.value


_native._bind("Escalation", Escalation)


@dataclass(frozen=True)
class BreakerPolicy:
    """One failure class's limits and escalation.

    ``max_consecutive`` (default 3) and ``max_total`` (default 20) open the
    breaker when reached; 0 disables a rung, and disabling both is refused.
    ``on_trip`` (default NONE) is the escalation an OPEN verdict names.
    """

    max_consecutive: int = 3
    max_total: int = 20
    on_trip: Escalation = Escalation.NONE

    def __post_init__(self) -> None:
        if min(self.max_consecutive, self.max_total) < 0:
            raise ValueError("breaker thresholds cannot be negative")
        if self.max_consecutive == 0 and self.max_total == 0:
            raise ValueError("max_consecutive and max_total are both 0, so this breaker could never open")


DEFAULT_POLICY = BreakerPolicy()


@dataclass(frozen=True)
class BreakerCounts:
    """The carried state: failures since the last success (``consecutive``)
    and over the breaker's life (``total``), both non-negative."""

    consecutive: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        if min(self.consecutive, self.total) < 0:
            raise ValueError("breaker counts cannot be negative")


_native._bind("BreakerCounts", BreakerCounts)

#: CLOSED or OPEN, the escalation (NONE while closed), a one-line reason
#: (written when first read) and the rung that opened it ("consecutive",
#: "total" or None); ``is_open`` and ``to_dict()`` as in dos-kernel.
BreakerVerdict = _native.BreakerVerdict

#: The result of recording an outcome: ``counts`` to carry next and the
#: ``verdict`` on them (``to_dict()`` is an addition of this package).
BreakerTransition = _native.BreakerTransition


def _generic(op: str, counts: Any, policy: Any) -> Any:
    """Check the input through the dispatcher, then serve it natively on
    this module's own classes."""
    args = {"counts": _typed.fields(counts)}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = _typed.fields(policy)
    _dispatch(f"breaker.{op}", args)
    own_policy = (
        DEFAULT_POLICY
        if "policy" not in args
        else _typed.coerce(BreakerPolicy, policy, on_trip=lambda v: Escalation(_typed.value_of(v)))
    )
    return _typed.serve(_FAST[op], _typed.coerce(BreakerCounts, counts), own_policy)


def _record_failure(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerTransition:
    """Count one more failure on both counters, then judge (pure, in libdos)."""
    out: BreakerTransition = _generic("record_failure", counts, policy)
    return out


def _record_success(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerTransition:
    """Clear the in-a-row counter (the overall one stays), then judge (pure,
    in libdos). A breaker opened on the total rung stays open."""
    out: BreakerTransition = _generic("record_success", counts, policy)
    return out


def _classify(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerVerdict:
    """Judge ``counts`` without recording anything (pure, in libdos)."""
    out: BreakerVerdict = _generic("classify", counts, policy)
    return out


def _bind_op(op: str, slow: _typed.F) -> _typed.F:
    slow.__name__ = slow.__qualname__ = op
    fast = _native.bind_breaker(op, BreakerCounts, BreakerPolicy, DEFAULT_POLICY, Escalation, slow)
    return _typed.native(fast, slow)


record_failure = _bind_op("record_failure", _record_failure)
record_success = _bind_op("record_success", _record_success)
classify = _bind_op("classify", _classify)
_FAST = {"record_failure": record_failure, "record_success": record_success, "classify": classify}
