#!/usr/bin/env python3
"""Write the golden corpus: tests/golden/cases/<op>.jsonl.gz.

Every expected value is produced by running dos-kernel 0.22.0 (the reference)
on the request; nothing here is typed by hand.

Storage
-------
Each op's lines (the format below) are stored gzip-compressed, one member per
file, written with mtime 0 and no file name so the same lines give the same
bytes; a file whose lines did not change is left as it is. Every host reads
them with a standard library (Python gzip, Go compress/gzip, Rust flate2, C
zlib). `zcat`/`zgrep` read them from a shell; tests/golden/.gitattributes
marks them `diff=gzip`, so after `git config diff.gzip.textconv "gzip -dc"`
`git diff` and `git log -p` show the lines. coverage.tsv stays plain text;
its `bytes` column is the size of the lines, not of the stored file.
tests/golden/corpus_stats.py prints per-op figures of the stored corpus to
compare two storage formats.
Compression won over rewriting the lines (measured on the 34.9 MB corpus of
46,364 cases): the repetition is not whole values (writing each distinct
top-level arg or config once per file saves 1.9 MB) nor sub-values (writing
each repeated sub-value of a request or verdict once and referring to it
gives 23.4 MB) but the vocabulary and structure every case shares, plus
4.1 MB of backslashes from JSON-in-JSON; gzip stores the same lines in
2.2 MB (arbiter.arbitrate 3.8 MB -> 0.35 MB).

The line format
---------------
Each line is one standard JSON object (no NaN, no lone-surrogate escape, so
cJSON, Go's encoding/json, Python and the core's parser all read it), and
each value is written once:

    {"request": "<the envelope request, exact bytes>", "error": "BAD_ARGS"}
    {"request": "...", "prose": {"<path>": ["fact", ...]}, "expected": "<verdict, compact>"}
    {"request": "...", "patch": [[["verdict", "state"], "OPEN"], [["prose", "reason"]], ...]}

`request` is sent as is. `error` is the envelope code of a request the
reference refused. `expected` is the reference's verdict in the envelope's own
compact encoding (a string, so NaN, Infinity and lone surrogates survive and
hosts can compare bytes). `prose` (absent when empty) maps the dotted path of
each human-readable field to the facts (substrings) our own wording must
carry; every other field is compared exactly. A path segment that is a
decimal number indexes a list ("2._unreadable.reason").

A file whose records repeat one large value begins with a header line
`{"base": {"verdict": V, "prose": P}}`. A record line with `patch` is that
base edited: each edit is [path] (delete) or [path, value] (set), where the
path lists object keys from the top (every key but the last names an object
that exists; lists are only ever set whole), applied in order to a copy of
the base. The result's "verdict" and "prose" are the record's. Patched
records are compared structurally, never by bytes. A patch is written only
when applying it gives back the reference's verdict and prose exactly
(checked here), and a file gets a base only when that at least halves it.

Which cases are kept
--------------------
The case sources (gen/*.py) yield more requests than there are behaviours.
A case's behaviour is (error code, expected verdict, prose facts, input
shape), where the input shape is the set of key paths of its args and config
with the class of the value at each (see `value_class`: null, true, false,
int and float by sign and magnitude, NaN, infinities, -0.0, strings by the
kinds of character in them, empty and non-empty lists and objects). For
`keep_order` ops the shape is the ordered list of those pairs. Of the cases
sharing one behaviour only the smallest (request and verdict text) is kept,
except that a table case is never dropped: a case its source yields under a
second seed too (the hand-written tables, which carry the reference's own
test cases) or one it marks with `common.pin`. An op keeps at least
MIN_CASES cases (refilled in generation order). So per op the distinct verdicts, error codes, prose fact
sets and input shapes are those of every generated case; `main` checks that
and writes them to cases/coverage.tsv.

Measured when this was introduced: 28,781 generated cases, 26,959 kept
(6,634 of them table cases); 57 MB (every value stored twice) down to 18 MB,
config.from_toml 29 MB -> 1.7 MB; per op the same distinct verdicts (16,078
in all), error codes (68), prose fact sets (3,800) and input shapes; and the
Rust replay runs exactly the same lines of core/src (8,617 of the 11,856
that llvm-cov instruments, before and after).

Run: make golden   (or: python tests/golden/generate.py [--seed N] [--only PREFIX])
"""
from __future__ import annotations

