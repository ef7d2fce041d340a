"""The ``dos-hook`` binary the wheel installs, and the reference's locator.

The dos-native wheel carries the static ``dos-hook`` (bindings/hook) as a
script, so pip puts it on the environment's ``PATH``. :func:`hook_binary`
finds it through the installed distribution's file list. ``accelerate()``
also points ``dos.hook_binary.native_hook_binary`` (the reference's own
locator for a bundled hook binary, which its ``dos hook pretool|posttool``
consult before running the Python verb) at it, so those verbs run the Rust
binary by the reference's own mechanism; ``DOS_HOOK_NATIVE=0`` still makes
the locator answer ``None`` and the verb run in Python.
"""
from __future__ import annotations

import functools
import os
import pathlib
import sysconfig
from types import ModuleType
from typing import Callable, Optional

from ._accelerate import register

_NAME = "dos-hook"


def _usable(p: pathlib.Path) -> bool:
    return p.is_file() and os.access(p, os.X_OK)


@functools.lru_cache(maxsize=1)
def _find() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        files = distribution("dos-native").files or []
    except (ImportError, PackageNotFoundError):
        files = []
    for f in files:
        if f.name == _NAME:
            p = pathlib.Path(f.locate()).resolve()
            if _usable(p):
                return str(p)
    scripts = sysconfig.get_path("scripts")
    if scripts:
        p = pathlib.Path(scripts) / _NAME
        if _usable(p):
            return str(p.resolve())
    return None


def hook_binary() -> str | None:
    """The path of the ``dos-hook`` this package installed, or ``None`` (a
    build without it, such as ``maturin develop`` before ``make wheel``)."""
    return _find()


def _locator(ref_mod: ModuleType,
             original: Callable[[], Optional[pathlib.Path]]) -> Callable[[], Optional[pathlib.Path]]:
    # The bundle directory the reference looks in, as it was when accelerate()
    # ran: a program or test that points it elsewhere (a seam, like the
    # reference's own tests do) gets the reference's answer for that place.
    bin_dir = getattr(ref_mod, "_BIN_DIR", None)

    @functools.wraps(original)
    def native_hook_binary() -> Optional[pathlib.Path]:
        if getattr(ref_mod, "_BIN_DIR", None) is not bin_dir:
            return original()
        enabled = getattr(ref_mod, "native_hook_enabled", None)
        if enabled is not None and not enabled():
            return None
        path = hook_binary()
        if path is None:
            return original()
        return pathlib.Path(path)

    return native_hook_binary


register("dos.hook_binary", "native_hook_binary", _locator)
