"""Swap the installed ``dos`` package's ported deciders for native ones.

Each swapped function binds its arguments exactly as the reference's does
(``inspect.signature`` reports the reference's own) and returns the
reference's own result types. The native side takes exact built-in types
only (``type(x) is str``, not ``isinstance``, down to the items of lists and
dicts); when it cannot serve a call (a subclass, an enum member where the
reference expects text, a lone surrogate, a Python callable it cannot see
through), the original function runs instead, so acceleration never changes
an answer or raises where the reference would not.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import sys
from types import ModuleType
from typing import Any, Callable

from . import _native, _seams, _typed

#: Any function (a reference function, a swap, a native callable).
AnyFn = Callable[..., Any]
#: What the swap table holds: ``factory(ref_module, original) -> replacement``.
Factory = Callable[[ModuleType, AnyFn], AnyFn]

# (module, attribute) -> original function, for what is swapped now.
_SWAPPED: dict[tuple[str, str], AnyFn] = {}


def _wrapped(fast: _native.NativeFunction, original: AnyFn) -> AnyFn:
    """The native function as a callable with the original's name, module,
    docstring and signature (``__wrapped__`` is the original)."""
    return _typed.native(fast, original)


#: What a ``serve`` function of :func:`same_signature` returns to hand the
#: call to the original function.
FALLBACK = object()


def same_signature(original: AnyFn, serve: Callable[[dict[str, Any]], object]) -> AnyFn:
    """A Python function that binds its arguments exactly as ``original``
    does (the same parameters, kinds and default objects: a wrong call
    raises the same TypeError before anything runs), then calls
    ``serve(arguments)`` with every parameter by name, defaults filled in.
    When ``serve`` returns :data:`FALLBACK`, ``original`` runs on the same
    arguments; what ``serve`` raises propagates. ``functools.update_wrapper``
    gives it the original's name, docstring and ``__wrapped__``, so
    ``inspect.signature`` reports the original's own signature."""
    sig = inspect.signature(original)
    params: list[str] = []
    names: list[str] = []
    call: list[str] = []
    env: dict[str, Any] = {"__serve": serve, "__original": original, "__FALLBACK": FALLBACK}
    star = False
    kinds = [p.kind for p in sig.parameters.values()]
    for i, p in enumerate(sig.parameters.values()):
        text = p.name
        if p.default is not p.empty:
            env[f"__d{i}"] = p.default
            text += f"=__d{i}"
        if p.kind is p.VAR_POSITIONAL:
            text, star = f"*{p.name}", True
            call.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            text = f"**{p.name}"
            call.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            call.append(f"{p.name}={p.name}")
        else:
            call.append(p.name)
        params.append(text)
        names.append(p.name)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(kinds) or kinds[i + 1] is not p.POSITIONAL_ONLY):
            params.append("/")
    ns = "{" + ", ".join(f"{n!r}: {n}" for n in names) + "}"
    src = (f"def {original.__name__}({', '.join(params)}):\n"
           f"    __r = __serve({ns})\n"
           f"    if __r is __FALLBACK:\n"
           f"        return __original({', '.join(call)})\n"
           f"    return __r\n")
    exec(compile(src, f"<dos_native swap of {original.__module__}.{original.__qualname__}>", "exec"), env)
    swap: AnyFn = functools.update_wrapper(env[original.__name__], original)
    return swap


def _tree_disjoint_from_all_live(m: ModuleType, original: AnyFn) -> AnyFn:
    # The one `_tree` function whose reference takes a callable (the sibling
    # lookup, called back from libdos); the other three are _mapping.TREE
    # routes. What the original calls for one live lane, looked up when called:
    def lookup(requested_tree: Any, tree: Any, m: ModuleType = m) -> Any:
        return m.lane_trees_disjoint(requested_tree, tree)

    return _wrapped(_native.bind_tree("tree_disjoint_from_all_live", original, lookup), original)


# What accelerate() can swap: (module, function) -> factory(ref_module, original).
# (durable_schema, tool_stream and posttool_sensor are on the generated route:
# _mapping.DURABLE_SCHEMA, _mapping.HOOK_SENSORS, _mapping.POSTTOOL_SENSOR.)
_TABLE: dict[tuple[str, str], Factory] = {
    ("dos._tree", "tree_disjoint_from_all_live"): _tree_disjoint_from_all_live,
}


# Modules whose import changes the process (dos.posttool_sensor reconfigures
# sys.stdout and sys.stderr): accelerate() swaps their functions only once the
# program has imported them itself; call accelerate() again after that import.
_ONLY_IF_IMPORTED = {"dos.posttool_sensor"}


def register(module: str, attr: str, factory: Factory) -> None:
    """Add a swappable function (used by the typed modules as they are ported)."""
    _TABLE[(module, attr)] = factory


def accelerate() -> list[str]:
    """Swap every ported function of the installed ``dos`` package for its
    native twin. Returns what is swapped (empty when ``dos`` is not installed).
    Calling it again is harmless."""
    for (modname, attr), factory in _TABLE.items():
        if (modname, attr) in _SWAPPED:
            continue
        if modname in _ONLY_IF_IMPORTED and modname not in sys.modules:
            continue
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        original = getattr(mod, attr, None)
        if original is None:
            continue
        setattr(mod, attr, _seams.guard(modname, attr, factory(mod, original), original))
        _SWAPPED[(modname, attr)] = original
    _seams.capture(_SWAPPED)
    return accelerated()


def accelerated() -> list[str]:
    """The ``module.function`` names currently served natively."""
    return sorted(f"{m}.{a}" for m, a in _SWAPPED)


def restore() -> None:
    """Put every original function back."""
    for (modname, attr), original in list(_SWAPPED.items()):
        setattr(importlib.import_module(modname), attr, original)
        del _SWAPPED[(modname, attr)]
    _seams.forget()
