"""Support for the typed modules generated from the op table (``dos-bindgen``).

Hand-written once; the generated modules import it.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any


def to_plain(value: Any) -> Any:
    """A value as the reference's ``to_dict()`` writes it: a record as its
    ``to_dict()``, an enum member as its value, a tuple as a list, an int
    dict key as its decimal text, a set as a sorted list."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_dict()
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        # As the reference's to_dict writes a set: sorted.
        return sorted(to_plain(v) for v in value)
    if isinstance(value, dict):
        # An int key (a ``dict[int, T]`` field) crosses as its decimal text.
        return {(str(k) if type(k) is int else k): to_plain(v) for k, v in value.items()}
    return value


def native_functions(namespace: dict[str, Any], ops: dict[str, str]) -> None:
    """Serve a generated typed module's functions (``ops``: function name ->
    op) through the native route binder, on the module's own classes; each
    generated function stays the fallback for what the binder does not take."""
    import sys

    from . import _adapter

    mod = sys.modules.get(namespace["__name__"])
    if mod is None:
        return
    for name, op in ops.items():
        fn = namespace.get(name)
        if fn is not None:
            namespace[name] = _adapter.bind_typed(op, mod, fn)
