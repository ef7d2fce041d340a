"""Seams: the reference's replaceable primitives, honoured under accelerate().

The reference reads its clock, its file and process primitives and its own
helpers through module attributes at call time (``dos.lane_lease._now``,
``dos.lane_journal.journal_now_iso``, ``dos._filelock.atomic_replace``,
``time.sleep``, ``builtins.open``, ...). A program or a test that replaces one
(a simulated clock, fault injection) expects every verb to go through its
replacement; a native verb cannot. So each swapped function that does I/O or
reads the clock is guarded: before serving a call natively it checks that
every primitive the reference function could reach is still the object that
was there when ``accelerate()`` ran, and if any was replaced, that one call
runs the reference function instead.

What is watched: every function, class and module bound at the top level of
the listed ``dos`` modules (the functions ``accelerate()`` itself swapped
count as their native versions), plus the standard-library primitives in
``_STDLIB``. Plain values are not watched (the reference rebinds some of them
as caches).
"""
from __future__ import annotations

import functools
import importlib
import operator
import types
from typing import Any, Callable, Iterable

#: A check: a module's namespace, a getter of the watched names, their recorded objects.
_Check = tuple[dict[str, Any], Callable[[dict[str, Any]], Any], tuple[Any, ...]]

# The standard-library primitives the reference's I/O verbs reach.
_STDLIB = (
    ("builtins", "open"),
    ("os", "open"), ("os", "write"), ("os", "fsync"), ("os", "replace"), ("os", "rename"), ("os", "link"),
    ("os", "unlink"), ("os", "remove"), ("os", "getpid"), ("os", "kill"),
    ("time", "time"), ("time", "sleep"), ("time", "monotonic"), ("time", "monotonic_ns"),
    ("socket", "gethostname"),
    ("subprocess", "run"),
)

_LEASE = ("dos.lane_lease", "dos.lane_journal", "dos._filelock", "dos.arbiter", "dos.admission",
          "dos.proc_delta", "dos.lease_health")

# Reference module -> (its guarded functions, the modules they read through).
WATCHED: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "dos.lane_lease": (frozenset({"live_leases", "acquire", "release", "heartbeat", "adopt", "halt", "spawn",
                                  "compact_journal", "scavenge"}), _LEASE),
    "dos.lane_journal": (frozenset({"read_all", "next_seq"}), ("dos.lane_journal", "dos._filelock")),
    "dos.id_alloc": (frozenset({"allocate", "peek"}), ("dos.id_alloc", "dos._filelock")),
    "dos.verdict_journal": (frozenset({"read_all"}), ("dos.verdict_journal",)),
    "dos.intent_ledger": (frozenset({"read_all"}), ("dos.intent_ledger",)),
    # mint's default clock and entropy (time.time, os.getpid, time.monotonic_ns, its counter)
    "dos.run_id": (frozenset({"mint", "mint_child_from_env"}), ("dos.run_id",)),
    "dos.export_cursor": (frozenset({"read_cursor", "resolve_since"}), ("dos.export_cursor", "dos.verdict_journal")),
    "dos.config": (frozenset({"load_workspace_config", "job_config", "default_config"}), ("dos.config",)),
    # issue 10, output shape (part A): the transcript readers read through claim_extract._read_lines
    "dos.claim_extract": (frozenset({"assistant_text_from_transcript"}), ("dos.claim_extract",)),
    "dos.result_state": (frozenset({"terminal_evidence_from_transcript", "verify_transcript"}),
                         ("dos.result_state", "dos.claim_extract")),
    # coverage_from_transcripts reads each path through result_state.verify_transcript
    "dos.coverage": (frozenset({"coverage_from_transcripts"}), ("dos.coverage", "dos.result_state", "dos.claim_extract")),

    # issue 10, output shape (part C): the git readers run git through `_git` / subprocess.run
    "dos.commit_audit": (frozenset({"read_commit", "audit_commit", "audit_range"}), ("dos.commit_audit",)),
}

