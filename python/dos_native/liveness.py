"""Native ``dos.liveness``: is a run moving, idle while alive, or dead?

The caller measures everything (commits and lease-work journal events since
the run began, the age of its newest heartbeat, an optional OS process probe,
the clock) and ``classify`` only reads those numbers, in libdos:

* a commit, or else a journal event, since the start: ADVANCING;
* a heartbeat within ``spin_ms`` proves life: a process the OS reports gone is
  STALLED, a run younger than ``grace_ms`` is not judged yet (ADVANCING), an
  older one is SPINNING;
* no heartbeat, or an older one: STALLED.

Field types follow the reference; the native side takes ints that fit in 64
bits (and a bool or None for ``process_alive``) and raises ``DosError`` (a
``ValueError``) for anything else.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from ._native import dispatch as _dispatch

__all__ = [
    "Liveness",
    "LivenessPolicy",
    "DEFAULT_POLICY",
    "ProgressEvidence",
    "LivenessVerdict",
    "classify",
]


class Liveness(str, enum.Enum):
    """The three liveness states; the value is the wire token."""

    ADVANCING = "ADVANCING"
    SPINNING = "SPINNING"
    STALLED = "STALLED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class LivenessPolicy:
    """The two windows, in milliseconds.

    ``spin_ms`` is the oldest a heartbeat may be and still count as proof of
    life; ``grace_ms`` is the run age an idle, alive run must reach before it
    can be called SPINNING. Defaults: 30 and 15 minutes.
    """

    grace_ms: int = 1_800_000
    spin_ms: int = 900_000

    def __post_init__(self) -> None:
        if min(self.grace_ms, self.spin_ms) < 0:
            raise ValueError("grace_ms and spin_ms cannot be negative")


DEFAULT_POLICY = LivenessPolicy()


@dataclass(frozen=True)
class ProgressEvidence:
    """What the caller measured about one run (no I/O happens in ``classify``).

    ``commits_since_start`` and ``journal_events_since`` are the forward
    deltas; ``last_heartbeat_age_ms`` is None when the run never beat;
    ``tokens_spent_since`` is only echoed; ``process_alive`` is the OS probe
    (only a definite False matters, and it can only demote an alive run).
    ``run_started_ms`` and ``now_ms`` give the run's age.
    """

    run_started_ms: int
    now_ms: int
    commits_since_start: int
    journal_events_since: int = 0
    last_heartbeat_age_ms: Optional[int] = None
    tokens_spent_since: Optional[int] = None
    process_alive: Optional[bool] = None

    def __post_init__(self) -> None:
        if min(self.commits_since_start, self.journal_events_since) < 0:
            raise ValueError("commits_since_start and journal_events_since cannot be negative")


@dataclass(frozen=True)
class LivenessVerdict:
    """A liveness state, a one-line explanation and the evidence it judged."""

    verdict: Liveness
    reason: str
    evidence: ProgressEvidence

    def to_dict(self) -> dict:
        """The JSON shape dos-kernel emits: verdict, reason, evidence fields."""
        e = self.evidence
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "evidence": {
                "run_started_ms": e.run_started_ms,
                "now_ms": e.now_ms,
                "commits_since_start": e.commits_since_start,
                "journal_events_since": e.journal_events_since,
                "last_heartbeat_age_ms": e.last_heartbeat_age_ms,
                "tokens_spent_since": e.tokens_spent_since,
                "process_alive": e.process_alive,
            },
        }


_STATES = {m.value: m for m in Liveness}
_new = object.__new__


def classify(ev: ProgressEvidence, policy: LivenessPolicy = DEFAULT_POLICY) -> LivenessVerdict:
    """Judge one run's liveness from ``ev`` under ``policy`` (pure, in libdos).

    ``ev`` may also be a mapping or the reference's ``ProgressEvidence``; the
    verdict then carries a ``ProgressEvidence`` rebuilt from the echo.
    """
    mine = type(ev) is ProgressEvidence
    # An instance's __dict__ holds exactly its fields and converts faster.
    args = {"ev": ev.__dict__ if mine else ev}
    if policy is not DEFAULT_POLICY:
        args["policy"] = policy.__dict__ if type(policy) is LivenessPolicy else policy
    d = _dispatch("liveness.classify", args)
    if not mine:
        ev = ProgressEvidence(**d["evidence"])
    # Filling the frozen instance's __dict__ directly is the cheapest way in.
    out = _new(LivenessVerdict)
    f = out.__dict__
    f["verdict"] = _STATES[d["verdict"]]
    f["reason"] = d["reason"]
    f["evidence"] = ev
    return out
