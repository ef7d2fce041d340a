#!/usr/bin/env python3
"""The PostgreSQL lease store against the lane journal file, on this machine
(`make bench` starts a throwaway server; or set DOS_TEST_PG_URL yourself).

1. acquire + release round trip, one process (dos_native.lane_lease): median ms;
2. throughput of 8 client processes looping acquire + release, all on one
   workspace (one lane each) and on 8 workspaces: round trips per second;
3. dos-hook pretool latency (whole process) on a workspace whose live lease
   is in PostgreSQL, and in the journal file: median ms.

Usage: pg_bench.py [--hook path/to/dos-hook] [--n 300] [--seconds 3] [--markdown out.md]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LANES = [f"l{i}" for i in range(8)]
TOML = ("[lanes]\nconcurrent = [{lanes}]\nautopick = []\n[lanes.trees]\n{trees}\n"
        .format(lanes=", ".join(f'"{l}"' for l in LANES), trees="\n".join(f'{l} = ["src/{l}/**"]' for l in LANES)))


def workspace(root: str, url: str | None, key: str) -> str:
    os.makedirs(root, exist_ok=True)
    text = TOML
    if url:
        text += f"[lease_store]\nurl = {json.dumps(url)}\nworkspace = {json.dumps(key)}\n"
    with open(os.path.join(root, "dos.toml"), "w") as f:
        f.write(text)
    os.makedirs(os.path.join(root, "docs"), exist_ok=True)
    return root


def round_trip(ws: str, n: int) -> float:
    from dos_native import config, lane_lease as ll
    cfg = config.load_workspace_config(ws)
    ts = []
    for i in range(n + 20):
        t = time.perf_counter()
        r = ll.acquire(cfg, lane="l0", kind="cluster", tree=["src/l0/**"], owner="bench", loop_ts=f"t{i}")
        assert r.journaled, r.decision
        assert ll.release(cfg, lane="l0", owner="bench", loop_ts=f"t{i}")
        if i >= 20:  # the first calls open the connection and the sidecar
            ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3, min(ts) * 1e3


WORKER = r"""
import os, sys, time
from dos_native import config, lane_lease as ll
ws, lane, go = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = config.load_workspace_config(ws)
ll.live_leases(cfg)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
start, stop = map(float, open(go).read().split())
while time.time() < start:
    time.sleep(0.001)
import dos_native
n = busy = 0
i = 0
while time.time() < stop:
    i += 1
    try:
        r = ll.acquire(cfg, lane=lane, kind="cluster", tree=[f"src/{lane}/**"], owner=lane, loop_ts=f"{lane}-{i}")
    except dos_native.BusyError:
        busy += 1
        continue
    while r.journaled:
        try:
            ll.release(cfg, lane=lane, owner=lane, loop_ts=f"{lane}-{i}")
            n += 1
            break
        except dos_native.BusyError:
            busy += 1
print(n, busy)
"""


def throughput(workspaces: list[str], seconds: float) -> float:
    """Round trips per second of the clients together, counted over the same
    window once every client is up and connected."""
    go = tempfile.mktemp(prefix="dos-pgbench-go-")
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, ws, LANES[k], go], stdout=subprocess.PIPE, text=True)
             for k, ws in enumerate(workspaces)]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise SystemExit("a client failed to start")
    start = time.time() + 0.3
    with open(go + ".tmp", "w") as f:
        f.write(f"{start} {start + seconds}")
    os.rename(go + ".tmp", go)
    total = 0
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 120)
        if p.returncode != 0:
            raise SystemExit(f"a client failed ({p.returncode})")
        total += int(out.split()[0])
    os.unlink(go)
    return total / seconds


def hook_latency(hook: str, ws: str, n: int) -> float:
    from dos_native import config, lane_lease as ll
    cfg = config.load_workspace_config(ws)
    ll.acquire(cfg, lane="l1", kind="cluster", tree=["docs/"], owner="other", loop_ts="held")
    event = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Read", "session_id": "s1", "cwd": ws,
                        "tool_input": {"file_path": f"{ws}/docs/notes.md"}})
    ev = os.path.join(ws, "event.json")
    with open(ev, "w") as f:
        f.write(event)
    ts = []
    for i in range(n + 3):
        with open(ev) as stdin:
            t = time.perf_counter()
            subprocess.run([hook, "pretool"], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True, cwd=ws)
            dt = time.perf_counter() - t
        if i >= 3:
            ts.append(dt)
    return statistics.median(ts) * 1e3, min(ts) * 1e3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hook", default="")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--markdown", default="")
    a = ap.parse_args()
    a.hook = os.path.abspath(a.hook) if a.hook else ""
    url = os.environ.get("DOS_TEST_PG_URL", "")
    if not url:
        print("pg_bench: DOS_TEST_PG_URL is not set (make bench starts a server)", file=sys.stderr)
        return 1
    tag = f"bench-{os.getpid()}-{time.time_ns()}"
    tmp = tempfile.mkdtemp(prefix="dos-pgbench-")
    rows = []
    try:
        f_rt = round_trip(workspace(os.path.join(tmp, "rt-file"), None, ""), a.n)
        p_rt = round_trip(workspace(os.path.join(tmp, "rt-pg"), url, tag + "-rt"), a.n)
        rows.append(("acquire + release round trip, one process, median (min) ms", f_rt, p_rt,
                     f"{p_rt[0] / f_rt[0]:.2f}× ({p_rt[1] / f_rt[1]:.2f}×)"))
        one_f = [workspace(os.path.join(tmp, "one-file"), None, "")] * 8
        one_p = [workspace(os.path.join(tmp, "one-pg"), url, tag + "-one")] * 8
        many_f = [workspace(os.path.join(tmp, f"many-file-{k}"), None, "") for k in range(8)]
        many_p = [workspace(os.path.join(tmp, f"many-pg-{k}"), url, f"{tag}-many-{k}") for k in range(8)]
        t1f, t1p = throughput(one_f, a.seconds), throughput(one_p, a.seconds)
        t8f, t8p = throughput(many_f, a.seconds), throughput(many_p, a.seconds)
        rows.append(("8 clients, one workspace (round trips/s)", t1f, t1p, f"{t1p / t1f:.2f}×"))
        rows.append(("8 clients, 8 workspaces (round trips/s)", t8f, t8p, f"{t8p / t8f:.2f}×"))
        if a.hook:
            hf = hook_latency(a.hook, workspace(os.path.join(tmp, "hook-file"), None, ""), 50)
            hp = hook_latency(a.hook, workspace(os.path.join(tmp, "hook-pg"), url, tag + "-hook"), 50)
            rows.append(("dos-hook pretool, whole process, a live lease held, median (min) ms", hf, hp,
                         f"{hp[0] / hf[0]:.2f}× ({hp[1] / hf[1]:.2f}×)"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = ["| what | file journal | PostgreSQL | PG / file |", "|---|---:|---:|---:|"]
    def fmt(v):
        return f"{v[0]:.2f} ({v[1]:.2f})" if isinstance(v, tuple) else f"{v:.1f}"
    for what, f, p, r in rows:
        lines.append(f"| {what} | {fmt(f)} | {fmt(p)} | {r} |")
    text = "\n".join(lines)
    print(text)
    print(f"(load {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)")
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
