"""The registry the generator modules fill in.

An operation is registered with the function that runs the *reference* for one
request and returns its result as JSON data (a `to_dict()`, a bool, a str...).
Expected values therefore only ever come from dos-kernel itself.
"""
from __future__ import annotations

import dataclasses
import random
from typing import Any, Callable, Iterable, Optional

RUNNERS: dict[str, "OpDef"] = {}
CASE_SOURCES: list[Callable[[random.Random], Iterable[tuple]]] = []


@dataclasses.dataclass
class OpDef:
    name: str
    run: Callable[[dict, Optional[dict]], Any]
    # Dotted paths (inside the verdict) of prose fields: compared on facts only.
    prose: tuple[str, ...] = ()
    # (args, verdict) -> {path: [substrings our prose must contain]}
    facts: Optional[Callable[[dict, Any], dict]] = None
    # Write this op's records with their objects in insertion order instead of
    # sorted (for ops whose result depends on the order of keys in `args`).
    keep_order: bool = False
    # The prose paths are the keys `facts` returns for each case (for results
    # whose prose sits at positions that vary, such as list items: "3.reason").
    dynamic_prose: bool = False
    # Fewer cases than generate.MIN_CASES suffice (the op's whole input space
    # is smaller: an op without arguments has one request).
    min_cases: Optional[int] = None


def op(name: str, prose: Iterable[str] = (), facts=None, keep_order: bool = False, dynamic_prose: bool = False,
       min_cases: Optional[int] = None):
    """Register the reference runner for envelope op `name` (`min_cases`: an op
    whose whole input space is smaller than the corpus minimum, such as one
    without arguments, keeps that many)."""

    def deco(fn):
        RUNNERS[name] = OpDef(name, fn, tuple(prose), facts, keep_order, dynamic_prose, min_cases)
        return fn

    return deco


def cases(fn):
    """Register a case source: fn(rng) yields (op, args) or (op, args, config)."""
    CASE_SOURCES.append(fn)
    return fn


# Shared random vocabularies -------------------------------------------------

NON_ASCII = ["é", "ß", "İ", "ﬁ", "Σ", "ς", "Ω", "ǅ", "😀", "\u00a0", "\u3000", "\u2028", "\u0085", "\u200b"]


def rand_text(rng: random.Random, alphabet: str = "abcXYZ_-./ *=\\", n: int = 12, non_ascii: float = 0.1) -> str:
    out = []
    for _ in range(rng.randint(0, n)):
        if rng.random() < non_ascii:
            out.append(rng.choice(NON_ASCII))
        else:
            out.append(rng.choice(alphabet))
    return "".join(out)


class Pinned(tuple):
    """A case the generator never drops as a repeat (see `pin`)."""


def pin(*case) -> Pinned:
    """Mark a case as a table case: `yield pin(op, args[, config])`.

    generate.py keeps only one case per behaviour, but never a table case: one a
    source yields whatever its seed (found by running it with a second seed)
    or one marked here (a table case a source builds with its rng).
    """
    return Pinned(case)
