"""Native ``dos.intent_ledger``: one run's declared intent and progress,
``<runs>/<run_id>/intent.jsonl``. Builders, ``append`` (stamps ``run_id``,
``ts`` and the schema tag; flushed to disk), ``read_all`` (torn-tail rules and
the schema gate) and the ``replay`` fold run in libdos."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from . import _paths
from ._native import dispatch as _dispatch

__all__ = ["SCHEMA_FAMILY", "INTENT_LEDGER_SCHEMA", "INTENT_JSONL_NAME", "OP_INTENT", "OP_STEP_CLAIMED",
           "OP_STEP_VERIFIED", "OP_SUSPEND", "OP_RESUME_PROPOSED", "OP_CORRUPT", "SuspendCheckpoint",
           "VerifiedStep", "LedgerState", "run_dir_for", "ledger_path_for", "append", "read_all", "replay",
           "intent_entry", "step_claimed_entry", "step_verified_entry", "suspend_entry", "resume_proposed_entry"]

SCHEMA_FAMILY = "intent-ledger"
INTENT_LEDGER_SCHEMA = 1
INTENT_JSONL_NAME = "intent.jsonl"
OP_INTENT = "INTENT"
OP_STEP_CLAIMED = "STEP_CLAIMED"
OP_STEP_VERIFIED = "STEP_VERIFIED"
OP_SUSPEND = "SUSPEND"
OP_RESUME_PROPOSED = "RESUME_PROPOSED"
OP_CORRUPT = "_CORRUPT"


@dataclass(frozen=True)
class SuspendCheckpoint:
    turn_index: int = -1
    transcript_digest: str = ""
    present: bool = False

    @classmethod
    def absent(cls) -> "SuspendCheckpoint":
        return cls()


@dataclass(frozen=True)
class VerifiedStep:
    step_id: str
    sha: str
    via: str = ""
    verdicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class LedgerState:
    run_id: str
    goal: str = ""
    plan: str = ""
    phase: str = ""
    start_sha: str = ""
    declared_steps: tuple[str, ...] = ()
    step_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    claimed: dict[str, str] = field(default_factory=dict)
    verified: dict[str, VerifiedStep] = field(default_factory=dict)
    suspended: bool = False
    suspend_resume_sha: str = ""
    suspend_checkpoint: SuspendCheckpoint = field(default_factory=SuspendCheckpoint.absent)
    resume_proposed: tuple[str, ...] = ()
    corrupt_lines: int = 0
    unreadable_newer: bool = False

    @property
    def has_intent(self) -> bool:
        return bool(self.goal or self.plan or self.declared_steps)


def ledger_now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_dir_for(run_id: str, *, cfg: Any = None) -> Path:
    return _paths.runs_dir(cfg) / run_id


def ledger_path_for(run_id: str, *, cfg: Any = None) -> Path:
    return run_dir_for(run_id, cfg=cfg) / INTENT_JSONL_NAME


def append(run_id: str, entry: dict[str, Any], *, path: Optional[Path] = None, cfg: Any = None) -> dict[str, Any]:
    p = path or ledger_path_for(run_id, cfg=cfg)
    out: dict[str, Any] = _dispatch("intent_ledger.append", {"path": str(p), "run_id": run_id, "entry": dict(entry)})
    return out


def read_all(run_id: Optional[str] = None, *, path: Optional[Path] = None, cfg: Any = None,
             understands: int = INTENT_LEDGER_SCHEMA) -> list[dict[str, Any]]:
    p = path or (ledger_path_for(run_id, cfg=cfg) if run_id else None)
    if p is None:
        raise ValueError("read_all needs a run_id or an explicit path")
    out: list[dict[str, Any]] = _dispatch("intent_ledger.read_file", {"path": str(p), "understands": understands})
    return out


def replay(entries: Iterable[dict[str, Any]]) -> LedgerState:
    d = _dispatch("intent_ledger.replay", {"entries": [dict(e) for e in entries]})
    d.pop("has_intent", None)
    d["declared_steps"] = tuple(d["declared_steps"])
    d["step_regions"] = {k: tuple(v) for k, v in d["step_regions"].items()}
    d["verified"] = {k: VerifiedStep(**{**v, "verdicts": tuple(v["verdicts"])}) for k, v in d["verified"].items()}
    d["suspend_checkpoint"] = SuspendCheckpoint(**d["suspend_checkpoint"])
    d["resume_proposed"] = tuple(d["resume_proposed"])
    return LedgerState(**d)


def _kw(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _lst(x: Optional[Iterable[str]]) -> Optional[list[str]]:
    return None if x is None else list(x)


def intent_entry(*, goal: str = "", plan: str = "", phase: str = "", start_sha: str = "",
                 declared_steps: Optional[Iterable[str]] = None, step_regions: Optional[Mapping[str, Any]] = None,
                 env: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    regions = None if step_regions is None else {k: list(v) for k, v in step_regions.items()}
    out: dict[str, Any] = _dispatch("intent_ledger.intent_entry", _kw(
        goal=goal, plan=plan, phase=phase, start_sha=start_sha, declared_steps=_lst(declared_steps),
        step_regions=regions, env=None if env is None else dict(env)))
    return out


def step_claimed_entry(step_id: str, sha: str) -> dict[str, Any]:
    out: dict[str, Any] = _dispatch("intent_ledger.step_claimed_entry", {"step_id": step_id, "sha": sha if sha is not None else ""})
    return out


def step_verified_entry(step_id: str, sha: str, *, via: str = "", verdicts: Optional[Iterable[str]] = None) -> dict[str, Any]:
    out: dict[str, Any] = _dispatch("intent_ledger.step_verified_entry", _kw(
        step_id=step_id, sha=sha if sha is not None else "", via=via, verdicts=_lst(verdicts)))
    return out


def suspend_entry(*, reason: str = "", resume_sha: str = "", residual: Optional[Iterable[str]] = None,
                  checkpoint: Optional[SuspendCheckpoint] = None) -> dict[str, Any]:
    c = None if checkpoint is None else {"turn_index": checkpoint.turn_index,
                                         "transcript_digest": checkpoint.transcript_digest}
    out: dict[str, Any] = _dispatch("intent_ledger.suspend_entry", _kw(
        reason=reason, resume_sha=resume_sha, residual=_lst(residual), checkpoint=c))
    return out


def resume_proposed_entry(*, predecessor_run_id: str, resume_sha: str = "",
                          residual: Optional[Iterable[str]] = None) -> dict[str, Any]:
    out: dict[str, Any] = _dispatch("intent_ledger.resume_proposed_entry", _kw(
        predecessor_run_id=predecessor_run_id, resume_sha=resume_sha, residual=_lst(residual)))
    return out
