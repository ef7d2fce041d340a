"""The hand-written half of ``dos_native.lane_journal`` (the generated module
re-exports it): the journal file's functions with the reference's names and
signatures (``read_all``, ``tail``, ``append``, ``next_seq``, ``live``), over
the generated ``_read_file``, ``_append_file``, ``_next_seq_of_file`` and
``_live_of_file``, and accelerate()'s file readers for ``dos.lane_journal``.

``live(path)`` is the live-lease set through the fold sidecar: its cost does
not grow with the journal's history. Differences from the reference, all
readable by it (docs/divergences.md): ``append`` writes U+2028, U+2029 and
U+0085 as ``\\u`` escapes and first ends a torn last line, so neither loses a
record.
"""
from __future__ import annotations

import os
from types import ModuleType
from typing import Any, Callable, Optional, Union

from .lane_journal import _append_file, _live_of_file, _next_seq_of_file, _read_file

__all__ = ["read_all", "tail", "append", "next_seq", "live"]

#: A journal path (``os.fspath`` takes it).
_PathLike = Union[str, "os.PathLike[str]"]
#: A journal record (the reference's dict).
_Record = dict[str, Any]


def _path(path: Optional[_PathLike]) -> str:
    if path is None:
        raise TypeError("dos_native.lane_journal needs an explicit journal path")
    return os.fspath(path)


def read_all(path: Optional[_PathLike]) -> list[_Record]:
    """Every record of the journal file, in append order."""
    return _read_file(_path(path))


def tail(n: int = 20, path: Optional[_PathLike] = None) -> list[_Record]:
    entries = read_all(path)
    return entries[-n:] if n > 0 else entries


def append(entry: _Record, path: Optional[_PathLike]) -> _Record:
    """Append one record (stamping ``seq`` and ``ts`` when absent), fsync'd."""
    return _append_file(_path(path), dict(entry))


def next_seq(path: Optional[_PathLike]) -> int:
    """The seq the next append stamps, without reading the whole history."""
    return _next_seq_of_file(_path(path))


def live(path: Optional[_PathLike]) -> list[_Record]:
    """The live leases of the journal file (``replay(read_all(path))``)."""
    return _live_of_file(_path(path))


def _register() -> None:
    """accelerate(): serve ``dos.lane_journal``'s file reads natively (its
    fold and compaction are ``_mapping.LANE_JOURNAL`` routes)."""
    from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
    from ._native import BusyError, InternalError

    def plain_path_reader(native: Callable[[Any], Any]) -> Factory:
        def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
            def serve(a: dict[str, Any]) -> Any:
                path = a["path"]
                try:
                    return native(path if path is not None else ref_mod._journal_path())
                except (BusyError, InternalError):
                    raise
                except Exception:
                    return FALLBACK
            return same_signature(original, serve)
        return factory

    register("dos.lane_journal", "read_all", plain_path_reader(read_all))
    register("dos.lane_journal", "next_seq", plain_path_reader(next_seq))


_register()
