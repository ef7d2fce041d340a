"""DOS_NATIVE=1 with no code change: accelerate ``dos`` when it is imported.

The dos-native wheel puts ``_dos_native_startup.pth`` in site-packages. At
interpreter start-up it reads one environment variable; unless ``DOS_NATIVE`` is ``1`` it
stops there and imports nothing. When it is ``1`` it calls :func:`install`,
which puts a finder at the front of ``sys.meta_path``. The finder locates
nothing itself: when a program imports ``dos``, it lets the other finders
find it and wraps the loader's ``exec_module`` so that, once ``dos`` has run,
``dos_native.accelerate()`` swaps its ported functions. ``dos_native`` is
loaded then and not before, and a program that never imports ``dos`` never
loads it. Modules that ``accelerate()`` swaps only once the program imports
them (``dos.posttool_sensor``) are watched the same way; the finder removes
itself when nothing is left to watch.

Acceleration never breaks an import: if it fails, ``dos`` stays as it is and
the exception is kept in :data:`error`.
"""
from __future__ import annotations

import sys

#: The exception that stopped acceleration, if any.
error: BaseException | None = None

_watch: set[str] = {"dos"}


def _accelerate(name: str) -> None:
    global error
    _watch.discard(name)
    try:
        import dos_native
        from dos_native import _accelerate as acc

        dos_native.accelerate()
        later = getattr(acc, "_ONLY_IF_IMPORTED", ())
        _watch.update(m for m in later if m not in sys.modules)
    except Exception as e:  # never let acceleration break the program's import
        error = e
        _watch.clear()
    if not _watch:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, DosNativeFinder)]


class _Loader:
    """Stands in for a loader whose ``exec_module`` cannot be wrapped in place."""

    def __init__(self, inner, name: str) -> None:
        self._inner = inner
        self._name = name

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module) -> None:
        self._inner.exec_module(module)
        _accelerate(self._name)

    def __getattr__(self, attr):
        return getattr(self._inner, attr)


class DosNativeFinder:
    """A ``sys.meta_path`` finder for the watched names only (see the module)."""

    def find_spec(self, name, path=None, target=None):
        if name not in _watch:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module) -> None:
            try:
                original(module)
            finally:
                try:
                    del loader.exec_module
                except AttributeError:
                    pass
            _accelerate(name)

        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            spec.loader = _Loader(loader, name)
        return spec

    def invalidate_caches(self) -> None:
        pass


def install() -> None:
    """Watch for ``dos`` (called from ``_dos_native_startup.pth`` when DOS_NATIVE=1)."""
    if any(isinstance(f, DosNativeFinder) for f in sys.meta_path):
        return
    if "dos" in sys.modules:
        _accelerate("dos")
        if not _watch:
            return
    sys.meta_path.insert(0, DosNativeFinder())
