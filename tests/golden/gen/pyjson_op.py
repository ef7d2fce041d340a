"""Golden cases for `pyjson.dumps`: CPython's own `json.dumps`.

The expected `text` is whatever `json.dumps` returns for the request (then
`.encode("utf-8", errors)` when `errors` is not "surrogatepass"). Every `obj`
is passed through `json.loads(json.dumps(obj))` before use, so the reference
sees exactly the data the native side reads from the golden file (adjacent
surrogate escapes combine, tuples become lists). The records are written in
insertion order (`keep_order`), so `sort_keys=False` is tested on real orders.
"""
import json
import struct

from .common import cases, op

OP = "pyjson.dumps"
ARGS = {"obj", "sort_keys", "ensure_ascii", "errors", "separators"}
ERRORS = ("surrogatepass", "strict", "replace")


def _flag(args, name, default):
    v = args.get(name)
    if v is None:  # the envelope reads an explicit null as "absent"
        return default
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be a boolean")
    return v


@op(OP, keep_order=True)
def _dumps(args, config):
    unknown = set(args) - ARGS
    if unknown:
        raise TypeError(f"unexpected arguments {sorted(unknown)}")
    obj = args["obj"]
    sort_keys = _flag(args, "sort_keys", False)
    ensure_ascii = _flag(args, "ensure_ascii", True)
    errors = args.get("errors")
    if errors is None:
        errors = "surrogatepass"
    if errors not in ERRORS:
        raise ValueError(f"errors must be one of {ERRORS}")
    seps = args.get("separators")
    if seps is not None:
        # The envelope takes a list; json.dumps itself unpacks it and refuses
        # a wrong length (ValueError) or a non-str separator (TypeError).
        if not isinstance(seps, list):
            raise TypeError("separators must be a list")
        seps = tuple(seps)
    text = json.dumps(obj, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=seps)
    if errors != "surrogatepass":
        text = text.encode("utf-8", errors).decode("utf-8")
    return {"text": text}


def _norm(obj):
    """The data as the native side will read it back from the golden file."""
    return json.loads(json.dumps(obj))


def _f(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _random_double(rng):
    while True:
        f = _f(rng.getrandbits(64))
        if f == f:  # NaN payloads all read back as the one NaN: skip them
            return f


def _tie_double(rng):
    """Doubles with few fractional bits near 1e14..1e16, where the exact value
    often lies halfway between two shortest decimal candidates."""
    m = rng.getrandbits(52) | (1 << 52)
    return m * 2.0 ** -rng.randint(1, 6) * rng.choice((1, -1))


UNICODE = [
    "é", "ß", "Σ", "ς", "中文字", "日本語テキスト", "한국어", "Ω≈ç√∫", "\u00a0", "\u3000", "\u200b", "\u200d",
    "😀", "👩\u200d💻", "🇫🇷", "\U0001d11e", "\U00010000", "\U0010ffff", "\U000f0000", "\U0001f600x",
    "e\u0301", "a\u0308\u0323", "\u0915\u094d\u0937", "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627",
    "\u202eRTL override\u202c", "\u200f\u05d0\u200e", "\u2028", "\u2029", "\u0085", "line\u2028sep\u2029par",
    "\ufeff", "\ufeffBOM", "\ue000", "\uf8ff", "\ufffd", "\ufffe", "\uffff", "\u07ff\u0800", "\u007f\u0080\u009f",
    "mixed ascii é 😀 \u2028 \x7f end",
]

PUNCT = [
    '"', "\\", "/", "\\/", '\\"', '"\\"', "</script>", "a\"b'c", "\\u0041", "\\\\n", "C:\\path\\to\\file",
    "http://x/y?z=1&w=2", "'single'", "`back`", "{}[],:", " ", "",
]

LONE = [
    "\ud800", "\udbff", "\udc00", "\udfff", "a\ud800b", "\udc00\ud800", "\ud800\ud800", "\udfff\udfff",
    "x\ud83d", "\ude00y", "é\ud800😀", "\ud800\u2028",
]

# JSON texts whose escapes Python combines into pairs (or keeps lone).
SURROGATE_TEXTS = [
    r'"\ud83d\ude00"', r'"\ud83d\ud83d\ude00"', r'"\ude00\ud83d"', r'"\ud800\udc00\udc00"', r'"\udbff\udfff"',
    r'{"\ud83d\ude00": 1, "\ud800": 2, "\ue000": 3, "\udc00": 4, "z": 5, "\u00e9": 6}',
    r'["\ud834\udd1e", "\ud834", "\udd1e"]',
]

# Object texts with duplicate keys: the last value wins, in the first key's place.
DUPLICATE_TEXTS = [
    '{"b": 1, "a": 2, "b": 3}',
    '{"a": 1, "a": {"x": 1, "x": [2]}, "c": 0}',
    '{"\\u00e9": 1, "é": 2, "e": 3}',
    '{"k": null, "j": true, "k": false, "j": NaN}',
    '{"z": 1, "y": 2, "x": 3, "z": 4, "y": 5, "x": 6, "w": 7}',
]

FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.1 + 0.2, 1e-5, 1e-4, 1.5e-4, 9.999e-5, 1e16, 1e15, 9999999999999998.0,
    1.5e300, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
    -1.7976931348623157e308, 123456789.125, 1e22, 1e23, 2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63, 2.0 ** 64,
    3.141592653589793, 2.718281828459045, 1 / 3, 2 / 3, 100.0, 1e100, 1e-100, 4.35, 0.3, 1.1, 12345.678,
    float("nan"), float("inf"), float("-inf"),
]

