"""The generic accelerate() adapter for the ops on the generated route.

A declared mapping (``_mapping.ROUTES``: reference function, envelope op,
optional argument converters) is all a swap takes. At bind time the adapter
reads the op's schema from the op table (``dispatch("ops")``) and the
reference's own classes from its module; at call time it

* binds the call against the reference function's own signature (so the
  swapped function has the reference's ``inspect.signature`` and takes
  keywords), applying the reference's own defaults;
* serves only exact built-in types (``type(x) is int``, not ``isinstance``),
  and instances of exactly the reference's own record and enum classes,
  holding such values; a ``str`` field takes only ``str``, an ``int`` field
  only an ``int`` in the 64-bit range, a JSON value only ``dict``/``list``
  of such values;
* runs the op in libdos and builds the reference's own result (its
  dataclasses from ``dataclasses.fields``, its enums from their tokens,
  tuples where the schema says tuple);
* falls back to the original function whenever it cannot serve the call:
  a value it does not take (a callable, a plugin name, a subclass, a big
  int), a signature it cannot bind, or a BAD_ARGS answer from libdos (the
  original then answers, or raises, exactly as it would have).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import inspect
import sys
from typing import Any, Callable, Optional

from . import _native
from ._native import DosError

__all__ = ["Route", "Decline", "ms_from_datetime", "install"]

_I64 = (-(2**63), 2**63 - 1)


class Decline(Exception):
    """Raised by a converter or a type check: the native side cannot serve this call."""


Converter = Callable[[Any, Any], Any]


@dataclasses.dataclass(frozen=True)
class Route:
    """One swap: ``dos.<module>.<function>`` is served by envelope ``op``.

    ``args`` maps a reference parameter to ``(op argument, converter)``;
    a converter takes ``(value, reference_module)`` and returns the op
    argument's JSON value (or raises ``Decline``)."""

    module: str
    function: str
    op: str
    args: dict[str, tuple[str, Optional[Converter]]] = dataclasses.field(default_factory=dict)
    #: ``(result, reference_module) -> result``: a last touch on the built
    #: result (such as swapping in the reference's own constant it names).
    result: Optional[Converter] = None


# ---------------------------------------------------------------- schema types

def _parse(t: str) -> Any:
    """A schema type (written as a Python annotation) as a small tree."""
    t = t.strip()
    if t.endswith(" | None"):
        return ("opt", _parse(t[: -len(" | None")]))
    for head in ("list", "tuple", "dict"):
        if t.startswith(head + "[") and t.endswith("]"):
            parts = _split(t[len(head) + 1 : -1])
            if head == "list":
                return ("list", _parse(parts[0]))
            if head == "dict":
                return ("dict", _parse(parts[1]))
            if len(parts) == 2 and parts[1] == "...":
                return ("tupleof", _parse(parts[0]))
            return ("tuple", [_parse(p) for p in parts])
    return t


