#!/usr/bin/env python3
"""Write the golden corpus: tests/golden/cases/<op>.jsonl.

Every expected value is produced by running dos-kernel 0.22.0 (the reference)
on the request; nothing here is typed by hand. Each line is

    {"op", "config", "args", "request", "expected", "error", "prose", "expected_compact"}

`expected` is the reference's result (None when it raised, and then `error`
is the envelope code the native side must answer with). `prose` maps the
dotted path of each human-readable field to the facts (substrings) our own
wording must carry; every other field is compared exactly. A path segment that
is a decimal number indexes a list ("2._unreadable.reason").
`request` is the envelope request to send, as text (runners send it as is). `expected_compact` is
`expected` in the envelope's own compact encoding, for hosts that compare bytes.

Run: make golden   (or: python tests/golden/generate.py [--seed N])
"""
from __future__ import annotations

import argparse
import importlib
import json
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

_LONE = re.compile("[\ud800-\udfff]")


def compact(value) -> str:
    """The envelope's response encoding: compact, UTF-8, lone surrogates escaped."""
    s = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _LONE.sub(lambda m: "\\u%04x" % ord(m.group()), s)


def record(opdef, args, config):
    rec = {"op": opdef.name, "config": config, "args": args}
    # The exact request every host sends (ASCII; lone surrogates stay escaped).
    rec["request"] = json.dumps({"abi": 1, "op": opdef.name, "config": config, "args": args},
                                separators=(",", ":"), ensure_ascii=True)
    try:
        verdict = opdef.run(args, config)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        # A runner may name another envelope code on the exception it raises.
        rec.update(expected=None, error=getattr(e, "envelope_code", "BAD_ARGS"), prose={}, raised=type(e).__name__)
        return rec
    facts = opdef.facts(args, verdict) if opdef.facts else {}
    prose = {p: list(facts.get(p, [])) for p in opdef.prose}
    if opdef.dynamic_prose:
        prose.update({p: list(f) for p, f in facts.items()})
    rec.update(expected=verdict, error=None, prose=prose)
    rec["expected_compact"] = compact(verdict)
    return rec


def line_of(rec, sort_keys: bool = True) -> str:
    """One corpus line, always standard JSON so every host's parser reads it.

    Runners use the `request` and `expected_compact` strings. The readable
    copies (`args`, `config`, `expected`) are kept only when every JSON parser
    reads them; a case that carries NaN, Infinity or a lone surrogate has them
    in its strings only.
    """
    try:
        readable = json.dumps([rec.get("args"), rec.get("config"), rec.get("expected")],
                              ensure_ascii=False, allow_nan=False)
        if _LONE.search(readable):
            raise ValueError("lone surrogate: some parsers (cJSON) refuse the escape")
        return json.dumps(rec, ensure_ascii=True, sort_keys=sort_keys, allow_nan=False)
    except ValueError:
        slim = {k: v for k, v in rec.items() if k not in ("args", "config", "expected")}
        slim["nonstandard"] = True
        return json.dumps(slim, ensure_ascii=True, sort_keys=sort_keys, allow_nan=False)


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
    seen: set[str] = set()
    for src in common.CASE_SOURCES:
        rng = random.Random(f"{ns.seed}:{src.__module__}:{src.__name__}")
        for case in src(rng):
            name, args = case[0], case[1]
            config = case[2] if len(case) > 2 else None
            if ns.only and not name.startswith(ns.only):
                continue
            key = json.dumps([name, config, args], sort_keys=True)
            if key in seen:
                continue  # the same request twice proves nothing new
            seen.add(key)
            out.setdefault(name, []).append(record(common.RUNNERS[name], args, config))
    dest = HERE / "cases"
    dest.mkdir(exist_ok=True)
    short = []
    for name, recs in sorted(out.items()):
        path = dest / f"{name}.jsonl"
        sort_keys = not common.RUNNERS[name].keep_order
        with open(path, "w", encoding="utf-8", errors="surrogatepass", newline="\n") as f:
            for r in recs:
                f.write(line_of(r, sort_keys) + "\n")
        if len(recs) < MIN_CASES:
            short.append(f"{name} ({len(recs)})")
        print(f"{len(recs):6d}  {name}")
    missing = sorted(set(common.RUNNERS) - set(out))
    if missing and not ns.only:
        sys.exit(f"ops registered without cases: {missing}")
    if short and not ns.only:
        sys.exit(f"fewer than {MIN_CASES} cases: {', '.join(short)}")


if __name__ == "__main__":
    main()
