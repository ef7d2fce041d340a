"""Real calls of the functions ``accelerate()`` swaps, taken from the golden
corpus.

Each ``tests/golden/cases/<op>.jsonl.gz`` holds the arguments of one reference
operation; the golden generator's runner for that op (``tests/golden/gen``)
turns them into a call of the reference, building its objects (evidence
dataclasses, policies, configs, files on disk). Here a recorder stands in
each swapped function's place on its module while a runner runs, so the
callback sees the exact Python arguments the reference receives, at the
moment it receives them (files in the state the runner wrote). Nested calls
(the reference calling another swapped function) go straight to the
original.
"""
from __future__ import annotations

import functools
import gzip
import importlib
import inspect
import json
import pathlib
import sys
from typing import Callable

import dos_native
from dos_native import _accelerate

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"

#: Swapped functions called with the arguments of another one's golden
#: calls (``arbitrate_lane`` is ``arbitrate``; the golden runner of
#: ``next_seq`` feeds it through a mock, so it reads ``read_all``'s files).
ALIASES = {
    "dos.arbiter.arbitrate_lane": "dos.arbiter.arbitrate",
    "dos.lane_journal.next_seq": "dos.lane_journal.read_all",
}


class Swap:
    """One swapped function: its module, name, original and swapped objects."""

    def __init__(self, name: str, module, attr: str, original, swapped):
        self.name, self.module, self.attr = name, module, attr
        self.original, self.swapped = original, swapped
        self.signature = inspect.signature(original)

    def __repr__(self):
        return f"<Swap {self.name}>"


def swaps() -> dict[str, Swap]:
    """Every function accelerate() swaps, with its original and its swapped
    object (made by accelerate(), then put back: the modules hold the
    originals again when this returns)."""
    import dos.posttool_sensor  # noqa: F401 - swapped only once imported

    dos_native.restore()
    names = dos_native.accelerate()
    try:
        out = {}
        for name in names:
            modname, attr = name.rsplit(".", 1)
            mod = importlib.import_module(modname)
            out[name] = Swap(name, mod, attr, _accelerate._SWAPPED[(modname, attr)], getattr(mod, attr))
        return out
    finally:
        dos_native.restore()


def golden_op(name: str) -> str | None:
    """The golden op whose cases call ``name`` (``dos.liveness.classify`` ->
    ``liveness.classify``), or None when the corpus has none."""
    op = ALIASES.get(name, name).removeprefix("dos.")
    return op if (GOLDEN / "cases" / f"{op}.jsonl.gz").is_file() else None


def cases(op: str) -> list[tuple[dict, dict | None]]:
    """The (args, config) of every case of ``op``, read from each line's
    request (which keeps NaN and lone surrogates)."""
    out = []
    with gzip.open(GOLDEN / "cases" / f"{op}.jsonl.gz", "rt", encoding="utf-8", errors="surrogatepass",
                   newline="\n") as f:
        for line in f:
            rec = json.loads(line)
            if "request" not in rec:  # a file's shared base (see tests/golden/generate.py)
                continue
            req = json.loads(rec["request"])
            out.append((req.get("args") or {}, req.get("config")))
    return out


@functools.lru_cache(maxsize=None)
def _runners():
    """The generator's registry, with every runner module imported."""
    import pkgutil

    if str(GOLDEN) not in sys.path:
        sys.path.insert(0, str(GOLDEN))
    common = importlib.import_module("gen.common")
    for m in pkgutil.iter_modules([str(GOLDEN / "gen")]):
        if m.name != "common":
            importlib.import_module(f"gen.{m.name}")
    return common


def runner(op: str):
    """The golden generator's reference runner for ``op``."""
    return _runners().RUNNERS[op].run


def replay(table: dict[str, Swap], ops: dict[str, list], on_call: Callable[[Swap, tuple, dict], None]) -> None:
    """Run the golden runner of each op in ``ops`` on its listed cases, with
    a recorder in place of every function of ``table``: each outer call of a
    swapped function is handed to ``on_call(swap, args, kwargs)`` (then the
    original answers the runner). Exceptions of the runners are ignored
    (many cases are refusals by design)."""
    depth = [0]
    aliases = {target: [table[a] for a, t in ALIASES.items() if t == target and a in table] for target in ALIASES.values()}

    def recorder(sw: Swap):
        def record(*args, **kwargs):
            if depth[0]:
                return sw.original(*args, **kwargs)
            depth[0] += 1
            try:
                on_call(sw, args, kwargs)
                for alias in aliases.get(sw.name, ()):
                    on_call(alias, args, kwargs)
            finally:
                depth[0] -= 1
            return sw.original(*args, **kwargs)
        return record

    for sw in table.values():
        setattr(sw.module, sw.attr, recorder(sw))
    try:
        for op, chosen in ops.items():
            run = runner(op)
            for args, config in chosen:
                try:
                    run(args, config)
                except Exception:  # noqa: BLE001, S112 - a refused case is still a call
                    continue
    finally:
        for sw in table.values():
            setattr(sw.module, sw.attr, sw.original)


def keyword_form(sig: inspect.Signature, args: tuple, kwargs: dict, reverse: bool = False) -> tuple[tuple, dict]:
    """The same call with every argument that may be named passed by name
    (in parameter order, or reversed)."""
    ba = sig.bind(*args, **kwargs)
    pos, kw = [], {}
    for name, value in ba.arguments.items():
        p = sig.parameters[name]
        if p.kind is p.POSITIONAL_ONLY:
            pos.append(value)
        elif p.kind is p.VAR_POSITIONAL:
            pos.extend(value)
        elif p.kind is p.VAR_KEYWORD:
            kw.update(value)
        else:
            kw[name] = value
    if reverse:
        kw = dict(reversed(list(kw.items())))
    return tuple(pos), kw
