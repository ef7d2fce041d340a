"""Native ``dos.id_alloc``: a per-scope counter that only goes up, shared
with the reference's processes (same files, same lock protocol).

``allocate`` takes the scope's lock, reads ``<stem>.id``, writes the next id
through a temporary file and a rename, and returns it; ``peek`` reads the last
id without locking. Scopes live in ``$DISPATCH_ID_ALLOC_DIR``, else
``id-alloc`` under the workspace's state home. A busy lock raises
``BusyError``, a ``TimeoutError`` as the reference raises.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from . import _paths
from ._native import dispatch as _dispatch

__all__ = ["DEFAULT_START", "DEFAULT_RETRIES", "DEFAULT_RETRY_INTERVAL", "DEFAULT_LOCK_TTL_SECONDS",
           "allocate", "peek"]

DEFAULT_START = 1
DEFAULT_RETRIES = 200
DEFAULT_RETRY_INTERVAL = 0.01
DEFAULT_LOCK_TTL_SECONDS = 30


def _scope_filename(scope_key: str) -> str:
    """The file stem of a scope: readable part and 13-character digest."""
    out: str = _dispatch("id_alloc.scope_filename", {"scope_key": scope_key})
    return out


def _alloc_dir(config: Any = None) -> Path:
    env = os.environ.get("DISPATCH_ID_ALLOC_DIR")
    if env:
        return Path(env)
    return _paths.state_home(config) / "id-alloc"


def allocate(config: Any, scope_key: str, *, start: int = DEFAULT_START, owner: Optional[str] = None,
             retries: int = DEFAULT_RETRIES, retry_interval: float = DEFAULT_RETRY_INTERVAL,
             ttl_seconds: float = DEFAULT_LOCK_TTL_SECONDS) -> int:
    """The next id of ``scope_key`` (``start`` for a new scope)."""
    if not scope_key:
        raise ValueError("scope_key is required")
    args = {"dir": str(_alloc_dir(config)), "scope_key": scope_key, "start": start, "owner": owner,
            "retries": retries, "retry_interval": float(retry_interval), "ttl_seconds": float(ttl_seconds)}
    # A busy lock raises BusyError (a TimeoutError), a file-system error
    # DosIOError (an OSError): the classes carry the reference's types.
    out: int = _dispatch("id_alloc.allocate", args)
    return out


def peek(config: Any, scope_key: str) -> Optional[int]:
    """The last id handed out for ``scope_key``, or None."""
    out: Optional[int] = _dispatch("id_alloc.peek", {"dir": str(_alloc_dir(config)), "scope_key": scope_key})
    return out