# What was recorded: module name -> {attribute: object}.
_SNAP: dict[str, dict[str, Any]] = {}
# Bumped whenever _SNAP changes, so each guard recompiles its checks.
_EPOCH = [0]


def _watchable(v: Any) -> bool:
    return callable(v) or isinstance(v, types.ModuleType)


def _record(modname: str) -> dict[str, Any]:
    d = vars(importlib.import_module(modname))
    return {k: v for k, v in d.items() if _watchable(v)}


def _compile(modules: Iterable[str]) -> list[_Check]:
    """(namespace dict, getter, recorded objects) per module: one C-level
    lookup of every watched name, compared with the record as a tuple."""
    per_ns: dict[str, dict[str, Any]] = {}
    for name in modules:
        if name in _SNAP:
            per_ns[name] = _SNAP[name]
    for (mod, attr) in _STDLIB:
        rec = _SNAP.get(mod)
        if rec is not None and attr in rec:
            per_ns.setdefault(mod, {})[attr] = rec[attr]
    checks: list[_Check] = []
    for name, rec in per_ns.items():
        names = tuple(rec) * 2 if len(rec) == 1 else tuple(rec)  # itemgetter of one name is not a tuple
        checks.append((vars(importlib.import_module(name)), operator.itemgetter(*names), tuple(rec[k] for k in names)))
    return checks


def _intact(checks: list[_Check]) -> bool:
    try:
        for d, get, objs in checks:
            if get(d) != objs:
                return False
    except KeyError:
        return False
    return True


def guard(modname: str, attr: str, fast: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    """``fast`` behind a check of the primitives ``original`` reads through
    (``fast`` itself when the function reads none or was not swapped)."""
    spec = WATCHED.get(modname)
    if spec is None or attr not in spec[0] or fast is original:
        return fast
    modules = spec[1]
    epoch = [-1]
    checks: list[list[_Check]] = [[]]

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if epoch[0] != _EPOCH[0]:
            checks[0] = _compile(modules)
            epoch[0] = _EPOCH[0]
        if _intact(checks[0]):
            return fast(*args, **kwargs)
        return original(*args, **kwargs)

    setattr(guarded, "__dos_native_fast__", fast)
    return guarded


def capture(swapped: dict[tuple[str, str], Callable[..., Any]]) -> None:
    """Record the watched primitives as they are now, after ``accelerate()``
    installed its swaps (``swapped``: (module, attr) -> original). A module
    recorded by an earlier call keeps its record, with the functions swapped
    since then taken as they now are."""
    wanted: set[str] = set()
    for modname, attr in swapped:
        spec = WATCHED.get(modname)
        if spec is not None and attr in spec[0]:
            wanted.update(spec[1])
    if not wanted:
        return
    for mod, attr in _STDLIB:
        if mod not in _SNAP:
            std = importlib.import_module(mod)
            _SNAP[mod] = {a: getattr(std, a) for s, a in _STDLIB if s == mod and hasattr(std, a)}
    for name in sorted(wanted):
        if name in _SNAP:
            rec, d = _SNAP[name], vars(importlib.import_module(name))
            for (m, k) in swapped:
                if m == name and k in rec:
                    rec[k] = d.get(k)
            continue
        try:
            _SNAP[name] = _record(name)
        except ImportError:
            continue
    _EPOCH[0] += 1


def forget() -> None:
    """Drop every record (after ``restore()``)."""
    _SNAP.clear()
    _EPOCH[0] += 1


def replaced() -> list[str]:
    """The watched primitives that differ from their record now (for tests
    and diagnostics)."""
    out: list[str] = []
    for name, rec in sorted(_SNAP.items()):
        d = vars(importlib.import_module(name))
        out += [f"{name}.{k}" for k, v in rec.items() if d.get(k) is not v]
    return out
