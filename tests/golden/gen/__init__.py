"""Golden-case generators, one module per reference module.

Each module registers its operations with `@op(...)` (how to run the
reference for one request) and a `cases(rng)` generator (which requests to
make). `generate.py` runs them and writes `cases/<op>.jsonl.gz`.
"""
