"""The lane journal (the lease write-ahead log), natively.

Mirrors ``dos.lane_journal``: the pure fold (``replay``, ``compact``,
``next_seq`` over records), the record builders, and the file functions
(``read_all``, ``append``, ``next_seq``) on an explicit path. ``live(path)``
is the live-lease set through the fold sidecar: its cost does not grow with
the journal's history.

Differences from the reference, all readable by it (docs/divergences.md):
``append`` writes U+2028, U+2029 and U+0085 as ``\\u`` escapes and first
ends a torn last line, so neither loses a record.
"""
from __future__ import annotations

import os
from types import ModuleType
from typing import Any, Callable, Iterable, Optional, Union

from ._native import dispatch

#: A journal path (``os.fspath`` takes it).
_PathLike = Union[str, "os.PathLike[str]"]
#: A journal record (the reference's dict).
_Record = dict[str, Any]

SCHEMA_FAMILY = "lane-journal"
LANE_JOURNAL_SCHEMA = 1

OP_ACQUIRE = "ACQUIRE"
OP_RELEASE = "RELEASE"
OP_HEARTBEAT = "HEARTBEAT"
OP_SCAVENGE = "SCAVENGE"
OP_REFUSE = "REFUSE"
OP_RECONCILE = "RECONCILE"
OP_HALT = "HALT"
OP_ENFORCE = "ENFORCE"
OP_ADOPT = "ADOPT"
OP_ATTEMPT = "ATTEMPT"
OP_SPAWN = "SPAWN"
OP_CHECKPOINT = "CHECKPOINT"


def _path(path: Optional[_PathLike]) -> str:
    if path is None:
        raise TypeError("dos_native.lane_journal needs an explicit journal path")
    return os.fspath(path)


def read_all(path: Optional[_PathLike]) -> list[_Record]:
    """Every record of the journal file, in append order."""
    out: list[_Record] = dispatch("lane_journal.read_file", {"journal": _path(path)})
    return out


def tail(n: int = 20, path: Optional[_PathLike] = None) -> list[_Record]:
    entries = read_all(path)
    return entries[-n:] if n > 0 else entries


def append(entry: _Record, path: Optional[_PathLike]) -> _Record:
    """Append one record (stamping ``seq`` and ``ts`` when absent), fsync'd."""
    out: _Record = dispatch("lane_journal.append", {"journal": _path(path), "entry": dict(entry)})
    return out


def next_seq(path: Optional[_PathLike]) -> int:
    """The seq the next append stamps, without reading the whole history."""
    out: int = dispatch("lane_journal.next_seq_of_file", {"journal": _path(path)})
    return out


def live(path: Optional[_PathLike]) -> list[_Record]:
    """The live leases of the journal file (``replay(read_all(path))``)."""
    out: list[_Record] = dispatch("lane_journal.live_of_file", {"journal": _path(path)})
    return out


def replay(entries: Iterable[_Record]) -> list[_Record]:
    out: list[_Record] = dispatch("lane_journal.replay", {"entries": list(entries)})
    return out


def compact(entries: Iterable[_Record]) -> list[_Record]:
    out: list[_Record] = dispatch("lane_journal.compact", {"entries": list(entries)})
    return out


def next_seq_of(entries: Iterable[_Record]) -> int:
    out: int = dispatch("lane_journal.next_seq", {"entries": list(entries)})
    return out


def _args(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def acquire_entry(lease: _Record, *, reason: str = "", prev_holder: Any = None, env_digest: str = "",
                  children: Any = None, run_id: Any = None) -> _Record:
    out: _Record = dispatch("lane_journal.acquire_entry", _args(lease=lease, reason=reason, prev_holder=prev_holder,
                                                               env_digest=env_digest, children=children,
                                                               run_id=run_id))
    return out


def release_entry(lease: _Record, *, reason: str = "explicit") -> _Record:
    out: _Record = dispatch("lane_journal.release_entry", _args(lease=lease, reason=reason))
    return out


def heartbeat_entry(lease: _Record, *, heartbeat_at: str = "") -> _Record:
    out: _Record = dispatch("lane_journal.heartbeat_entry", _args(lease=lease, heartbeat_at=heartbeat_at))
    return out


def scavenge_entry(lease: _Record, *, reason: str = "scavenged", prev_holder: Any = None) -> _Record:
    out: _Record = dispatch("lane_journal.scavenge_entry", _args(lease=lease, reason=reason, prev_holder=prev_holder))
    return out


def checkpoint_entry(leases: list[_Record], *, seq_watermark: int) -> _Record:
    out: _Record = dispatch("lane_journal.checkpoint_entry", {"leases": list(leases), "seq_watermark": int(seq_watermark)})
    return out


def encode_line(entry: _Record) -> str:
    """The reference's bytes for one record (``json.dumps(sort_keys=True,
    ensure_ascii=False)`` plus a newline)."""
    out: str = dispatch("lane_journal.encode_line", {"entry": entry})
    return out


def _register() -> None:
    """accelerate(): serve ``dos.lane_journal``'s file reads and folds
    natively (the folds on entries of exact built-in types only)."""
    from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
    from ._native import BusyError, InternalError, _is_exact

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

    def fold(native: Callable[[list[Any]], Any]) -> Factory:
        def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
            def serve(a: dict[str, Any]) -> Any:
                entries = a["entries"]
                if type(entries) is not list and type(entries) is not tuple:
                    return FALLBACK
                # Records of exact built-in types, no tuple inside (the fold
                # answers with the records' lists), no infinite float (the
                # reference's int() of one raises).
                if not all(_is_exact(e, tuples=False, finite=True) for e in entries):
                    return FALLBACK
                try:
                    return native(list(entries))
                except InternalError:
                    raise
                except Exception:
                    return FALLBACK
            return same_signature(original, serve)
        return factory

    register("dos.lane_journal", "read_all", plain_path_reader(read_all))
    register("dos.lane_journal", "next_seq", plain_path_reader(next_seq))
    register("dos.lane_journal", "replay", fold(replay))
    register("dos.lane_journal", "compact", fold(compact))


_register()
