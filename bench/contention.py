"""Lane-lease contention: N processes loop acquire / hold 2 ms / release on
lane `api` of examples/workspace/dos.toml for a fixed time, first with the
reference (dos.lane_lease) and then with libdos (dos_native.lane_lease), each
in a fresh copy of the workspace. Prints the grants per engine, each
process's share of them, and how many acquires and releases failed BUSY.

    .venv/bin/python bench/contention.py [--seconds 8] [--procs 4] [--runs 1]
        [--engines reference,libdos]

Also importable: `run(engine, root, procs, seconds)` returns the per-process
counts (the contention tests use it with a shorter time).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
WORKSPACE = HERE.parent / "examples" / "workspace"

# One worker process. argv: engine root owner start_at stop_at hold_s
WORKER = r"""
import json, sys, time
engine, root, owner = sys.argv[1], sys.argv[2], sys.argv[3]
start_at, stop_at, hold = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
if engine == "reference":
    from dos import config as rc, lane_lease as ll
    cfg = rc.load_workspace_config(root)
    busy = (TimeoutError,)
else:
    import dos_native
    from dos_native import config as nc, lane_lease as ll
    cfg = nc.load_workspace_config(root)
    busy = (dos_native.DosError,)
    if hasattr(dos_native, "TimeoutError"):
        busy = busy + (TimeoutError,)
stats = {"owner": owner, "grants": 0, "refused": 0, "acquire_busy": 0, "release_busy": 0, "release_false": 0,
         "acquire_calls": 0, "release_calls": 0}
while time.time() < start_at:
    time.sleep(0.001)
i = 0
while time.time() < stop_at:
    i += 1
    ts = f"{owner}-{i}"
    stats["acquire_calls"] += 1
    try:
        r = ll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner=owner, loop_ts=ts)
    except busy:
        stats["acquire_busy"] += 1
        continue
    if not r.journaled:
        stats["refused"] += 1
        continue
    stats["grants"] += 1
    # `api` busy: the arbiter may auto-pick another free cluster lane.
    lane = r.decision.lane
    time.sleep(hold)
    # A release that fails BUSY is retried (a lost release would keep the
    # lease live until it expires); each failure is counted.
    while True:
        stats["release_calls"] += 1
        try:
            ok = ll.release(cfg, lane=lane, owner=owner, loop_ts=ts)
        except busy:
            stats["release_busy"] += 1
            continue
        if not ok:
            stats["release_false"] += 1
        break
print(json.dumps(stats))
"""


def python() -> str:
    venv = HERE.parent / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def fresh_workspace(parent: pathlib.Path, tag: str) -> pathlib.Path:
    root = parent / tag
    shutil.copytree(WORKSPACE, root)
    return root


def run(engine: str, root: pathlib.Path, procs: int = 4, seconds: float = 8.0, hold: float = 0.002,
        owners: list[str] | None = None, engines: list[str] | None = None) -> list[dict]:
    """Run `procs` workers on `root` (engine per worker from `engines`, else
    `engine` for all) and return each worker's counts."""
    owners = owners or [f"{engine}-{k}" for k in range(procs)]
    engines = engines or [engine] * procs
    # Start together once every interpreter has imported its engine.
    start_at = time.time() + 1.5
    stop_at = start_at + seconds
    ps = [subprocess.Popen([python(), "-c", WORKER, eng, str(root), own, repr(start_at), repr(stop_at), repr(hold)],
                           stdout=subprocess.PIPE, text=True)
          for own, eng in zip(owners, engines)]
    out = []
    for p in ps:
        stdout, _ = p.communicate(timeout=seconds + 400)
        if p.returncode != 0:
            raise RuntimeError(f"worker exited {p.returncode}")
        out.append(json.loads(stdout))
    return out


def journal_never_shares(root: pathlib.Path) -> tuple[int, list[str]]:
    """Walk the lane journal: the number of ACQUIREs, and every point where
    one was granted on a lane while another lease on it was live."""
    from dos import lane_journal as rlj

    jp = root / ".dos" / "lane-journal.jsonl"
    live: dict = {}
    grants, clashes = 0, []
    for e in rlj.read_all(jp):
        lane = e.get("lane")
        if e.get("op") == "ACQUIRE":
            grants += 1
            if live.get(lane):
                clashes.append(f"{e.get('loop_ts')} granted {lane} while {sorted(live[lane])} held it")
            live.setdefault(lane, set()).add(e.get("loop_ts"))
        elif e.get("op") in ("RELEASE", "SCAVENGE"):
            live.get(lane, set()).discard(e.get("loop_ts"))
    return grants, clashes


def summarize(engine: str, stats: list[dict]) -> dict:
    total = sum(s["grants"] for s in stats)
    shares = [s["grants"] / total if total else 0.0 for s in stats]
    return {
        "engine": engine,
        "grants": total,
        "shares": shares,
        "min_share": min(shares) if shares else 0.0,
        "acquire_busy": sum(s["acquire_busy"] for s in stats),
        "release_busy": sum(s["release_busy"] for s in stats),
        "refused": sum(s["refused"] for s in stats),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--engines", default="reference,libdos")
    a = ap.parse_args()
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    print(f"lane-lease contention: {a.procs} processes, acquire / hold 2 ms / release on lane 'api' "
          f"of examples/workspace/dos.toml, {a.seconds:g} s per engine")
    with tempfile.TemporaryDirectory(prefix="dos-contention-") as tmp:
        for run_no in range(1, a.runs + 1):
            per_engine = {}
            for engine in engines:
                root = fresh_workspace(pathlib.Path(tmp), f"{engine}-{run_no}")
                stats = run(engine, root, a.procs, a.seconds)
                s = summarize(engine, stats)
                journaled, clashes = journal_never_shares(root)
                shares = " ".join(f"{x * 100:4.1f}%" for x in s["shares"])
                print(f"run {run_no} {engine:9s} grants {s['grants']:6d}  shares [{shares}]  "
                      f"acquire BUSY {s['acquire_busy']:4d}  release BUSY {s['release_busy']:3d}  "
                      f"refused {s['refused']:6d}  (load {os.getloadavg()[0]:.1f})")
                if journaled != s["grants"] or clashes:
                    print(f"  JOURNAL MISMATCH: {journaled} ACQUIREs, {len(clashes)} overlaps: {clashes[:3]}")
                    sys.exit(1)
                per_engine[engine] = s
            if {"reference", "libdos"} <= per_engine.keys():
                ref, ours = per_engine["reference"], per_engine["libdos"]
                print(f"run {run_no} libdos/reference grants {ours['grants'] / max(ref['grants'], 1):.1f}x; "
                      f"libdos smallest share {ours['min_share'] * 100:.1f}% (goal >= 15%); "
                      f"libdos releases failed BUSY {ours['release_busy']} (goal 0)")


if __name__ == "__main__":
    main()