INTS = [0, 1, -1, 7, -42, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, -2 ** 63, -2 ** 63 - 1, 2 ** 64, 2 ** 200,
        -2 ** 200, 10 ** 100, int("9" * 300)]

KEYS = ["b", "a", "B", "A", "_", "10", "9", "", " ", "é", "e", "z", "Σ", "日本", "😀", "\ue000", "\u2028", "a b",
        "\x00", "\x1f", "\x7f", '"', "\\", "ä", "a\u0308"]


def _random_value(rng, depth):
    k = rng.random()
    if depth <= 0 or k < 0.45:
        return rng.choice([
            lambda: None, lambda: True, lambda: False,
            lambda: rng.randint(-10 ** 6, 10 ** 6),
            lambda: rng.choice(INTS),
            lambda: _random_double(rng),
            lambda: rng.choice(FLOATS),
            lambda: rng.choice(UNICODE + PUNCT + LONE),
            lambda: "".join(rng.choice(UNICODE + PUNCT + list("abc xyz")) for _ in range(rng.randint(0, 5))),
        ])()
    if k < 0.7:
        return [_random_value(rng, depth - 1) for _ in range(rng.randint(0, 5))]
    d = {}
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(KEYS + LONE[:4]) if rng.random() < 0.8 else "".join(
            rng.choice(KEYS) for _ in range(rng.randint(1, 3)))
        d[key] = _random_value(rng, depth - 1)
    return d


def _nest(depth, leaf, kind):
    v = leaf
    for i in range(depth):
        if kind == "list" or (kind == "mixed" and i % 2):
            v = [v]
        else:
            v = {f"k{i % 7}": v, "é" if i % 3 else "a": i}
    return v


