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

__all__ = ["Route", "Decline", "binder", "ms_from_datetime", "install"]

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
    # Builds the reference's result from the op's verdict, ``(value,
    # reference_module)``, where the schema alone cannot (a class the
    # reference decodes with its own ``from_dict``, bytes).
    result: Optional[Callable[[Any, Any], Any]] = None
    # The envelope error codes on which the reference answers instead
    # (BAD_ARGS always; an op that reads files may add IO, for what the
    # reference reports its own way, such as output that is not UTF-8).
    fallback: tuple[str, ...] = ("BAD_ARGS",)
    # Finishes the reference's value the adapter built from the verdict,
    # ``(value, reference_module)`` (swaps in an object the reference hands
    # back by identity, say).
    finish: Optional[Callable[[Any, Any], Any]] = None


# ---------------------------------------------------------------- schema types

@functools.lru_cache(maxsize=None)
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
        self._records: dict[str, list[tuple[str, str, Any]]] = {}
        self._enc: dict[int, tuple[Any, Callable[[Any], Any]]] = {}
        self._dec: dict[int, tuple[Any, Callable[[Any], Any]]] = {}

    def cls(self, name: str) -> Any:
        """The reference's class named ``name``: from the reference module,
        else from the modules its own classes come from (``dos.reward``
        holds ``EvidenceFacts`` but not the ``Accountability`` its fields
        use; ``dos.evidence`` does), searched breadth first."""
        c = self._classes.get(name)
        if c is None:
            # A schema type may name the reference's class apart from its own
            # name (the schema's names are one namespace across modules); a
            # typed module names it as bindgen's `py_name` does: the schema's
            # name, or the class name of a module-local type.
            t = self.types.get(name, {})
            alias = t.get("class", name)
            if self.mod.__name__.startswith("dos_native.") and not t.get("module_local"):
                alias = name
            c = _find_class(self.mod, alias)
            if c is None:
                raise Decline
            self._classes[name] = c
        return c

    def to_native(self, t: Any, x: Any) -> Any:
        """``x`` as the op's JSON for schema type ``t`` (Decline when it is not
        exactly of that type)."""
        return self.encoder(t)(x)

    def from_native(self, t: Any, v: Any) -> Any:
        """The reference's value of schema type ``t`` from the op's JSON."""
        return self.decoder(t)(v)

    def record(self, t: str) -> list[tuple[str, str, Any]]:
        """The reference class's field names (in its order) with their wire
        keys and parsed schema types, worked out once per record type; Decline
        when the class's fields are not the schema's. A field's attribute is
        its wire key unless the schema names another (``attr``: the class's
        ``cls`` that ``to_dict()`` writes as ``class``)."""
        spec = self._records.get(t)
        if spec is None:
            schema = self.types[t]["fields"]
            # A property field is served by an op (``module.Type.field``), never
            # one of the class's fields.
            fields = {f.get("attr", f["name"]): (f["name"], _parse(f["type"])) for f in schema if not f.get("property")}
            own = [f.name for f in dataclasses.fields(self.cls(t))]
            # A derived field is a property of the reference's class (its JSON
            # shape carries it; its constructor does not take it); a generated
            # class holds it as a field.
            underived = {f.get("attr", f["name"]) for f in schema if not f.get("property") and not f.get("derived")}
            if set(own) != set(fields) and set(own) != underived:
                raise Decline
            spec = self._records[t] = [(n, fields[n][0], fields[n][1]) for n in own]
        return spec

    # Each schema type compiles once (per binder) to a function; parsed types
    # are cached by ``_parse``, so their identity keys the compiled ones.

    def encoder(self, t: Any) -> Callable[[Any], Any]:
        hit = self._enc.get(id(t))
        if hit is None:
            hit = self._enc[id(t)] = (t, self._compile_enc(t))
        return hit[1]

    def decoder(self, t: Any) -> Callable[[Any], Any]:
        hit = self._dec.get(id(t))
        if hit is None:
            hit = self._dec[id(t)] = (t, self._compile_dec(t))
        return hit[1]

    def _compile_enc(self, t: Any) -> Callable[[Any], Any]:
        if isinstance(t, tuple):
            kind = t[0]
            if kind == "opt":
                inner = self.encoder(t[1])
                return lambda x: None if x is None else inner(x)
            if kind in ("list", "tupleof"):
                item = self.encoder(t[1])
                # A declared tuple takes exactly a tuple: the reference hands
                # some tuples back inside its result as it got them, so a list
                # there is the reference's to serve. A declared list also takes
                # a tuple (callers pass both; the reference only iterates).
                tuple_only = kind == "tupleof"

                def seq(x: Any) -> Any:
                    tx = type(x)
                    if tx is not tuple and (tuple_only or tx is not list):
                        raise Decline
                    return [item(v) for v in x]

                return seq
            if kind == "tuple":
                items = [self.encoder(tt) for tt in t[1]]

                def fixed(x: Any) -> Any:
                    if type(x) is not tuple or len(x) != len(items):
                        raise Decline
                    return [f(v) for f, v in zip(items, x)]

                return fixed
            if kind == "dict":
                val = self.encoder(t[1])

                def mapping(x: Any) -> Any:
                    if type(x) is not dict or not all(type(k) is str for k in x):
                        raise Decline
                    return {k: val(v) for k, v in x.items()}

                return mapping
            return _decline
        if t in _SCALARS:
            return _SCALARS[t]
        d = self.types.get(t)
        if d is None:
            return _decline
        c = self.cls(t)
        if d["kind"] == "enum":

            def member(x: Any) -> Any:
                if type(x) is not c:
                    raise Decline
                return x.value

            return member
        spec = [(n, key, self.encoder(ft)) for n, key, ft in self.record(t)]

        def rec(x: Any) -> Any:
            if type(x) is not c:
                raise Decline
            return {key: f(getattr(x, n)) for n, key, f in spec}

        return rec

    def _compile_dec(self, t: Any) -> Callable[[Any], Any]:
        if isinstance(t, tuple):
            kind = t[0]
            if kind == "opt":
                inner = self.decoder(t[1])
                return lambda v: None if v is None else inner(v)
            if kind == "list":
                item = self.decoder(t[1])
                return lambda v: [item(x) for x in v]
            if kind == "tupleof":
                item = self.decoder(t[1])
                return lambda v: tuple(item(x) for x in v)
            if kind == "tuple":
                items = [self.decoder(tt) for tt in t[1]]
                return lambda v: tuple(f(x) for f, x in zip(items, v))
            if kind == "dict":
                val = self.decoder(t[1])
                return lambda v: {k: val(x) for k, x in v.items()}
            return _same
        d = self.types.get(t) if isinstance(t, str) else None
        if d is None:
            return _same
        c: Callable[..., Any] = self.cls(t)
        if d["kind"] == "enum":
            return c
        spec = [(n, key, self.decoder(ft)) for n, key, ft in self.record(t)]
        return lambda v: c(**{n: f(v[key]) for n, key, f in spec})