import argparse
import collections
import gzip
import importlib
import json
import math
import pathlib
import pkgutil
import random
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dos  # noqa: E402  (the reference)
from gen import common  # noqa: E402

REFERENCE = "0.22.0"
MIN_CASES = 200
PROBE_SEED = "probe"  # the second seed that tells a source's tables from its random cases

_LONE = re.compile("[\ud800-\udfff]")


def compact(value) -> str:
    """The envelope's response encoding: compact, UTF-8, lone surrogates escaped."""
    s = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _LONE.sub(lambda m: "\\u%04x" % ord(m.group()), s)


def canon(value) -> str:
    """A type-exact text of a value for comparing values (1, 1.0 and True differ)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True)


def same(a, b) -> bool:
    """canon(a) == canon(b), without writing them out."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


def standard(value) -> bool:
    """True when every JSON parser reads `value` written as JSON (no NaN, Infinity, lone surrogate)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return False
    return not _LONE.search(text)


def record(opdef, args, config) -> dict:
    rec = {"op": opdef.name, "args": args, "config": config,
           # The exact request every host sends (ASCII; lone surrogates stay escaped).
           "request": json.dumps({"abi": 1, "op": opdef.name, "config": config, "args": args},
                                 separators=(",", ":"), ensure_ascii=True)}
    try:
        verdict = opdef.run(args, config)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        # A runner may name another envelope code on the exception it raises.
        rec.update(verdict=None, compact=None, error=getattr(e, "envelope_code", "BAD_ARGS"), prose={})
        return rec
    facts = opdef.facts(args, verdict) if opdef.facts else {}
    prose = {p: list(facts.get(p, [])) for p in opdef.prose}
    if opdef.dynamic_prose:
        prose.update({p: list(f) for p, f in facts.items()})
    rec.update(verdict=verdict, compact=compact(verdict), error=None, prose=prose)
    return rec


# ---------------------------------------------------------------- behaviour

def _str_class(s: str) -> str:
    if not s:
        return "str:empty"
    kinds = set()
    for ch in set(s):
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            kinds.add("surrogate")
        elif o < 0x20 or o == 0x7F:
            kinds.add("control")
        elif o < 0x80:
            kinds.add("alnum" if ch.isalnum() else "space" if ch == " " else "punct")
        elif o > 0xFFFF:
            kinds.add("astral")
        else:
            kinds.add("uspace" if ch.isspace() else "unicode")
    if s != s.strip():
        kinds.add("padded")
    return "str:" + "+".join(sorted(kinds))


def _int_class(v: int) -> str:
    sign = "-" if v < 0 else "+" if v > 0 else ""
    for bound, name in ((1, "0"), (2**31, "i32"), (2**53, "f64exact"), (2**63, "i64"), (2**64, "u64")):
        if abs(v) < bound:
            return f"int:{sign}{name}"
    return f"int:{sign}big"


def _float_class(v: float) -> str:
    if math.isnan(v):
        return "float:nan"
    if math.isinf(v):
        return "float:+inf" if v > 0 else "float:-inf"
    if v == 0:
        return "float:-0" if math.copysign(1.0, v) < 0 else "float:0"
    a = abs(v)
    size = "tiny" if a < 1e-300 else "small" if a < 2**53 else "i64" if a < 2**63 else "u64" if a < 2**64 else "big"
    return f"float:{'-' if v < 0 else '+'}{'whole' if v.is_integer() else 'frac'}:{size}"


def value_class(v) -> str:
    """The class of one JSON value, as far as the shape of an input goes."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return _int_class(v)
    if isinstance(v, float):
        return _float_class(v)
    if isinstance(v, str):
        return _str_class(v)
    if isinstance(v, list):
        return "list" if v else "list:empty"
    if isinstance(v, dict):
        return "object" if v else "object:empty"
    return type(v).__name__


def shape(value, path: str, out: list) -> list:
    """Append (key path, value class) for `value` and everything inside it ("[]" for list items)."""
    out.append((path, value_class(value)))
    if isinstance(value, dict):
        for k, v in value.items():
            shape(v, f"{path}.{k}", out)
    elif isinstance(value, list):
        for v in value:
            shape(v, f"{path}[]", out)
    return out


def behaviour(rec: dict, keep_order: bool):
    if "behaviour" not in rec:
        pairs = shape(rec["config"], "config", shape(rec["args"], "args", []))
        rec["behaviour"] = (rec["error"], rec["compact"], canon(rec["prose"]),
                            tuple(pairs) if keep_order else frozenset(pairs))
    return rec["behaviour"]


