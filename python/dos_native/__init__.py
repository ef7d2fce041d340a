"""dos_native: libdos, the native DOS decision kernel, in-process.

- ``call(request)``: the JSON envelope, exactly what C and Go send.
- ``dispatch(op, args, config=None)``: the same dispatcher on Python objects.
- Typed modules mirroring the reference's (``dos_native.exec_capability``,
  ``dos_native._tree``, ...), whose verdicts' ``to_dict()`` equal dos-kernel's.
- ``accelerate()``: swap the installed ``dos`` package's ported deciders for
  native ones (also done at import when ``DOS_NATIVE=1``), and point its hook
  verbs at the ``dos-hook`` binary the wheel installs (``hook_binary()``).

``dos_native`` works without ``dos`` installed.
"""
from __future__ import annotations

import os as _os

from . import _native
from ._native import ABI_VERSION, REFERENCE_VERSION, call, dispatch, ops
from ._native import BadArgsError, BusyError, DosError, DosIOError, InternalError
from ._native import __version__ as __version__
from . import (
    _tree,
    breaker,
    durable_schema,
    efficiency,
    exec_capability,
    hook_exit,
    intervention,
    liveness,
    posttool_sensor,
    productivity,
    tool_stream,
)
from . import config, lane_journal, lane_lease
from . import export_cursor, id_alloc, intent_ledger, run_id, verdict_journal
from . import admission, arbiter, lane_overlap, lock_modes, overlap_policy, self_modify
from ._accelerate import accelerate, accelerated, restore
from . import _routed
from ._routed import *  # noqa: F401,F403  (the typed modules generated from the op table)
from . import _adapter  # noqa: F401  (registers the generated route's accelerate() entries)
from ._hook import hook_binary

__all__ = [
    "ABI_VERSION",
    "REFERENCE_VERSION",
    "DosError",
    "BadArgsError",
    "BusyError",
    "DosIOError",
    "InternalError",
    "call",
    "dispatch",
    "ops",
    "accelerate",
    "accelerated",
    "restore",
    "hook_binary",
    "exec_capability",
    "liveness",
    "productivity",
    "efficiency",
    "breaker",
    "tool_stream",
    "posttool_sensor",
    "hook_exit",
    "intervention",
    "durable_schema",
    "_tree",
    "id_alloc",
    "run_id",
    "verdict_journal",
    "intent_ledger",
    "export_cursor",
    "config",
    "lane_journal",
    "lane_lease",
    "arbiter",
    "admission",
    "lane_overlap",
    "overlap_policy",
    "lock_modes",
    "self_modify",
    *_routed.__all__,
]

if _os.environ.get("DOS_NATIVE") == "1":
    accelerate()