def _same(v: Any) -> Any:
    return v


def _decline(x: Any) -> Any:
    raise Decline


def _exact(ty: type) -> Callable[[Any], Any]:
    def check(x: Any) -> Any:
        if type(x) is not ty:
            raise Decline
        return x

    return check


def _int64(x: Any) -> Any:
    if type(x) is not int or not _I64[0] <= x <= _I64[1]:
        raise Decline
    return x


def _float(x: Any) -> Any:
    if type(x) is not float and type(x) is not int:
        raise Decline
    return x


def _none(x: Any) -> Any:
    if x is not None:
        raise Decline
    return None


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "int": _int64, "str": _exact(str), "bool": _exact(bool), "float": _float, "Any": _json_exact, "None": _none,
}


def _find_class(mod: Any, name: str) -> Any:
    package = mod.__name__.split(".")[0] + "."
    seen, queue = set(), [mod]
    while queue:
        m = queue.pop(0)
        if m.__name__ in seen:
            continue
        seen.add(m.__name__)
        c = getattr(m, name, None)
        if isinstance(c, type):
            return c
        for v in vars(m).values():
            home = getattr(v, "__module__", None) if isinstance(v, type) else None
            if home and home.startswith(package) and home not in seen and home in sys.modules:
                queue.append(sys.modules[home])
    return None


