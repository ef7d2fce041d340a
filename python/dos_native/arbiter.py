"""Native ``dos.arbiter``: may a loop start, and on which lane?

``arbitrate`` takes the reference's keyword arguments and returns a
``LaneDecision`` whose ``to_dict()`` equals the reference's. It runs in
libdos; the Python callables (``pick_oracle``, ``rank_key``,
``sibling_tree_lookup`` and any predicate object that is not a built-in) are
called back from libdos at exactly the points, in exactly the order, the
reference calls them, so their answers (and exceptions) count as they would
there.

``config`` may be the reference's ``SubstrateConfig`` (or any object with its
``lanes``, ``overlap_ratio_max``, ``overlap_policy_name`` and
``kernel_runtime_files``), an inline config mapping as the envelope takes it,
or None (the reference's process-active config when ``dos`` is installed,
else the generic lanes with the runtime files probed under
``$DISPATCH_WORKSPACE`` or the working directory). A config object is read
once and that reading reused only while the object still holds the same
values (a taxonomy changed in place, ``trees`` say, is read again).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import _native
from .admission import AdmissionRequest, AdmissionVerdict, DisjointnessPredicate, built_in_predicates
from .overlap_policy import PrefixOverlapPolicy
from .self_modify import SelfModifyPredicate, existing_runtime_files

__all__ = ["LaneDecision", "arbitrate", "arbitrate_lane"]


#: What a loop should do: ``outcome`` is ``acquire`` (with ``lane``, its kind
#: and tree; ``auto_picked`` when the arbiter chose it) or ``refuse`` (with
#: ``reason`` and the ``free_clusters`` one could take instead); ``pick_count``
#: is the pick oracle's answer that drove the admission. Same constructor,
#: attributes and ``to_dict()`` as the reference's class.
LaneDecision = _native.LaneDecision


class _GenericConfig:
    """The generic lanes (``main`` concurrent, ``global`` exclusive, both over
    the whole repository) with the runtime files found under ``root``."""

    class _Lanes:
        concurrent = ("main",)
        exclusive = ("global",)
        autopick = ("main",)
        trees = {"main": ("**/*",), "global": ("**/*",)}
        aliases: dict[str, Any] = {}

    lanes = _Lanes()
    overlap_ratio_max = 1 / 3
    overlap_policy_name = "prefix"

    def __init__(self, root: Path):
        self.root = root
        self.kernel_runtime_files = existing_runtime_files(root)


_DEFAULT = None


def _active_config(config: Any = None) -> Any:
    """``config``, or the process-active one."""
    if config is not None:
        return config
    try:
        from dos.config import active
    except ImportError:
        global _DEFAULT
        if _DEFAULT is None:
            _DEFAULT = _GenericConfig(Path(os.environ.get("DISPATCH_WORKSPACE") or os.getcwd()).resolve())
        return _DEFAULT
    return active()


def _verdict_types() -> tuple[Any, ...]:
    try:
        from dos.admission import AdmissionVerdict as RefVerdict
    except Exception:
        return (AdmissionVerdict,)
    return (AdmissionVerdict, RefVerdict)


_native._bind_arbiter("native", {
    "decision": LaneDecision,
    "request": AdmissionRequest,
    "verdict": AdmissionVerdict,
    "verdict_types": _verdict_types(),
    "disjointness": DisjointnessPredicate,
    "self_modify": SelfModifyPredicate,
    "prefix_policy": PrefixOverlapPolicy,
    "built_in_predicates": built_in_predicates,
    "ensure": _active_config,
})

arbitrate = _native.arbitrate
arbitrate_lane = arbitrate

from . import _accelerate_arbiter  # noqa: E402,F401  (registers the accelerate() entries)
