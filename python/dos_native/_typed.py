"""Shared plumbing of the typed modules.

A typed function is a native function (a builtin whose ``__self__`` is a
``NativeFunction``): it serves calls on this
package's own input dataclasses holding values it understands, and passes
every other call (a mapping, the reference's objects, a value it does not
take) to a Python function, which checks the input through the generic
dispatcher (raising ``DosError`` with the envelope's code) and then calls the
native path again on this package's own classes.
"""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any, Callable, Optional, TypeVar

from . import _native
from ._native import DosError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def _text_signature(fn: Callable) -> Optional[str]:
    """``fn``'s parameters as a builtin's ``__text_signature__`` (None when a
    default is not a literal, which a text signature cannot carry)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    parts = ["$self"]
    star = False
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return None
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.default is p.empty:
            parts.append(p.name)
            continue
        # inspect reads only literal defaults back from a text signature.
        if p.default is not None and type(p.default) not in (bool, int, float, str):
            return None
        parts.append(f"{p.name}={p.default!r}")
    return "(" + ", ".join(parts) + ")"


def native(fast: Any, slow: F) -> F:
    """The native function ``fast`` as a builtin function with ``slow``'s
    name, module, docstring and signature (typed as ``slow``: it takes the
    same arguments and answers with the same types). Its ``__self__`` is the
    ``NativeFunction`` (``.native_only()``, ``.fallback``, ``.native_op``)."""
    sig = _text_signature(slow)
    doc = inspect.getdoc(slow) or ""
    if sig is not None:
        doc = f"{slow.__name__}{sig}\n--\n\n{doc}"
    else:
        # Shown by help(); inspect.signature() has no way to read it.
        try:
            doc = f"{slow.__name__}{inspect.signature(slow)}\n\n{doc}"
        except (TypeError, ValueError):
            pass
    return _native._as_function(fast, slow.__name__, doc, slow.__module__)  # type: ignore[return-value]


def fields(obj: Any) -> Any:
    """What the dispatcher should see for ``obj``: a mapping as it is, a
    dataclass instance as its field dict, anything else unchanged (the
    dispatcher then refuses it with a clear message)."""
    if isinstance(obj, Mapping):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return obj


def coerce(cls: type[T], obj: Any, **convert: Callable[[Any], Any]) -> T:
    """An instance of ``cls`` with the same fields as ``obj`` (a mapping, a
    dataclass instance of another class, or already one of ``cls``). Values
    of the fields named in ``convert`` go through that converter."""
    if type(obj) is cls:
        return obj
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    if isinstance(obj, Mapping):
        values = {k: obj[k] for k in names if k in obj}
    else:
        values = {k: getattr(obj, k) for k in names if hasattr(obj, k)}
    for k, conv in convert.items():
        if k in values:
            values[k] = conv(values[k])
    return cls(**values)


def value_of(v: Any) -> Any:
    """An enum member's value; anything else unchanged."""
    return getattr(v, "value", v)


def serve(fast: Any, *args: Any, **kwargs: Any) -> Any:
    """Run the native path on already-checked inputs; it must take them."""
    out = fast.__self__.native_only(*args, **kwargs)
    if out is NotImplemented:
        err = DosError("BAD_ARGS", "libdos cannot take these values natively")
        err.code = "BAD_ARGS"
        err.message = "libdos cannot take these values natively"
        raise err
    return out
