"""Seed fuzz/corpus/envelope with a few requests of every golden case file
(run by `make fuzz-libfuzzer` when the corpus is empty)."""
import glob
import json
import os
import random
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(13)
cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "cases")
n = 0
for path in sorted(glob.glob(os.path.join(cases, "*.jsonl"))):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in rng.sample(lines, min(5, len(lines))):
        with open(os.path.join(out, f"golden-{n}"), "w", encoding="utf-8") as g:
            g.write(json.loads(line)["request"])
        n += 1
with open(os.path.join(out, "ops"), "w", encoding="utf-8") as g:
    g.write('{"abi":1,"op":"ops"}')
print(f"seeded {out} with {n + 1} requests")
