"""Native ``dos.run_id``: sortable, collision-safe run tokens and lineage.

``RID-`` + 9 Crockford base-32 characters of epoch milliseconds + 6 of 30-bit
entropy. ``mint`` takes the reference's arguments; ``clock_ms`` and
``entropy`` are callables as there, and when omitted libdos reads the clock
and its own per-process entropy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from ._native import dispatch as _dispatch

__all__ = ["PREFIX", "PROCESS_PREFIX", "ENV_RUN_ID", "ENV_PARENT_ID", "ENV_ROOT_ID", "ENV_PROCESS_ID",
           "RUN_JSON_NAME", "RunId", "mint", "is_run_id", "ts_ms_of", "lineage_env", "mint_child_from_env",
           "write_run_json", "read_run_json"]

PREFIX = "RID-"
PROCESS_PREFIX = "PROC-"
ENV_RUN_ID = "CID_RUN_ID"
ENV_PARENT_ID = "CID_PARENT_ID"
ENV_ROOT_ID = "CID_ROOT_ID"
ENV_PROCESS_ID = "CID_PROCESS_ID"
RUN_JSON_NAME = "run.json"


@dataclass(frozen=True)
class RunId:
    """A minted run id, the process it belongs to, and its lineage."""

    run_id: str
    process_id: str
    parent_id: Optional[str]
    root_id: str
    ts_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "process_id": self.process_id, "parent_id": self.parent_id,
                "root_id": self.root_id, "ts_ms": self.ts_ms}


def _clock_args(clock_ms: Any, entropy: Any) -> dict[str, Any]:
    args = {}
    if clock_ms is not None:
        args["clock_ms"] = int(clock_ms())
    if entropy is not None:
        args["entropy"] = entropy()
    return args


def mint(process_id: str, *, parent: Union[RunId, str, None] = None, root_id: Optional[str] = None,
         clock_ms: Optional[Callable[[], int]] = None, entropy: Optional[Callable[[], int]] = None) -> RunId:
    """Mint a run id for ``process_id`` (a child of ``parent`` when given)."""
    p = {"run_id": parent.run_id, "root_id": parent.root_id} if isinstance(parent, RunId) else parent
    args = {"process_id": process_id, "parent": p, "root_id": root_id, **_clock_args(clock_ms, entropy)}
    return RunId(**_dispatch("run_id.mint", args))


def is_run_id(s: str) -> bool:
    out: bool = _dispatch("run_id.is_run_id", {"s": s})
    return out


def ts_ms_of(run_id: str) -> Optional[int]:
    out: Optional[int] = _dispatch("run_id.ts_ms_of", {"run_id": run_id})
    return out


def lineage_env(run: RunId) -> dict[str, Any]:
    """The ``CID_*`` variables a parent hands its child process."""
    out: dict[str, Any] = _dispatch("run_id.lineage_env", {"run": run.to_dict()})
    return out


def mint_child_from_env(process_id: str, *, env: Optional[dict[str, Any]] = None,
                        clock_ms: Optional[Callable[[], int]] = None,
                        entropy: Optional[Callable[[], int]] = None) -> RunId:
    """Mint a child of ``$CID_RUN_ID`` (a root when unset), inheriting ``$CID_ROOT_ID``."""
    e = env if env is not None else dict(os.environ)
    e = {k: e[k] for k in (ENV_RUN_ID, ENV_ROOT_ID) if k in e}
    args = {"process_id": process_id, "env": e, **_clock_args(clock_ms, entropy)}
    return RunId(**_dispatch("run_id.mint_child_from_env", args))


def write_run_json(run_dir: Path, run: RunId) -> Path:
    """Write ``run_dir/run.json`` atomically; returns its path."""
    return Path(_dispatch("run_id.write_run_json", {"run_dir": str(run_dir), "run": run.to_dict()}))


def read_run_json(run_dir: Path) -> Optional[dict[str, Any]]:
    """``run_dir/run.json``, or None when missing or unreadable."""
    out: Optional[dict[str, Any]] = _dispatch("run_id.read_run_json", {"run_dir": str(run_dir)})
    return out
