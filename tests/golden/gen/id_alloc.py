"""Golden cases for `dos.id_alloc`: the file stem a scope key maps to, and the
id an allocation hands out for a given counter file (run against a real
counter file in a temporary directory)."""
import os
import pathlib
import re
import tempfile
from unittest import mock

from dos import id_alloc as ia

from .common import NON_ASCII, cases, op
from .jsonish import STRINGS, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-ia-"))
_LONE = re.compile("[\ud800-\udfff]")


def _text(v, what):
    if not isinstance(v, str):
        raise TypeError(f"{what} must be a string")
    if _LONE.search(v):
        raise ValueError(f"{what} holds a lone surrogate")
    return v


@op("id_alloc.scope_filename")
def _scope_filename(args, config):
    return ia._scope_filename(_text(rt(args).get("scope_key"), "scope_key"))


_N = [0]


@op("id_alloc.next_id")
def _next_id(args, config):
    a = rt(args)
    counter = a.get("counter")
    start = a.get("start", ia.DEFAULT_START)
    if start is None:
        start = ia.DEFAULT_START
    if isinstance(start, bool) or not isinstance(start, int):
        raise TypeError("start must be an integer")
    if counter is not None:
        _text(counter, "counter")
    _N[0] += 1
    d = _TMP / f"case{_N[0]}"
    d.mkdir()
    with mock.patch.dict(os.environ, {"DISPATCH_ID_ALLOC_DIR": str(d)}):
        if counter is not None:
            (d / f"{ia._scope_filename('k')}.id").write_bytes(counter.encode("utf-8"))
        got = ia.allocate(None, "k", start=start)
        written = (d / f"{ia._scope_filename('k')}.id").read_bytes()
    assert written == str(got).encode(), (written, got)
    return got


def _key(rng):
    pool = "abcXYZ019._-/ :@#" + "".join(NON_ASCII[:8])
    r = rng.random()
    if r < 0.1:
        return rng.choice(STRINGS)
    if r < 0.2:
        return rng.choice(["-", "--a--", "a" * 60, "é" * 60, "x-" * 40, "next-up/2026-06-01", "ünï cödé", "a",
                           "..", ".", "a..b", "-_-", "A_b.C-d"])
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 70 if rng.random() < 0.2 else 16)))


COUNTERS = [None, "", "1", "41", "0", "-1", "-7", " 12\n", "\t3 ", "1_000", "١٢", "x", "1.5", "0x10", "+5",
            "9223372036854775807", "9223372036854775806", "-9223372036854775808", "99999999999999999999",
            "-100000000000000000000", "\ufeff7", "7\r\n", "\u3000 8 \u3000", "1 2", "00012", "\x1c5"]


@cases
def _cases(rng):
    for k in ["next-up/2026-06-01", "ünï cödé", "a", "", "\ud800", 5, None]:
        yield "id_alloc.scope_filename", {"scope_key": k}
    for _ in range(300):
        yield "id_alloc.scope_filename", {"scope_key": _key(rng)}
    for c in COUNTERS:
        for s in [None, 1, 0, 100, -5, 2**70]:
            yield "id_alloc.next_id", {"counter": c, "start": s}
    for _ in range(60):
        c = rng.choice([str(rng.randint(-10**6, 10**6)), rng.choice(COUNTERS), None])
        yield "id_alloc.next_id", {"counter": c, "start": rng.randint(-100, 10**6)}
    for s in [True, 1.5, "3"]:
        yield "id_alloc.next_id", {"counter": "1", "start": s}
    yield "id_alloc.next_id", {"counter": 5}
