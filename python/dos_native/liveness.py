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
bits (and a bool or None for ``process_alive``) and raises ``BadArgsError``
(a ``DosError`` and a ``ValueError``) for anything else.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from . import _native, _typed
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


_native._bind("Liveness", Liveness)


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


#: A liveness state, a one-line explanation (written when first read) and the
#: evidence object it judged; ``to_dict()`` gives dos-kernel's JSON shape.
LivenessVerdict = _native.LivenessVerdict


def _classify(ev: ProgressEvidence, policy: LivenessPolicy = DEFAULT_POLICY) -> LivenessVerdict:
    """Judge one run's liveness from ``ev`` under ``policy`` (pure, in libdos).

    ``ev`` may also be a mapping or the reference's ``ProgressEvidence`` (and
    ``policy`` a mapping or the reference's policy); the verdict then carries
    a ``ProgressEvidence`` rebuilt from them. Values libdos does not take
    raise ``DosError``.
    """
    args = {"ev": _typed.fields(ev)}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = _typed.fields(policy)
    _dispatch("liveness.classify", args)
    own_policy = DEFAULT_POLICY if "policy" not in args else _typed.coerce(LivenessPolicy, policy)
    out: LivenessVerdict = _typed.serve(classify, _typed.coerce(ProgressEvidence, ev), own_policy)
    return out


_classify.__name__ = _classify.__qualname__ = "classify"
classify = _typed.native(
    _native.bind_liveness_classify(ProgressEvidence, LivenessPolicy, DEFAULT_POLICY, _classify), _classify
)
