#!/usr/bin/env python3
"""Per-op figures of the golden corpus as it is stored, to compare two corpora.

Reads every tests/golden/cases/<op>.jsonl (plain) or <op>.jsonl.gz (the
stored form since the corpus is compressed) and prints one tab-separated row
per op: the records, the distinct requests, error codes, verdicts and prose
fact sets among them (patched records are rebuilt from the file's base first,
verdicts are compared as values), a digest of the decoded text, and the bytes
stored. Everything but the last column must be the same before and after a
change of the storage format:

    python tests/golden/corpus_stats.py > before.tsv
    ... change the format, make golden ...
    python tests/golden/corpus_stats.py > after.tsv
    diff <(cut -f1-7 before.tsv) <(cut -f1-7 after.tsv)
"""
from __future__ import annotations

import copy
import gzip
import hashlib
import json
import pathlib
import sys

CASES = pathlib.Path(__file__).resolve().parent / "cases"


def patched(base, edits):
    out = copy.deepcopy(base)
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


def canon(value) -> str:
    # A float keeps its repr, so 1 and 1.0 (and True) stay apart.
    return json.dumps(value, sort_keys=True, ensure_ascii=True)


def stats(path: pathlib.Path) -> list:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8", "surrogatepass")
    base = None
    records, requests, errors, verdicts, prose = 0, set(), set(), set(), set()
    for line in text.split("\n")[:-1]:
        rec = json.loads(line)
        if "base" in rec:
            base = rec["base"]
            continue
        records += 1
        requests.add(rec["request"])
        if "error" in rec:
            errors.add(rec["error"])
            continue
        if "patch" in rec:
            whole = patched(base, rec["patch"])
            verdict, facts = whole["verdict"], whole.get("prose") or {}
        else:
            verdict, facts = json.loads(rec["expected"]), rec.get("prose", {})
        verdicts.add(canon(verdict))
        prose.add(canon(facts))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return [records, len(requests), len(errors), len(verdicts), len(prose), digest, len(raw)]


def main():
    files = sorted(CASES.glob("*.jsonl")) + sorted(CASES.glob("*.jsonl.gz"))
    ops = {}
    for p in files:
        op = p.name.removesuffix(".gz").removesuffix(".jsonl")
        if op in ops:
            sys.exit(f"{op} is stored twice (plain and compressed)")
        ops[op] = stats(p)
    print("op\trecords\tdistinct_requests\terror_codes\tverdicts\tprose_sets\tdigest\tbytes_stored")
    total = [0] * 7
    for op, row in sorted(ops.items()):
        print("\t".join(map(str, [op] + row)))
        for i in (0, 1, 2, 3, 4, 6):
            total[i] += row[i]
    total[5] = "-"
    print("\t".join(map(str, ["TOTAL"] + total)))


if __name__ == "__main__":
    main()
