"""accelerate() entries for the run-id module (the export cursor, id_alloc,
the verdict journal and the intent ledger are on the generated route:
_mapping.DURABLE, VERDICT_JOURNAL, INTENT_LEDGER; the ledger's file reader is
its companion's, _intent_ledger_files). Each swap binds its arguments exactly as the
reference's function does and answers with the same plain values the
reference returns (ints, bools, tuples, lists of dicts). The native side
takes only exact built-in types (a ``config`` object and a ``path`` aside,
which only locate files); anything else, and any call it refuses, runs the
original. File readers are swapped only for calls that name their file, so
the reference keeps resolving its own default paths. A lock that stays
busy raises ``BusyError``, a ``TimeoutError`` as the reference raises."""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from . import run_id
from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
from ._native import BusyError, InternalError, _is_exact

#: Arguments that locate files rather than carry data.
_LOCATORS = frozenset({"config", "path", "cfg"})


def _serving(native: Callable[..., Any]) -> Factory:
    def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
        def serve(a: dict[str, Any]) -> Any:
            if not all(_is_exact(v) for k, v in a.items() if k not in _LOCATORS):
                return FALLBACK
            try:
                return native(**a)
            except (BusyError, InternalError):
                raise
            except Exception:
                return FALLBACK
        return same_signature(original, serve)
    return factory


def _plain(native: Callable[..., Any]) -> Factory:
    return _serving(native)


register("dos.run_id", "is_run_id", _plain(run_id.is_run_id))
register("dos.run_id", "ts_ms_of", _plain(run_id.ts_ms_of))
