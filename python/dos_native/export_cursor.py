"""Native ``dos.export_cursor``: how far a ``dos export`` drain got (the
highest verdict-journal ``seq`` shipped), in ``export-cursor`` next to the
verdict journal or ``$DISPATCH_EXPORT_CURSOR_PATH``, one sibling per
transport. Reads are fail-soft (0); writes report success as a bool."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from . import _paths
from ._native import dispatch as _dispatch

__all__ = ["AUTO", "cursor_path", "read_cursor", "write_cursor", "resolve_since"]

AUTO = "auto"


def cursor_path(path: Optional[Path] = None, *, transport: str = "") -> Path:
    if path is not None:
        base = str(path)
    else:
        env = os.environ.get("DISPATCH_EXPORT_CURSOR_PATH")
        base = env if env else str(_paths.verdict_journal().with_name("export-cursor"))
    return Path(_dispatch("export_cursor.cursor_path", {"path": base, "transport": transport}))


def read_cursor(path: Optional[Path] = None, *, transport: str = "") -> int:
    out: int = _dispatch("export_cursor.read_file", {"path": str(cursor_path(path, transport=transport))})
    return out


def write_cursor(value: int, path: Optional[Path] = None, *, transport: str = "") -> bool:
    try:
        p = cursor_path(path, transport=transport)
    except ValueError:
        return False
    out: bool = _dispatch("export_cursor.write_file", {"path": str(p), "value": value})
    return out


def resolve_since(since_arg: str, *, path: Optional[Path] = None, transport: str = "") -> tuple[int, bool]:
    """``""`` → (0, False); ``auto`` → (saved cursor, True); an integer → (it, False)."""
    s = (since_arg or "").strip()
    if s.lower() == AUTO:
        return (read_cursor(path, transport=transport), True)
    n, auto = _dispatch("export_cursor.resolve_since", {"since_arg": since_arg})
    return (n, auto)
