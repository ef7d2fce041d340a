"""The hand-written half of ``dos_native.self_modify`` (the generated module
re-exports it): the guard as a predicate object, and the workspace probe.

The guard judges the request alone: a requested tree whose prefixes collide
with one of the kernel runtime files is refused with reason class
``SELF_MODIFY``, whatever is live (the generated op
``self_modify.SelfModifyPredicate``). The files are those a workspace probe
found (``existing_runtime_files``, which reads the disk) or, when nothing was
probed, the full static list.
"""
from __future__ import annotations

from typing import Any

from .admission import AdmissionRequest, AdmissionVerdict
from .self_modify import _DISPATCH_RUNTIME_FILES, _SelfModifyPredicate  # the generated module, which imports this one at its end

__all__ = ["SelfModifyPredicate", "existing_runtime_files"]


class SelfModifyPredicate:
    """The self-modification guard (predicate name ``self-modify``)."""

    name = "self-modify"

    def __init__(self, runtime_files: tuple[str, ...] = _DISPATCH_RUNTIME_FILES):
        self._runtime_files = tuple(runtime_files)

    def __call__(self, request: AdmissionRequest, live_lease: dict[str, Any], config: object) -> AdmissionVerdict:
        if type(request) is not AdmissionRequest:  # a reference request, or one that looks like it
            request = AdmissionRequest(lane=request.lane, kind=request.kind, tree=tuple(request.tree))
        verdict: AdmissionVerdict = _SelfModifyPredicate(request, runtime_files=list(self._runtime_files))
        return verdict


def existing_runtime_files(workspace: Any) -> tuple[str, ...]:
    """The runtime files present under ``workspace`` (the full list when it is falsy).

    This probes the disk: a boundary helper, never called by the deciders.
    """
    if not workspace:
        return _DISPATCH_RUNTIME_FILES
    from pathlib import Path

    root = Path(workspace)
    return tuple(f for f in _DISPATCH_RUNTIME_FILES if (root / f).exists())
