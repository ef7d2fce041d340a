#!/usr/bin/env python3
"""Compare a bench/compare.py run (--json) with the committed baseline and
fail when a speed ratio fell by more than the allowed fraction.

Issue 9 asks that no ratio in docs/benchmarks.md regress by more than 10%.
The ratios (reference time / native time, measured in one process on the
same inputs) are what is compared: they cancel most of the machine's speed
and load, which absolute times do not. A row present in only one of the two
files is reported, not failed (a new row has no baseline yet; a removed row
is named so the removal is seen).

    bench/regress.py BASELINE CURRENT [--tolerance 0.10]
    bench/regress.py --update BASELINE CURRENT   # make CURRENT the baseline
    bench/regress.py --criterion target/criterion

The criterion form reads what `cargo bench -- --baseline-lenient committed`
left in each benchmark's ``change/estimates.json`` (the mean time's relative
change against this machine's saved baseline, `make bench-baseline`): a
time that rose enough to cut the speed by more than the tolerance fails.
Criterion's baselines are this machine's absolute times, so they stay in
``target/`` and are not committed.

Exit status: 0 when no ratio regressed past the tolerance, 1 otherwise,
2 for unreadable input.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys

def ratio_keys(row: dict) -> set[str]:
    """The speed ratios a row holds: compare.py writes `typed_ratio` and
    `accelerated_ratio`, hook_bench.py `go_ratio` and `python_ratio`."""
    return {k for k in row if k.endswith("_ratio")}


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as e:
        raise SystemExit(f"regress.py: cannot read {path}: {e}") from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, dict):
        raise SystemExit(f"regress.py: {path} holds no 'rows' object (write it with compare.py --json)")
    return data


def compare(base: dict, cur: dict, tolerance: float) -> tuple[list[str], list[str]]:
    """(failures, notes): one line per ratio that fell past the tolerance,
    and one per row or ratio only one side has."""
    failures, notes = [], []
    brows, crows = base["rows"], cur["rows"]
    for name in sorted(set(brows) | set(crows)):
        if name not in crows:
            notes.append(f"gone from this run: {name}")
            continue
        if name not in brows:
            notes.append(f"new (no baseline yet): {name}")
            continue
        for key in sorted(ratio_keys(brows[name]) | ratio_keys(crows[name])):
            b, c = brows[name].get(key), crows[name].get(key)
            if b is None or c is None:
                if (b is None) != (c is None):
                    notes.append(f"{name}: {key} on one side only")
                continue
            change = c / b - 1.0
            line = f"{name:60s} {key:18s} {b:8.2f}× -> {c:8.2f}× ({change:+.0%})"
            if change < -tolerance:
                failures.append(line)
    return failures, notes


def criterion(root: str, tolerance: float) -> int:
    """Check every criterion benchmark under ``root`` that was compared
    with a baseline (``change/estimates.json``)."""
    import os

    failures, checked = [], 0
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "change" or "estimates.json" not in files:
            continue
        try:
            with open(os.path.join(dirpath, "estimates.json"), encoding="utf-8") as fh:
                change = float(json.load(fh)["mean"]["point_estimate"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"regress.py: cannot read {dirpath}/estimates.json: {e}") from None
        checked += 1
        name = os.path.relpath(os.path.dirname(dirpath), root)
        speed = 1.0 / (1.0 + change) - 1.0
        if speed < -tolerance:
            failures.append(f"{name:60s} mean time {change:+.0%} (speed {speed:+.0%})")
    for f in failures:
        print("REGRESSED:", f)
    if not checked:
        print(f"regress.py: no criterion comparison under {root} (run `make bench-baseline` first)")
        return 0
    if failures:
        print(f"regress.py: {len(failures)} of {checked} criterion benchmark(s) slowed by more than {tolerance:.0%}")
        return 1
    print(f"regress.py: no criterion benchmark slowed by more than {tolerance:.0%} ({checked} compared)")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--criterion"]:
        ap = argparse.ArgumentParser()
        ap.add_argument("--criterion", required=True)
        ap.add_argument("--tolerance", type=float, default=0.10)
        copts = ap.parse_args(argv)
        return criterion(copts.criterion, copts.tolerance)
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline")
    ap.add_argument("current")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--update", action="store_true", help="copy CURRENT over BASELINE and stop")
    opts = ap.parse_args(argv)
    if opts.update:
        load(opts.current)
        shutil.copyfile(opts.current, opts.baseline)
        print(f"regress.py: {opts.baseline} now holds {opts.current}")
        return 0
    base, cur = load(opts.baseline), load(opts.current)
    failures, notes = compare(base, cur, opts.tolerance)
    print(f"baseline load {base.get('load', float('nan')):.2f}, this run's load {cur.get('load', float('nan')):.2f}")
    for n in notes:
        print("note:", n)
    for f in failures:
        print("REGRESSED:", f)
    if failures:
        print(f"regress.py: {len(failures)} ratio(s) fell by more than {opts.tolerance:.0%}")
        return 1
    print(f"regress.py: no ratio fell by more than {opts.tolerance:.0%} ({len(cur['rows'])} rows)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise
