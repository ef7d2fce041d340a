"""Entry-point plugins the reference lets a program install (admission
predicates, overlap policies): found and loaded in Python, never by libdos."""
from __future__ import annotations

import sys
from typing import Any, Optional, TextIO


def discover(group: str, what: str, *, stderr: Optional[TextIO] = None) -> list[tuple[str, Any]]:
    """``(name, plugin)`` for each entry point of ``group``, by name; a class
    is instantiated with no arguments. One that fails to load is skipped
    with a warning naming it (``what`` says what kind of plugin it is)."""
    err = stderr if stderr is not None else sys.stderr
    out: list[tuple[str, Any]] = []
    try:
        from importlib.metadata import entry_points

        eps = entry_points(group=group)
    except Exception:
        return out
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            obj = ep.load()
            out.append((ep.name, obj() if isinstance(obj, type) else obj))
        except Exception as e:
            print(f"warning: {what} plugin {ep.name!r} could not be loaded ({e}); skipped", file=err)
    return out
