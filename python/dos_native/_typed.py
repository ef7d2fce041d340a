"""Shared plumbing of the typed modules.

A typed function is a native function (a builtin whose ``__self__`` is a
``NativeFunction``): it serves calls on this
package's own input dataclasses holding values it understands, and passes
every other call (a mapping, the reference's objects, a value it does not
take) to a Python function, which checks the input through the generic
dispatcher (raising ``BadArgsError`` (a ``DosError``) with the envelope's code) and then calls the
native path again on this package's own classes.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping
from typing import Any, Callable, TypeVar

from . import _native

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def native(fast: Any, slow: F) -> F:
    """The native function ``fast`` as a callable with ``slow``'s name,
    qualified name, module, docstring and signature (``__wrapped__`` is
    ``slow``, or the function ``slow`` itself wraps, so ``inspect.signature`` reports ``slow``'s own, annotations and
    defaults included): it takes the same arguments and answers with the same
    types. Its ``__self__`` is the ``NativeFunction`` (``.native_only()``,
    ``.fallback``, ``.native_op``)."""
    out = _native._as_function(fast, slow.__name__, inspect.getdoc(slow) or "", slow.__module__)
    functools.update_wrapper(out, slow)
    # A Python function's defaults, as code introspecting it reads them (the
    # innermost one's, when ``slow`` is itself a native callable wrapping it).
    inner = inspect.unwrap(slow)
    for attr in ("__defaults__", "__kwdefaults__"):
        if hasattr(inner, attr):
            setattr(out, attr, getattr(inner, attr))
    # ``__wrapped__`` names that innermost function too (``.__self__.fallback``
    # is what answers the calls this one does not take).
    out.__wrapped__ = inner
    return out  # type: ignore[return-value]


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
        raise _native._error("BAD_ARGS", "libdos cannot take these values natively")
    return out
