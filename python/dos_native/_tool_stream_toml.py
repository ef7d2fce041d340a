"""The hand-written half of ``dos_native.tool_stream`` (the generated module
re-exports it): reading a ``dos.toml`` is file I/O, which stays in the host
as in the reference; libdos reads the parsed ``[tool_stream]`` table
(``policy_from_table``).
"""
from __future__ import annotations

from pathlib import Path

from .tool_stream import DEFAULT_POLICY, StreamPolicy, policy_from_table

__all__ = ["load_from_toml"]


def load_from_toml(path: "Path | str", *, base: StreamPolicy = DEFAULT_POLICY) -> StreamPolicy:
    """The policy a ``dos.toml``'s ``[tool_stream]`` table declares, or
    ``base`` when the file is missing or has no non-empty table. The file is
    read as UTF-8 (a leading BOM skipped); a malformed table raises."""
    p = Path(path)
    if not p.exists():
        return base
    import tomllib

    table = tomllib.loads(p.read_text(encoding="utf-8-sig")).get("tool_stream")
    if not isinstance(table, dict) or not table:
        return base
    return policy_from_table(table)
