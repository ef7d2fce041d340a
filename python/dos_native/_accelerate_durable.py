"""accelerate() entries for the intent-ledger
module (the export cursor, id_alloc and the verdict journal are on the generated route: _mapping.DURABLE, VERDICT_JOURNAL). Each swap binds its arguments exactly as the
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

from . import intent_ledger
from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
from ._native import BusyError, InternalError, _is_exact

#: Arguments that locate files rather than carry data.
_LOCATORS = frozenset({"config", "path", "cfg"})


def _serving(native: Callable[..., Any], *, need_path: bool = False) -> Factory:
    def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
        def serve(a: dict[str, Any]) -> Any:
            if need_path and a.get("path") is None:
                return FALLBACK
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


def _with_path(native: Callable[..., Any]) -> Factory:
    """Serve only calls that pass ``path=`` explicitly."""
    return _serving(native, need_path=True)


# run_id.is_run_id and ts_ms_of are not swapped: through this hand swap they
# ran about five times slower than the reference's few string tests
# (bench/compare.py --only run_id, 0.2x; docs/benchmarks.md).
register("dos.intent_ledger", "read_all", _with_path(intent_ledger.read_all))
