"""The hand-written half of ``dos_native.intent_ledger`` (the generated module
re-exports it): where a run's ledger lives, the ledger's clock stamp, and the
file functions ``append`` and ``read_all`` with the reference's signatures
over the generated ``_append_file`` (stamped and flushed to disk) and
``_read_file`` (the torn-tail rules and the schema gate), and accelerate()'s
ledger reader for ``dos.intent_ledger``.

Differences from the reference, all readable by it (docs/divergences.md): a
run id that would leave the runs directory is refused, and lines carry U+2028,
U+2029 and U+0085 as ``\\u`` escapes.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

from . import _paths
from .intent_ledger import INTENT_LEDGER_SCHEMA, _append_file, _read_file

__all__ = ["ledger_now_iso", "run_dir_for", "ledger_path_for", "append", "read_all"]

#: The ledger's file name in its run directory.
_FILE_NAME = "intent.jsonl"


def ledger_now_iso() -> str:
    """The current UTC second (``%Y-%m-%dT%H:%M:%SZ``), a ledger record's ``ts``."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_dir_for(run_id: str, *, cfg: Any = None) -> Path:
    """``<runs>/<run_id>`` under ``cfg``'s layout (the active one when None);
    nothing is created."""
    return _paths.runs_dir(cfg) / run_id


def ledger_path_for(run_id: str, *, cfg: Any = None) -> Path:
    """The ledger file of ``run_id``."""
    return run_dir_for(run_id, cfg=cfg) / _FILE_NAME


def append(run_id: str, entry: dict[str, Any], *, path: Optional[Path] = None, cfg: Any = None) -> dict[str, Any]:
    """Append one entry to the run's ledger (``run_id`` forced, ``ts`` and the
    schema tag added when absent), flushed to disk; the stamped record."""
    p = path or ledger_path_for(run_id, cfg=cfg)
    return _append_file(str(p), run_id, dict(entry))


def read_all(run_id: Optional[str] = None, *, path: Optional[Path] = None, cfg: Any = None,
             understands: int = INTENT_LEDGER_SCHEMA) -> list[dict[str, Any]]:
    """Every record of the ledger (``run_id``'s, or the file at ``path``) in
    append order, schema-gated for a reader of versions up to ``understands``."""
    p = path or (ledger_path_for(run_id, cfg=cfg) if run_id else None)
    if p is None:
        raise ValueError("read_all needs a run_id or an explicit path")
    return _read_file(str(p), understands)


def _register() -> None:
    """accelerate(): serve ``dos.intent_ledger.read_all`` natively for calls
    that name their file (the reference keeps resolving its own run paths);
    the pure half goes through ``_mapping.INTENT_LEDGER`` routes."""
    from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
    from ._native import BusyError, InternalError, _is_exact

    def with_path(native: Any) -> Factory:
        def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
            def serve(a: dict[str, Any]) -> Any:
                if a.get("path") is None:
                    return FALLBACK
                if not all(_is_exact(v) for k, v in a.items() if k not in ("path", "cfg")):
                    return FALLBACK
                try:
                    return native(**a)
                except (BusyError, InternalError):
                    raise
                except Exception:
                    return FALLBACK
            return same_signature(original, serve)
        return factory

    register("dos.intent_ledger", "read_all", with_path(read_all))


_register()