_BINDERS: dict[str, _Binder] = {}


def binder(mod: Any) -> _Binder:
    """The (cached) converter for one reference module, for argument converters."""
    b = _BINDERS.get(mod.__name__)
    if b is None or b.mod is not mod:
        b = _BINDERS[mod.__name__] = _Binder(mod)
    return b


def fast_path(op: str, mod: Any, fallback: Callable[..., Any]) -> Optional[Callable[..., Any]]:
    """The hand fast path registered for ``op`` (``python/src/fastpath.rs``)
    bound to ``mod``'s own classes, with ``fallback``'s name and signature;
    None when ``op`` has none, or ``mod`` keeps a dataclass in ``__slots__``
    (the fast paths build instances through their ``__dict__``, or the
    native slots of a typed module's record)."""
    if op not in _fast_ops():
        return None
    for v in vars(mod).values():
        if isinstance(v, type) and dataclasses.is_dataclass(v) and "__slots__" in vars(v) and not _native.is_record_type(v):
            return None
    try:
        fast = _native.bind_fast(op, mod, fallback)
    except (AttributeError, TypeError, ValueError):
        return None
    if fast is None:
        return None
    from . import _typed

    out = _typed.native(fast, fallback)
    out.__dos_native_op__ = op  # type: ignore[attr-defined]
    return out


_FAST_OPS: Optional[frozenset[str]] = None


def _fast_ops() -> frozenset[str]:
    global _FAST_OPS
    if _FAST_OPS is None:
        _FAST_OPS = frozenset(_native.fast_ops())
    return _FAST_OPS


# Ops whose hand fast path declines a call to the generic route binder (which
# declines to the original) rather than to the original itself: fast paths
# that serve only the default arguments, where the calls they decline (a
# policy of the caller's) are common and the binder serves them faster than
# the reference. The other fast paths decline straight to the original, whose
# answers their own checks were written against.
FAST_THEN_ROUTE = frozenset({"intervention.choose_intervention", "dangling_intent.classify_stop",
                             # the audit leaves that decline shapes the binder serves
                             "improve.classify", "coverage.classify_coverage"})


