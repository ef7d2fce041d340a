"""Shared helpers for the generators of the stream, hook and schema deciders.

`rt` sends a request through JSON and back before the reference sees it, so
the reference decides on exactly the value the native side parses (a
surrogate pair written as two escapes becomes one character on both sides).
The argument checks below are the envelope's contract for these ops: fields
are typed as the reference's signatures say, a null field counts as absent,
unknown fields and integers outside 64 bits are refused. They raise
TypeError/ValueError, which the generator records as BAD_ARGS.
"""
from __future__ import annotations

import json
import math
import random

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def rt(x):
    return json.loads(json.dumps(x))


def int64(v, what="value"):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{what} must be an integer")
    if not I64_MIN <= v <= I64_MAX:
        raise ValueError(f"{what} is outside the 64-bit range")
    return v


def fields(d, allowed, what="object"):
    """The non-null fields of `d`, refusing unknown ones."""
    if not isinstance(d, dict):
        raise TypeError(f"{what} must be an object")
    d = {k: v for k, v in d.items() if v is not None}
    unknown = set(d) - set(allowed)
    if unknown:
        raise TypeError(f"{what} has unknown fields {sorted(unknown)}")
    return d


def plain(s) -> bool:
    """A non-empty str that Python's repr leaves as it is (usable as a prose fact)."""
    return isinstance(s, str) and bool(s) and repr(s)[1:-1] == s


# Atoms that stress the canonical JSON bytes.
FLOATS = [1.0, -1.0, 0.0, -0.0, 1e-7, 1e16, 1e15, 1e-4, 1.5e-5, 0.1 + 0.2, 1e300, -1e300, 5e-324,
          123456789.125, 2.5, 1e22, 9007199254740993.0, float("nan"), float("inf"), float("-inf")]
INTS = [0, 1, -1, 2, 255, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 2**64, -(2**70), 10**40]
STRINGS = ["", "a", "Read", "é", "Straße", "😀", "\x00", "\x01\x1f", "\x7f", "tab\there", "line\nbreak",
           "quote\"back\\slash", "\u2028\u2029", "\u0085", "\ufeff", "\uffff", "\ud800", "\udfff",
           "x\ud83dy", "\ud83d\ude00", "İ", "ﬁ", "\u200b", " ", "null", "{\"k\": 1}"]
KEYS = ["a", "b", "B", "Z", "é", "e", "😀", "\uffff", "\ud800", "", " ", "10", "9", "~", "_", "path", "command"]


def rand_scalar(rng: random.Random):
    r = rng.random()
    if r < 0.1:
        return None
    if r < 0.2:
        return rng.choice([True, False])
    if r < 0.4:
        return rng.choice(INTS) if rng.random() < 0.5 else rng.randint(-1000, 1000)
    if r < 0.6:
        return rng.choice(FLOATS) if rng.random() < 0.6 else rng.uniform(-1e6, 1e6)
    if rng.random() < 0.5:
        return rng.choice(STRINGS)
    return "".join(rng.choice(STRINGS + ["x", "y", "/", " "]) for _ in range(rng.randint(0, 4)))


def rand_json(rng: random.Random, depth: int = 3):
    r = rng.random()
    if depth <= 0 or r < 0.45:
        return rand_scalar(rng)
    if r < 0.7:
        return [rand_json(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS) + (rng.choice(["", "x", "1"]) if rng.random() < 0.3 else ""): rand_json(rng, depth - 1)
            for _ in range(rng.randint(0, 5))}


def is_nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)
