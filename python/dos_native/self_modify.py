"""Native ``dos.self_modify``: refuse a lease over the kernel's own running code.

The guard judges the request alone: a requested tree whose prefixes collide
with one of the kernel runtime files is refused with reason class
``SELF_MODIFY``, whatever is live. The files are those a workspace probe
found (``existing_runtime_files``) or, when nothing was probed, the full
static list.
"""
from __future__ import annotations

from typing import Any

from ._native import dispatch as _dispatch
from .admission import AdmissionRequest, AdmissionVerdict

__all__ = ["SELF_MODIFY_REASON", "SelfModifyPredicate", "existing_runtime_files"]

SELF_MODIFY_REASON = "SELF_MODIFY"

_DISPATCH_RUNTIME_FILES: tuple[str, ...] = (
    "src/dos/arbiter.py",
    "src/dos/admission.py",
    "src/dos/self_modify.py",
    "src/dos/lane_overlap.py",
    "src/dos/_tree.py",
    "src/dos/gate_classify.py",
    "src/dos/loop_decide.py",
    "src/dos/tokens.py",
    "src/dos/wedge_reason.py",
    "src/dos/reasons.py",
    "src/dos/config.py",
)


def _tree_touches_runtime(requested_tree: list[str], runtime_files: tuple[str, ...] = _DISPATCH_RUNTIME_FILES
                          ) -> list[str]:
    """The runtime files (as given, in order) the tree's prefixes collide with."""
    out: list[str] = _dispatch("self_modify._tree_touches_runtime",
                               {"requested_tree": list(requested_tree or []), "runtime_files": list(runtime_files)})
    return out


class SelfModifyPredicate:
    """The self-modification guard (predicate name ``self-modify``)."""

    name = "self-modify"

    def __init__(self, runtime_files: tuple[str, ...] = _DISPATCH_RUNTIME_FILES):
        self._runtime_files = tuple(runtime_files)

    def __call__(self, request: AdmissionRequest, live_lease: dict[str, Any], config: object) -> AdmissionVerdict:
        d = _dispatch("self_modify.SelfModifyPredicate", {
            "request": {"lane": request.lane, "kind": request.kind, "tree": list(request.tree)},
            "runtime_files": list(self._runtime_files)})
        if d["admitted"]:
            return AdmissionVerdict.admit()
        return AdmissionVerdict.refuse(d["reason"], reason_class=d["reason_class"])


def existing_runtime_files(workspace: Any) -> tuple[str, ...]:
    """The runtime files present under ``workspace`` (the full list when it is falsy).

    This probes the disk: a boundary helper, never called by the deciders.
    """
    if not workspace:
        return _DISPATCH_RUNTIME_FILES
    from pathlib import Path

    root = Path(workspace)
    return tuple(f for f in _DISPATCH_RUNTIME_FILES if (root / f).exists())
