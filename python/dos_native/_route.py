"""Support for the typed modules generated from the op table (``dos-bindgen``).

Hand-written once; the generated modules import it.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any, TypeVar, dataclass_transform

from . import _native

_T = TypeVar("_T")


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


def _reduce(self: Any) -> tuple[Any, ...]:
    """Pickling and copying: the class and its field values, rebuilt without
    ``__post_init__`` (the values were checked when the record was made)."""
    names = type(self).__record_layout__.names
    return (_native.record_rebuild, (type(self), tuple(getattr(self, n) for n in names)))


@dataclass_transform(frozen_default=True)
def record(cls: type[_T]) -> type[_T]:
    """Make ``cls`` (a subclass of ``_native.Record`` declaring ``__slots__ =
    ()`` and its fields as annotations) a frozen dataclass whose fields live
    in the record's native slots. ``dataclasses`` writes its fields table,
    ``__init__``, ``__eq__``, ``__hash__``, ``__repr__``, ``__match_args__``
    and the frozen ``__setattr__``; each field becomes a ``_native.FieldAt``
    descriptor, which ``__init__``'s ``object.__setattr__`` stores through.
    Native fast paths build instances without running ``__init__``."""
    if not _native.is_record_type(cls) or vars(cls).get("__slots__") != ():
        raise TypeError(f"{cls.__qualname__}: a record subclasses _native.Record and declares __slots__ = ()")
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    layout = _native.RecordLayout(
        [f.name for f in fields],
        [None if f.default is dataclasses.MISSING else (f.default,) for f in fields],
    )
    cls.__record_layout__ = layout  # type: ignore[attr-defined]
    for i, f in enumerate(fields):
        setattr(cls, f.name, _native.field_descriptor(i, f.name))
    cls.__reduce__ = _reduce  # type: ignore[method-assign]
    return cls
