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
larger); anything else raises ``DosError`` (a ``ValueError``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

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


class Escalation(str, enum.Enum):
    """Where an open breaker sends the decision: nowhere (NONE), to a JUDGE,
    or to a HUMAN."""

    NONE = "NONE"
    JUDGE = "JUDGE"
    HUMAN = "HUMAN"

    def __str__(self) -> str:
        return self.value


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


@dataclass(frozen=True)
class BreakerVerdict:
    """CLOSED or OPEN, the escalation (NONE while closed), a one-line reason,
    and which rung opened it ("consecutive", "total" or None)."""

    state: BreakerState
    escalation: Escalation
    reason: str
    tripped_on: Optional[str] = None

    @property
    def is_open(self) -> bool:
        """Whether the breaker is OPEN."""
        return self.state is BreakerState.OPEN

    def to_dict(self) -> dict:
        """The JSON shape dos-kernel emits."""
        return {
            "state": self.state.value,
            "escalation": self.escalation.value,
            "reason": self.reason,
            "tripped_on": self.tripped_on,
        }


@dataclass(frozen=True)
class BreakerTransition:
    """The result of recording an outcome: the counts to carry next and the
    verdict on them."""

    counts: BreakerCounts
    verdict: BreakerVerdict

    def to_dict(self) -> dict:
        """``{"counts": {...}, "verdict": {...}}``, the native op's shape
        (an addition: the reference's transition has no ``to_dict``)."""
        c = self.counts
        return {"counts": {"consecutive": c.consecutive, "total": c.total}, "verdict": self.verdict.to_dict()}


_STATES = {m.value: m for m in BreakerState}
_ESCALATIONS = {m.value: m for m in Escalation}
_RUNGS = {None: None, "consecutive": "consecutive", "total": "total"}
_new = object.__new__


# The frozen instances are built by filling their __dict__ directly, the
# cheapest way in; the native dicts hold exactly the fields, in order.


def _verdict(d: dict) -> BreakerVerdict:
    out = _new(BreakerVerdict)
    f = out.__dict__
    f["state"] = _STATES[d["state"]]
    f["escalation"] = _ESCALATIONS[d["escalation"]]
    f["reason"] = d["reason"]
    f["tripped_on"] = _RUNGS[d["tripped_on"]]
    return out


def _transition(d: dict) -> BreakerTransition:
    counts = _new(BreakerCounts)
    counts.__dict__.update(d["counts"])
    out = _new(BreakerTransition)
    f = out.__dict__
    f["counts"] = counts
    f["verdict"] = _verdict(d["verdict"])
    return out


def _args(counts, policy) -> dict:
    # An instance's __dict__ holds exactly its fields and converts faster.
    args = {"counts": counts.__dict__ if type(counts) is BreakerCounts else counts}
    if policy is not DEFAULT_POLICY:
        args["policy"] = policy.__dict__ if type(policy) is BreakerPolicy else policy
    return args


def record_failure(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerTransition:
    """Count one more failure on both counters, then judge (pure, in libdos)."""
    return _transition(_dispatch("breaker.record_failure", _args(counts, policy)))


def record_success(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerTransition:
    """Clear the in-a-row counter (the overall one stays), then judge (pure,
    in libdos). A breaker opened on the total rung stays open."""
    return _transition(_dispatch("breaker.record_success", _args(counts, policy)))


def classify(counts: BreakerCounts, policy: BreakerPolicy = DEFAULT_POLICY) -> BreakerVerdict:
    """Judge ``counts`` without recording anything (pure, in libdos)."""
    return _verdict(_dispatch("breaker.classify", _args(counts, policy)))