def bind_typed(op: str, mod: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A generated typed function (``dos_native.<module>.<fn>``) served by the
    native route binder on the typed module's own classes; ``fn`` itself
    answers what the binder does not take (a mapping, another module's
    records, a value to refuse with ``BadArgsError``). ``fn`` unchanged when
    the binder cannot be built. An op with a hand fast path is served by it
    first, then (an op in ``FAST_THEN_ROUTE``) by the binder, then by ``fn``."""
    if op not in FAST_THEN_ROUTE:
        fast = fast_path(op, mod, fn)
        if fast is not None:
            return fast
    routed = _bind_typed_route(op, mod, fn)
    fast = fast_path(op, mod, routed)
    return routed if fast is None else fast


def _bind_typed_route(op: str, mod: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    route = Route(mod.__name__, fn.__name__, op)
    entry = next((o for o in _catalog()["ops"] if o["op"] == op), None)
    if entry is None or not entry.get("typed"):
        return fn
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn
    names = {p["name"] for p in entry["params"]}
    if set(sig.parameters) != names or any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values()):
        return fn
    plan: list[tuple[str, str, Optional[Converter]]] = [(n, n, None) for n in sig.parameters]
    try:
        native = _bind_native(route, mod, fn, sig, plan, binder(mod))
    except Decline:
        return fn
    return fn if native is None else native


def bind(route: Route, mod: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    """The swapped function for ``route`` (``original`` when the mapping
    does not fit the reference's signature or the op's schema). An op with
    a hand fast path is served by it first, then (an op in
    ``FAST_THEN_ROUTE``) by the route, then by ``original``."""
    if route.op not in FAST_THEN_ROUTE:
        fast = fast_path(route.op, mod, original)
        if fast is not None:
            return fast
    routed = _bind_route(route, mod, original)
    fast = fast_path(route.op, mod, routed)
    return routed if fast is None else fast


def _bind_route(route: Route, mod: Any, original: Callable[..., Any]) -> Callable[..., Any]:
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
    bnd = binder(mod)
    native = _bind_native(route, mod, original, sig, plan, bnd)
    if native is not None:
        return native
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
            for name, target, c in plan:
                x = values[name]
                native_args[target] = c(x, mod) if c else bnd.to_native(params[target], x)
            v = _native.dispatch(route.op, native_args)
            out = route.result(v, mod) if route.result else bnd.from_native(verdict, v)
            return route.finish(out, mod) if route.finish else out
        except Decline:
            return original(*args, **kwargs)
        except DosError as e:
            if getattr(e, "code", None) in route.fallback:
                return original(*args, **kwargs)
            raise

    functools.update_wrapper(swapped, original)
    swapped.__signature__ = sig  # type: ignore[attr-defined]
    swapped.__dos_native_op__ = route.op  # type: ignore[attr-defined]
    return swapped


def _plain_init(cls: Any) -> bool:
    """Whether ``object.__new__(cls)`` plus ``object.__setattr__`` per field, in
    field order, is exactly what calling ``cls`` with every field does: a
    dataclass whose ``__init__`` is the one ``dataclasses`` generated for it,
    taking every field, with no ``__post_init__``, no ``InitVar``, no
    ``__new__`` of its own, and frozen (or with ``object``'s ``__setattr__``)."""
    params = getattr(cls, "__dataclass_params__", None)
    fields = getattr(cls, "__dataclass_fields__", None)
    if params is None or fields is None or not params.init or hasattr(cls, "__post_init__"):
        return False
    if (cls.__new__ is not object.__new__ and not _native.is_record_type(cls)) or not (params.frozen or cls.__setattr__ is object.__setattr__):
        return False
    init = vars(cls).get("__init__")
    code = getattr(init, "__code__", None)
    if code is None or code.co_filename != "<string>" or init.__qualname__ != f"{cls.__qualname__}.__init__":
        return False
    return all(f._field_type is dataclasses._FIELD and f.init for f in fields.values())  # type: ignore[attr-defined]


def _bind_native(route: Route, mod: Any, original: Callable[..., Any], sig: inspect.Signature,
                 plan: list[tuple[str, str, Optional[Converter]]], bnd: "_Binder") -> Optional[Callable[..., Any]]:
    """The swap as a native route callable (``_native.bind_route``: the
    conversion plan compiled once in Rust), or None when it cannot be bound
    (the Python swap below then serves)."""
    bind_route = getattr(_native, "bind_route", None)
    if bind_route is None or tuple(route.fallback) != ("BAD_ARGS",):
        # The binder hands back BAD_ARGS answers only; a route that falls
        # back on other codes too (the git readers on IO) stays in Python.
        return None

    def resolve(name: str) -> tuple[Any, Optional[list[str]], bool, bool]:
        c = bnd.cls(name)
        if bnd.types[name]["kind"] == "enum":
            return c, None, False, False
        params = getattr(c, "__dataclass_params__", None)
        return c, [n for n, _, _ in bnd.record(name)], _plain_init(c), bool(params is not None and params.frozen)

    params = []
    for (name, target, conv), p in zip(plan, sig.parameters.values()):
        params.append((name, int(p.kind), p.default, target, conv))
    result = finish = None
    if route.result is not None:
        hook = route.result

        def result(v: Any) -> Any:
            return hook(v, mod)

    if route.finish is not None:
        done = route.finish

        def finish(v: Any) -> Any:
            return done(v, mod)

    try:
        nf = bind_route(route.op, original, params, inspect.Parameter.empty, resolve, mod, result, Decline, finish)
    except (Decline, DosError, TypeError, ValueError, KeyError):
        return None
    from . import _typed

    out = _typed.native(nf, original)
    out.__signature__ = sig  # type: ignore[attr-defined]
    out.__dos_native_op__ = route.op  # type: ignore[attr-defined]
    return out


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


def register(routes: list[Any]) -> None:
    """Register these mapped functions with accelerate()."""
    from . import _accelerate

    for r in routes:
        def factory(mod: Any, original: Callable[..., Any], r: Route = r) -> Callable[..., Any]:
            return bind(r, mod, original)

        _accelerate.register(r.module, r.function, factory)


def install() -> None:
    """Register every mapped function that is faster natively."""
    from ._mapping import ROUTES

    register(ROUTES)


install()