def select(recs: list, pinned: set, keep_order: bool) -> list:
    """The cases to write, in generation order (see the module docstring)."""
    size = [len(r["request"]) + len(r["compact"] or "") for r in recs]
    best: dict = {}
    covered = set()
    for i, r in enumerate(recs):
        b = behaviour(r, keep_order)
        if r["request"] in pinned:
            covered.add(b)
        elif b not in best or size[i] < size[best[b]]:
            best[b] = i
    keep = {i for i, r in enumerate(recs) if r["request"] in pinned}
    keep |= {i for b, i in best.items() if b not in covered}
    for i in range(len(recs)):
        if len(keep) >= MIN_CASES:
            break
        keep.add(i)
    return [r for i, r in enumerate(recs) if i in keep]


def coverage(recs: list, keep_order: bool) -> dict:
    bs = [behaviour(r, keep_order) for r in recs]
    return {"verdicts": len({b[1] for b in bs if b[0] is None}),
            "errors": len({b[0] for b in bs if b[0] is not None}),
            "prose": len({b[2] for b in bs}),
            "shapes": len({b[3] for b in bs})}


# ---------------------------------------------------------------- writing

def apply_patch(base, edits):
    """The base record with the edits applied (what every runner implements).

    An edit is [path] (delete) or [path, value] (set); a path lists object keys
    from the top, and every key but the last names an object that exists.
    """
    out = json.loads(json.dumps(base))
    for edit in edits:
        *parents, leaf = edit[0]
        obj = out
        for k in parents:
            obj = obj[k]
        if len(edit) == 1:
            del obj[leaf]
        else:
            obj[leaf] = edit[1]
    return out


def make_patch(base, value, path=()) -> list:
    """Edits taking `base` to `value`: into objects key by key, anything else whole."""
    if not (isinstance(base, dict) and isinstance(value, dict)):
        return [[list(path), value]]
    edits = [[list(path) + [k]] for k in base if k not in value]
    for k, v in value.items():
        if k not in base:
            edits.append([list(path) + [k], v])
        elif not same(base[k], v):
            edits += make_patch(base[k], v, path + (k,))
    return edits


def majority(values: list):
    """A value close to most of `values`: per key for objects, else the most common one."""
    objs = [v for v in values if isinstance(v, dict)]
    if values and 2 * len(objs) > len(values):
        counts = collections.Counter(k for o in objs for k in o)
        return {k: majority([o[k] for o in objs if k in o]) for k, n in counts.items() if 2 * n > len(objs)}
    counts = collections.Counter(canon(v) for v in values)
    top = max(counts.values(), default=0)
    return next((v for v in values if counts[canon(v)] == top), None)


def dumps_line(obj) -> str:
    line = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if _LONE.search(line):
        raise ValueError(f"a lone surrogate would reach a corpus line (cJSON cannot read it): {line[:200]}")
    return line


def full_line(r: dict) -> str:
    if r["error"] is not None:
        return dumps_line({"request": r["request"], "error": r["error"]})
    line = {"request": r["request"]}
    if r["prose"]:
        line["prose"] = r["prose"]
    line["expected"] = r["compact"]
    return dumps_line(line)


def lines_for(recs: list) -> list:
    """The file's lines: plain records, or a base and patches when that at least halves it."""
    plain = [full_line(r) for r in recs]
    ok = {id(r): r for r in recs if r["error"] is None and standard(r["verdict"]) and standard(r["prose"])}
    if len(ok) < 2:
        return plain
    base = {"verdict": majority([r["verdict"] for r in ok.values()]),
            "prose": majority([r["prose"] for r in ok.values()])}
    patched = [dumps_line({"base": base})]
    for r, text in zip(recs, plain):
        if id(r) in ok:
            want = {"verdict": r["verdict"], "prose": r["prose"]}
            patch = make_patch(base, want)
            if same(apply_patch(base, patch), want):
                line = dumps_line({"request": r["request"], "patch": patch})
                if len(line) < len(text):
                    text = line
        patched.append(text)
    size = lambda ls: sum(len(x.encode("utf-8")) + 1 for x in ls)  # noqa: E731
    return patched if 2 * size(patched) <= size(plain) else plain


