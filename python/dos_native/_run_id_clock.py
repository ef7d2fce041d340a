"""The hand-written half of ``dos_native.run_id`` (the generated module
re-exports it): ``mint`` and ``mint_child_from_env`` with the reference's
``clock_ms`` and ``entropy`` parameters, which are callables. A callable runs
here, in Python, in the order the reference calls it (after the process slug
is checked, the clock first), and its integer goes to the generated
``_mint`` / ``_mint_child_from_env`` (ops ``run_id.mint`` and
``run_id.mint_child_from_env``). The defaults, ``_default_clock_ms`` and
``_default_entropy``, are not called: libdos reads this host's clock and its
own per-process entropy instead, which is what they compute.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from typing import Any, Callable, Mapping, Optional, Union

from .run_id import ENV_ROOT_ID, ENV_RUN_ID, RunId, _mint, _mint_child_from_env

__all__ = ["mint", "mint_child_from_env"]

#: The entropy bits a token carries.
_ENTROPY_MASK = (1 << 30) - 1

_counter = itertools.count()
_counter_lock = threading.Lock()


def _default_clock_ms() -> int:
    """This host's wall clock, in epoch milliseconds."""
    return int(time.time() * 1000)


def _default_entropy() -> int:
    """30 bits that differ between any two calls in one process: a
    per-process counter in the low bits, the process id and the monotonic
    clock mixed in above it."""
    with _counter_lock:
        n = next(_counter)
    return (n ^ ((os.getpid() << 13) ^ (time.monotonic_ns() << 7))) & _ENTROPY_MASK


def _pinned(clock_ms: Callable[[], int], entropy: Callable[[], int]) -> tuple[Optional[int], Optional[int]]:
    """The clock reading and entropy a caller's callables give (None for a
    default: libdos's own), called clock first."""
    ts = None if clock_ms is _default_clock_ms else int(clock_ms())
    if ts is not None and ts < 0:
        # Refused (by libdos) before the entropy is drawn, as the reference refuses it.
        return ts, None
    e = None if entropy is _default_entropy else entropy() & _ENTROPY_MASK
    return ts, e


def _parent_arg(parent: Any) -> Any:
    """The op's ``parent``: a run as its token and root, anything else but
    None as its ``str()`` (the reference's reading)."""
    if parent is None:
        return None
    if isinstance(parent, RunId):
        return {"run_id": parent.run_id, "root_id": parent.root_id}
    return str(parent)


def mint(
    process_id: str,
    *,
    parent: Union[RunId, str, None] = None,
    root_id: Optional[str] = None,
    clock_ms: Callable[[], int] = _default_clock_ms,
    entropy: Callable[[], int] = _default_entropy,
) -> RunId:
    """Mint a run id for one invocation of ``process_id``: a root, or a
    child of ``parent`` (a ``RunId``, whose root it inherits, or a parent's
    token); ``root_id`` names the root when only its token is known."""
    if not process_id:
        # Refused before the clock is read (libdos says why).
        return _mint(process_id, parent=None, root_id=root_id)
    ts, e = _pinned(clock_ms, entropy)
    return _mint(process_id, parent=_parent_arg(parent), root_id=root_id, clock_ms=ts, entropy=e)


def mint_child_from_env(
    process_id: str,
    *,
    env: Optional[Mapping[str, str]] = None,
    clock_ms: Callable[[], int] = _default_clock_ms,
    entropy: Callable[[], int] = _default_entropy,
) -> RunId:
    """Mint a child run id inheriting the lineage in ``CID_*`` variables
    (``env``, else this process's ``os.environ``): the parent is
    ``CID_RUN_ID`` (a root when unset), the root ``CID_ROOT_ID``, else the
    parent."""
    e = os.environ if env is None else env
    lineage = {ENV_RUN_ID: e.get(ENV_RUN_ID), ENV_ROOT_ID: e.get(ENV_ROOT_ID)}
    if not process_id:
        return _mint_child_from_env(process_id, env=lineage)
    ts, ent = _pinned(clock_ms, entropy)
    return _mint_child_from_env(process_id, env=lineage, clock_ms=ts, entropy=ent)
