"""Native ``dos.verdict_journal``: the append-only log of the kernel's own
verdicts, one JSON line each, read back with the lane journal's torn-tail
rules. ``record`` is fail-soft; ``rollup``, ``for_run`` and
``count_corrupt`` are pure folds computed in libdos."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from . import _paths
from ._native import dispatch as _dispatch

__all__ = ["SCHEMA_FAMILY", "VERDICT_JOURNAL_SCHEMA", "KNOWN_SYSCALLS", "SOURCE_KERNEL", "SOURCE_SENSOR",
           "VerdictEvent", "VerdictRollup", "record", "read_all", "read_events", "tail", "rollup", "for_run",
           "count_corrupt"]

SCHEMA_FAMILY = "verdict-journal"
VERDICT_JOURNAL_SCHEMA = 1
KNOWN_SYSCALLS = ("verify", "liveness", "productivity", "efficiency", "arbitrate", "reward", "breaker",
                  "hook_exit", "pretool", "posttool", "stop")
SOURCE_KERNEL = "kernel"
SOURCE_SENSOR = "sensor"


def journal_now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class VerdictEvent:
    """One adjudication: the syscall, its verdict token and its context."""

    syscall: str
    verdict: str
    run_id: str = ""
    lane: str = ""
    subject: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    source: str = SOURCE_KERNEL
    ts: str = ""
    seq: int = 0

    def _args(self) -> dict[str, Any]:
        d = asdict(self)
        d["detail"] = dict(self.detail) if isinstance(self.detail, Mapping) else {}
        return d

    def to_record(self) -> dict[str, Any]:
        out: dict[str, Any] = _dispatch("verdict_journal.to_record", {"event": self._args(), "now": journal_now_iso()})
        return out

    to_dict = to_record

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> "VerdictEvent":
        return cls(**_dispatch("verdict_journal.from_record", {"record": dict(rec)}))


@dataclass(frozen=True)
class VerdictRollup:
    by: str
    counts: Mapping[str, Mapping[str, int]]
    dimensions: tuple[str, ...]
    total: int
    corrupt: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "total": self.total, "corrupt": self.corrupt, "dimensions": list(self.dimensions),
                "counts": {k: dict(v) for k, v in self.counts.items()}}


def _journal_path(path: Optional[Path] = None) -> Path:
    if path is not None:
        return Path(path)
    env = os.environ.get("DISPATCH_VERDICT_JOURNAL_PATH")
    return Path(env) if env else _paths.verdict_journal()


def record(event: VerdictEvent, *, path: Optional[Path] = None) -> bool:
    """Append ``event`` (stamping ``ts`` and ``seq``), flushed to disk; False when it cannot be written."""
    try:
        out: bool = _dispatch("verdict_journal.record", {"path": str(_journal_path(path)), "event": event._args()})
        return out
    except Exception:  # fail-soft, as the reference
        return False


def read_all(path: Optional[Path] = None) -> list[dict[str, Any]]:
    out: list[Any] = _dispatch("verdict_journal.read_file", {"path": str(_journal_path(path))})
    return out


def tail(n: int = 20, path: Optional[Path] = None) -> list[dict[str, Any]]:
    entries = read_all(path)
    return entries[-n:] if n > 0 else entries


def read_events(path: Optional[Path] = None) -> list[VerdictEvent]:
    return [VerdictEvent.from_record(r) for r in read_all(path) if r.get("op") != "_CORRUPT"]


def _events(events: Iterable[VerdictEvent]) -> list[dict[str, Any]]:
    return [e._args() for e in events]


def rollup(events: Iterable[VerdictEvent], *, by: str = "syscall", corrupt: int = 0) -> VerdictRollup:
    d = _dispatch("verdict_journal.rollup", {"events": _events(events), "by": by, "corrupt": corrupt})
    return VerdictRollup(by=d["by"], counts=d["counts"], dimensions=tuple(d["dimensions"]), total=d["total"],
                         corrupt=d["corrupt"])


def for_run(events: Iterable[VerdictEvent], run_id: str) -> list[VerdictEvent]:
    return [e for e in events if e.run_id == run_id]


def count_corrupt(raw: Iterable[Mapping[str, Any]]) -> int:
    out: int = _dispatch("verdict_journal.count_corrupt", {"entries": [dict(r) for r in raw]})
    return out