def store(dest: pathlib.Path, name: str, data: bytes) -> int:
    """Write cases/<name>.jsonl.gz (see Storage) unless it already holds `data`; the stored size."""
    path = dest / f"{name}.jsonl.gz"
    (dest / f"{name}.jsonl").unlink(missing_ok=True)  # the plain form the corpus used to be stored in
    if path.exists():
        old = path.read_bytes()
        try:
            if gzip.decompress(old) == data:
                return len(old)
        except (OSError, EOFError):
            pass
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(packed)
    return len(packed)


# ---------------------------------------------------------------- main

def case_key(name, args, config) -> str:
    """Identifies a request (key order counts only for keep_order ops)."""
    order = common.RUNNERS[name].keep_order if name in common.RUNNERS else False
    return json.dumps([name, config, args], sort_keys=not order)


def unpack(case):
    return case[0], case[1], (case[2] if len(case) > 2 else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--only", help="generate only ops starting with this prefix")
    ns = ap.parse_args()
    if getattr(dos, "__version__", REFERENCE) != REFERENCE:
        sys.exit(f"the golden corpus is generated from dos-kernel {REFERENCE}, found {dos.__version__}")
    for m in pkgutil.iter_modules([str(HERE / "gen")]):
        if m.name != "common":
            importlib.import_module(f"gen.{m.name}")
    out: dict[str, list] = {}
    pinned: dict[str, set] = collections.defaultdict(set)
    seen: set[str] = set()
    for src in common.CASE_SOURCES:
        tag = f"{src.__module__}:{src.__name__}"
        # Cases the source yields under another seed too are its tables, not its dice.
        probe = {case_key(*unpack(c)) for c in src(random.Random(f"{PROBE_SEED}:{tag}"))}
        for case in src(random.Random(f"{ns.seed}:{tag}")):
            name, args, config = unpack(case)
            if ns.only and not name.startswith(ns.only):
                continue
            key = case_key(name, args, config)
            if key in seen:
                continue  # the same request twice proves nothing new
            seen.add(key)
            rec = record(common.RUNNERS[name], args, config)
            if key in probe or isinstance(case, common.Pinned):
                pinned[name].add(rec["request"])
            out.setdefault(name, []).append(rec)
    dest = HERE / "cases"
    dest.mkdir(exist_ok=True)
    short, rows = [], []
    stored = 0
    totals = collections.Counter()
    for name, recs in sorted(out.items()):
        keep_order = common.RUNNERS[name].keep_order
        kept = select(recs, pinned[name], keep_order)
        before, after = coverage(recs, keep_order), coverage(kept, keep_order)
        if before != after:
            sys.exit(f"{name}: selection lost coverage: {before} -> {after}")
        lines = lines_for(kept)
        text = "".join(x + "\n" for x in lines)
        size = len(text.encode("utf-8"))
        stored += store(dest, name, text.encode("utf-8"))
        base = "yes" if lines and lines[0].startswith('{"base":') else "no"
        rows.append([name, len(recs), len(kept), len(pinned[name]), after["verdicts"], after["errors"],
                     after["prose"], after["shapes"], base, size])
        totals.update(generated=len(recs), kept=len(kept), pinned=len(pinned[name]), bytes=size)
        if len(recs) < (common.RUNNERS[name].min_cases or MIN_CASES):
            short.append(f"{name} ({len(recs)})")
        print(f"{len(recs):6d} -> {len(kept):5d}  {size / 1e6:6.2f} MB  {name}")
    print(f"{totals['generated']} cases generated, {totals['kept']} kept ({totals['pinned']} table cases), "
          f"{totals['bytes'] / 1e6:.2f} MB of lines, {stored / 1e6:.2f} MB stored")
    missing = sorted(set(common.RUNNERS) - set(out))
    if missing and not ns.only:
        sys.exit(f"ops registered without cases: {missing}")
    if short and not ns.only:
        sys.exit(f"fewer than {MIN_CASES} cases: {', '.join(short)}")
    if not ns.only:
        head = ["op", "generated", "kept", "table", "verdicts", "error_codes", "prose_sets", "input_shapes",
                "base", "bytes"]
        with open(dest / "coverage.tsv", "w", encoding="utf-8", newline="\n") as f:
            f.write("# written by generate.py; the distinct counts are those of every generated case and of\n"
                    "# the kept ones alike (generate.py refuses to write a corpus where they differ)\n")
            for row in [head] + rows:
                f.write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
