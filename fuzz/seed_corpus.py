"""Seed fuzz/corpus/envelope with a few requests of every golden case file
(run by `make fuzz-libfuzzer` when the corpus is empty)."""
import glob
import gzip
import json
import os
import random
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(13)
cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "cases")
n = 0
for path in sorted(glob.glob(os.path.join(cases, "*.jsonl.gz"))):
    # Each file is a gzip member of UTF-8 lines; a file may open with a shared
    # `base` line (tests/golden/generate.py), which holds no request.
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        requests = [rec["request"] for rec in map(json.loads, f) if "request" in rec]
    for request in rng.sample(requests, min(5, len(requests))):
        with open(os.path.join(out, f"golden-{n}"), "w", encoding="utf-8") as g:
            g.write(request)
        n += 1
with open(os.path.join(out, "ops"), "w", encoding="utf-8") as g:
    g.write('{"abi":1,"op":"ops"}')
print(f"seeded {out} with {n + 1} requests")