def _split(s: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


_CATALOG: Optional[dict[str, Any]] = None


def _catalog() -> dict[str, Any]:
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = _native.dispatch("ops")
    return _CATALOG


def _types() -> dict[str, Any]:
    return {t["name"]: t for t in _catalog()["types"]}


def _json_exact(x: Any, depth: int = 0) -> Any:
    """``x`` when it is JSON made of exact built-in types (else Decline)."""
    tx = type(x)
    if x is None or tx in (bool, int, float, str):
        return x
    if depth > 100:
        raise Decline
    if tx is list:
        return [_json_exact(v, depth + 1) for v in x]
    if tx is dict:
        if not all(type(k) is str for k in x):
            raise Decline
        return {k: _json_exact(v, depth + 1) for k, v in x.items()}
    raise Decline


class _Binder:
    """Converts one call's values to the op's JSON and the verdict back,
    for one reference module."""

    def __init__(self, mod: Any) -> None:
        self.mod = mod
        self.types = _types()
        self._classes: dict[str, Any] = {}
        self._fields: dict[str, list[tuple[str, Any]]] = {}

    def cls(self, name: str) -> Any:
        """The reference's class ``name``: the module's own attribute, or else
        the class of that name in a module one of its classes comes from (a
        record the module only uses, such as a field's type it never imports)."""
        c = self._classes.get(name)
        if c is not None:
            return c
        c = getattr(self.mod, name, None)
        if not isinstance(c, type):
            c = None
            homes = {getattr(v, "__module__", None) for v in list(vars(self.mod).values()) if isinstance(v, type)}
            for home in sorted(h for h in homes if h and h != self.mod.__name__):
                cand = getattr(sys.modules.get(home), name, None)
                if isinstance(cand, type):
                    c = cand
                    break
        if c is None:
            raise Decline
        self._classes[name] = c
        return c

    def fields(self, name: str) -> list[tuple[str, Any]]:
        """A record's fields with their parsed types (parsed once); Decline
        when the reference's class has other fields than the schema's."""
        f = self._fields.get(name)
        if f is None:
            f = [(x["name"], _parse(x["type"])) for x in self.types[name]["fields"]]
            if {n for n, _ in f} != {x.name for x in dataclasses.fields(self.cls(name))}:
                raise Decline
            self._fields[name] = f
        return f

    def to_native(self, t: Any, x: Any) -> Any:
        if isinstance(t, tuple):
            kind = t[0]
            if kind == "opt":
                return None if x is None else self.to_native(t[1], x)
            if kind in ("list", "tupleof"):
                if type(x) not in (list, tuple):
                    raise Decline
                return [self.to_native(t[1], v) for v in x]
            if kind == "tuple":
                if type(x) not in (list, tuple) or len(x) != len(t[1]):
                    raise Decline
                return [self.to_native(tt, v) for tt, v in zip(t[1], x)]
            if kind == "dict":
                if type(x) is not dict or not all(type(k) is str for k in x):
                    raise Decline
                return {k: self.to_native(t[1], v) for k, v in x.items()}
            raise Decline
        if t == "int":
            if type(x) is not int or not _I64[0] <= x <= _I64[1]:
                raise Decline
            return x
        if t == "str":
            if type(x) is not str:
                raise Decline
            return x
        if t == "bool":
            if type(x) is not bool:
                raise Decline
            return x
        if t == "float":
            if type(x) not in (float, int) or type(x) is bool:
                raise Decline
            return x
        if t == "Any":
            return _json_exact(x)
        if t == "None":
            if x is not None:
                raise Decline
            return None
        d = self.types.get(t)
        if d is None or type(x) is not self.cls(t):
            raise Decline
        if d["kind"] == "enum":
            return x.value
        return {n: self.to_native(ft, getattr(x, n)) for n, ft in self.fields(t)}

    def from_native(self, t: Any, v: Any) -> Any:
        if isinstance(t, tuple):
            kind = t[0]
            if kind == "opt":
                return None if v is None else self.from_native(t[1], v)
            if kind == "list":
                return [self.from_native(t[1], x) for x in v]
            if kind == "tupleof":
                return tuple(self.from_native(t[1], x) for x in v)
            if kind == "tuple":
                return tuple(self.from_native(tt, x) for tt, x in zip(t[1], v))
            if kind == "dict":
                return {k: self.from_native(t[1], x) for k, x in v.items()}
            return v
        d = self.types.get(t) if isinstance(t, str) else None
        if d is None:
            return v
        c = self.cls(t)
        if d["kind"] == "enum":
            return c(v)
        return c(**{n: self.from_native(ft, v[n]) for n, ft in self.fields(t)})


def bind(route: Route, mod: Any, original: Callable) -> Callable:
    """The swapped function for ``route`` (``original`` when the mapping
    does not fit the reference's signature or the op's schema)."""
    op = next((o for o in _catalog()["ops"] if o["op"] == route.op), None)
    if op is None or not op.get("typed"):
        return original
    try:
        sig = inspect.signature(original)
    except (TypeError, ValueError):
        return original
    params = {p["name"]: _parse(p["type"]) for p in op["params"]}
    plan: list[tuple[str, str, Optional[Converter]]] = []
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return original
        target, conv = route.args.get(name, (name, None))
        if target not in params:
            return original
        plan.append((name, target, conv))
    if {t for _, t, _ in plan} != set(params):
        return original
    binder = _Binder(mod)
    verdict = _parse(op["verdict"])

    def swapped(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return original(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        try:
            native_args = {}
            for name, target, conv in plan:
                x = values[name]
                native_args[target] = conv(x, mod) if conv else binder.to_native(params[target], x)
            v = _native.dispatch(route.op, native_args)
            out = binder.from_native(verdict, v)
            return route.result(out, mod) if route.result is not None else out
        except Decline:
            return original(*args, **kwargs)
        except DosError as e:
            if getattr(e, "code", None) == "BAD_ARGS":
                return original(*args, **kwargs)
            raise

    functools.update_wrapper(swapped, original)
    swapped.__signature__ = sig  # type: ignore[attr-defined]
    swapped.__dos_native_op__ = route.op  # type: ignore[attr-defined]
    return swapped


# ---------------------------------------------------------------- converters

_EPOCH = _dt.datetime(1970, 1, 1)
_MS = _dt.timedelta(milliseconds=1)


def ms_from_datetime(now: Any, mod: Any) -> int:
    """A ``datetime`` as the milliseconds of its wall clock since the epoch
    (its fields read as UTC: the reference adds minutes to the wall clock and
    formats it without a zone, whatever ``tzinfo`` says)."""
    if type(now) is not _dt.datetime:
        raise Decline
    return (now.replace(tzinfo=None) - _EPOCH) // _MS


def install() -> None:
    """Register every mapped function with accelerate()."""
    from . import _accelerate
    from ._mapping import ROUTES

    for r in ROUTES:
        def factory(mod: Any, original: Callable, r: Route = r) -> Callable:
            return bind(r, mod, original)

        _accelerate.register(r.module, r.function, factory)


install()
