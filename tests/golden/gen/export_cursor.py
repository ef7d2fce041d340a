"""Golden cases for `dos.export_cursor`: reading and writing the cursor file
(run against real files), `--since` resolution and the per-transport path."""
import pathlib
import re
import tempfile

from dos import export_cursor as ec

from .common import NON_ASCII, cases, op, rand_text
from .jsonish import FLOATS, INTS, STRINGS, rt

_TMP = pathlib.Path(tempfile.mkdtemp(prefix="dos-golden-ec-"))
_N = [0]
_LONE = re.compile("[\ud800-\udfff]")


def _file(text):
    _N[0] += 1
    p = _TMP / f"c{_N[0]}" / "export-cursor"
    if text is not None:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        p.parent.mkdir()
        p.write_bytes(text.encode("utf-8"))
    return p


@op("export_cursor.read_cursor")
def _read(args, config):
    return ec.read_cursor(_file(rt(args).get("text")))


@op("export_cursor.write_cursor")
def _write(args, config):
    v = rt(args).get("value")
    if v is None:
        raise TypeError("value is required")
    p = _file(None)
    if not ec.write_cursor(v, path=p):
        return False
    return p.read_bytes().decode("utf-8")


@op("export_cursor.resolve_since")
def _resolve(args, config):
    a = rt(args)
    since = a.get("since_arg")
    if since is not None and not isinstance(since, str):
        raise TypeError("since_arg must be a string")
    if since is not None and _LONE.search(since):
        raise ValueError("since_arg holds a lone surrogate")
    return list(ec.resolve_since(since, path=_file(a.get("cursor"))))


@op("export_cursor.cursor_path")
def _path(args, config):
    a = rt(args)
    path, transport = a.get("path"), a.get("transport")
    transport = "" if transport is None else transport
    for v, what in ((path, "path"), (transport, "transport")):
        if not isinstance(v, str):
            raise TypeError(f"{what} must be a string")
        if _LONE.search(v):
            raise ValueError(f"{what} holds a lone surrogate")
    return str(ec.cursor_path(pathlib.Path(path), transport=transport))


TEXTS = [None, "", "0", "42", "42\n", " 7 ", "-3", "x", "1.5", "1_000", "١٢", "\ufeff5", "5\r\n", "\n\n", "99999999999999999999",
         "+9", "0x1", "1 2", "\u30009\u3000", "\x1c3", "--1", "00", "1e3", "auto"]


def _rand_int_text(rng):
    s = str(rng.randint(-10**6, 10**12))
    return rng.choice(["", " ", "\n", "\t"]) + s + rng.choice(["", "\n", " \n", "\r\n"])


@cases
def _cases(rng):
    for t in TEXTS:
        yield "export_cursor.read_cursor", {"text": t}
    for _ in range(200):
        yield "export_cursor.read_cursor", {"text": _rand_int_text(rng) if rng.random() < 0.7 else rng.choice(STRINGS)}
    for _ in range(80):
        yield "export_cursor.read_cursor", {"text": rand_text(rng, "0123456789 _-+\n\t.x", non_ascii=0.15)}
    yield "export_cursor.read_cursor", {"text": 5}

    values = INTS + FLOATS + [True, False, "12", " 3 ", "x", "", "1.5", [], {}, "\ud800", "١"]
    for v in values:
        yield "export_cursor.write_cursor", {"value": v}
    for _ in range(200):
        yield "export_cursor.write_cursor", {"value": rng.choice([rng.randint(-10**9, 10**9), rng.uniform(-1e9, 1e9),
                                                                  str(rng.randint(-99, 99))])}
    yield "export_cursor.write_cursor", {}

    sinces = [None, "", " ", "auto", "AUTO", " Auto\n", "autox", "0", "42", " 42 ", "-1", "x", "1.5", "1_0", "١",
              "\ud800", 5, "ａｕｔｏ", "AUTO\u3000"]
    for s in sinces:
        for c in [None, "17\n", "x", ""]:
            yield "export_cursor.resolve_since", {"since_arg": s, "cursor": c}
    for _ in range(150):
        s = rng.choice([str(rng.randint(-10**6, 10**6)), rng.choice(["auto", "Auto", "aUtO"]), rng.choice(STRINGS)])
        yield "export_cursor.resolve_since", {"since_arg": s, "cursor": rng.choice([None, _rand_int_text(rng)])}

    for _ in range(80):
        yield "export_cursor.resolve_since", {"since_arg": rand_text(rng, "0123456789 _-+autoAUTO\n", n=6),
                                              "cursor": rng.choice([None, "3", "x", _rand_int_text(rng)])}
    bases = [".dos/export-cursor", "/abs/x/export-cursor", "a//b/./c/", "//x/y", "///x", "/", ".", "", "./", "x/..",
             "..", "a/b/", "é/ü", "a b/c d"]
    transports = ["", "file", "otlp", "statsd", "a/b", "x/", ".", "..", " ", "é", "a.b"]
    for b in bases:
        for t in transports:
            yield "export_cursor.cursor_path", {"path": b, "transport": t}
    for _ in range(100):
        parts = [rng.choice(["a", "b", ".", "..", "", "é", "x y", "c.d"] + NON_ASCII[:3]) for _ in range(rng.randint(0, 5))]
        p = rng.choice(["", "/", "//"]) + "/".join(parts) + rng.choice(["", "/"])
        yield "export_cursor.cursor_path", {"path": p, "transport": rng.choice(transports)}
    yield "export_cursor.cursor_path", {"path": 5}
