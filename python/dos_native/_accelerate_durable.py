"""accelerate() entries for the id, run-id, verdict-journal, intent-ledger
and export-cursor modules. Each swap answers with the same plain values the
reference returns (ints, bools, tuples, lists of dicts); anything the native
side refuses runs the original. File readers are swapped only for calls that
name their file, so the reference keeps resolving its own default paths."""
from __future__ import annotations

import functools

from . import export_cursor, id_alloc, intent_ledger, run_id, verdict_journal
from ._accelerate import register


def _plain(native):
    def factory(ref_mod, original):
        @functools.wraps(original)
        def swapped(*args, **kwargs):
            try:
                return native(*args, **kwargs)
            except TimeoutError:
                raise
            except Exception:
                return original(*args, **kwargs)
        return swapped
    return factory


def _with_path(native):
    """Serve only calls that pass ``path=`` explicitly."""
    def factory(ref_mod, original):
        @functools.wraps(original)
        def swapped(*args, **kwargs):
            if kwargs.get("path") is None:
                return original(*args, **kwargs)
            try:
                return native(*args, **kwargs)
            except Exception:
                return original(*args, **kwargs)
        return swapped
    return factory


register("dos.id_alloc", "allocate", _plain(id_alloc.allocate))
register("dos.id_alloc", "peek", _plain(id_alloc.peek))
register("dos.run_id", "is_run_id", _plain(run_id.is_run_id))
register("dos.run_id", "ts_ms_of", _plain(run_id.ts_ms_of))
register("dos.export_cursor", "read_cursor", _with_path(export_cursor.read_cursor))
register("dos.export_cursor", "resolve_since", _with_path(export_cursor.resolve_since))
register("dos.verdict_journal", "read_all", _with_path(verdict_journal.read_all))
register("dos.intent_ledger", "read_all", _with_path(intent_ledger.read_all))