def _objs(rng):
    """Every `obj`, each to be written under all four flag combinations."""
    objs = []
    objs += UNICODE
    objs.append("".join(UNICODE))
    objs.append({u: i for i, u in enumerate(UNICODE)})
    objs += [chr(c) for c in range(0x20)] + ["\x7f"]
    objs.append("".join(chr(c) for c in range(0x20)) + "\x7f")
    objs.append({chr(c): c for c in list(range(0x20)) + [0x7f]})
    objs += PUNCT
    objs.append({p: p for p in PUNCT})
    objs += LONE
    objs.append({s: i for i, s in enumerate(LONE)})
    objs.append({"\ud800": 1, "\U00010000": 2, "\ue000": 3, "\udfff": 4, "\uffff": 5, "a": 6})
    objs += [json.loads(t) for t in SURROGATE_TEXTS]
    objs += [json.loads(t) for t in DUPLICATE_TEXTS]
    objs += FLOATS
    objs.append(FLOATS)
    objs += INTS
    objs.append(INTS)
    objs += [None, True, False, [], {}, [[]], [{}], {"": {}}, {"a": []}, [[], {}, ""], {"": ""}]
    objs.append({k: i for i, k in enumerate(KEYS)})
    objs.append({k: {k2: [k, k2] for k2 in KEYS[:6]} for k in reversed(KEYS)})
    for kind in ("list", "dict", "mixed"):
        objs.append(_nest(100, "bottom é \ud800", kind))
    objs.append(_nest(300, [1.5, None], "list"))
    for _ in range(80):
        objs.append(_random_value(rng, rng.randint(1, 5)))
    return objs


@cases
def _cases(rng):
    flags = [(s, a) for s in (False, True) for a in (True, False)]
    for obj in _objs(rng):
        obj = _norm(obj)
        for sort_keys, ensure_ascii in flags:
            yield OP, {"obj": obj, "sort_keys": sort_keys, "ensure_ascii": ensure_ascii}
    # Random doubles: bit patterns, and values that land on rounding ties.
    for _ in range(60):
        yield OP, {"obj": _norm([_random_double(rng) for _ in range(8)])}
    for _ in range(60):
        yield OP, {"obj": _norm([_tie_double(rng) for _ in range(8)]), "sort_keys": True}
    # Python defaults: options absent or null.
    for obj in ["é\ud800", {"b": 1, "a": [1.0, "\u2028"]}, None, 1e16]:
        yield OP, {"obj": _norm(obj)}
        yield OP, {"obj": _norm(obj), "sort_keys": None, "ensure_ascii": None, "errors": None, "separators": None}
    # What `errors` does with lone surrogates once ensure_ascii is off.
    for s in LONE + [{"\udc00": "x", "a": ["\ud800"]}, "no surrogate é"]:
        for errors in ERRORS:
            for ensure_ascii in (False, True):
                yield OP, {"obj": _norm(s), "ensure_ascii": ensure_ascii, "errors": errors}
    # Separators, written verbatim (ensure_ascii does not touch them).
    seps = [[",", ":"], [",", ": "], [" , ", " : "], ["\n", "="], ["é", "→"], ["", ""], ["\t", "\x00"],
            ["😀", "\\"]]
    sample = _norm({"b": [1, {"y": None, "x": "é"}], "a": {}, "c": [], "\ud800": 2.5})
    for sep in seps:
        for sort_keys, ensure_ascii in flags:
            yield OP, {"obj": sample, "sort_keys": sort_keys, "ensure_ascii": ensure_ascii, "separators": sep}
    # Requests the operation refuses.
    for bad in [
        {},
        {"sort_keys": True},
        {"obj": 1, "sort_keys": "yes"},
        {"obj": 1, "sort_keys": 1},
        {"obj": 1, "ensure_ascii": 0},
        {"obj": 1, "errors": "ignore"},
        {"obj": 1, "errors": 5},
        {"obj": 1, "separators": [","]},
        {"obj": 1, "separators": [",", ":", ";"]},
        {"obj": [1, 2], "separators": [",", 1]},
        {"obj": 1, "separators": ", "},
        {"obj": 1, "indent": 2},
        {"obj": "\ud800", "ensure_ascii": False, "errors": "strict"},
        {"obj": {"\udfff": 1}, "ensure_ascii": False, "errors": "strict", "sort_keys": True},
    ]:
        yield OP, bad
