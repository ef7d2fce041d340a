#!/usr/bin/env python3
"""The PostgreSQL lease store against the lane journal file, on this machine
(`make bench` starts a throwaway server; or set DOS_TEST_PG_URL yourself).

1. acquire + release round trip, one process (dos_native.lane_lease): median ms;
2. throughput of 8 client processes looping acquire + release, all on one
   workspace (one lane each) and on 8 workspaces: round trips per second;
3. dos-hook pretool latency (whole process, posix_spawn as hook_bench.py
   times it) on a workspace whose live set is in PostgreSQL, and in the
   journal file: with no live lease (the call passes through) and with
   another session's lease live (an advisory and its ENFORCE record): median
   (min) ms, with the spawn floor of /bin/true beside them.

With DOS_TEST_PGBOUNCER_URL set (`make bench` starts PgBouncer in session
mode in front of the server: tests/pg/pg.sh pgbouncer-up), the round trip
and the hook rows are also timed through the pooler, which spares each new
process the server's backend start-up.

--only rt,throughput,hook runs some rows; --ab N runs the one-workspace
throughput N times each way, alternating the one-round-trip verbs with the
locked two-trip path (DOS_LEASE_STORE_OPTIMISTIC=0), for a before/after on a
noisy machine.

Usage: pg_bench.py [--hook path/to/dos-hook] [--n 300] [--seconds 3] [--only ...] [--ab N] [--markdown out.md]
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


def spawn_ms(argv: list[str], stdin_path: str, cwd: str) -> float:
    """Spawn to reap, ms (posix_spawn, stdin from a file, output dropped)."""
    fd_in = os.open(stdin_path, os.O_RDONLY)
    fd_null = os.open(os.devnull, os.O_WRONLY)
    try:
        fa = [(os.POSIX_SPAWN_DUP2, fd_in, 0), (os.POSIX_SPAWN_DUP2, fd_null, 1), (os.POSIX_SPAWN_DUP2, fd_null, 2)]
        old = os.getcwd()
        os.chdir(cwd)
        try:
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=fa)
            _, status, _ = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
        finally:
            os.chdir(old)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{argv} failed")
        return (t1 - t0) / 1e6
    finally:
        os.close(fd_in)
        os.close(fd_null)


def hook_latency(hook: str, ws: str, n: int, held: bool) -> tuple[float, float]:
    from dos_native import config, lane_lease as ll
    cfg = config.load_workspace_config(ws)
    if held:
        ll.acquire(cfg, lane="l1", kind="cluster", tree=["docs/"], owner="other", loop_ts="held")
    event = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Read", "session_id": "s1", "cwd": ws,
                        "tool_input": {"file_path": f"{ws}/docs/notes.md"}})
    ev = os.path.join(ws, "event.json")
    with open(ev, "w") as f:
        f.write(event)
    ts = [spawn_ms([hook, "pretool"], ev, ws) for _ in range(n + 3)][3:]
    return statistics.median(ts), min(ts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hook", default="")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--markdown", default="")
    ap.add_argument("--only", default="rt,throughput,hook")
    ap.add_argument("--ab", type=int, default=0)
    a = ap.parse_args()
    only = set(a.only.split(","))
    a.hook = os.path.abspath(a.hook) if a.hook else ""
    url = os.environ.get("DOS_TEST_PG_URL", "")
    pooled = os.environ.get("DOS_TEST_PGBOUNCER_URL", "")
    if not url:
        print("pg_bench: DOS_TEST_PG_URL is not set (make bench starts a server)", file=sys.stderr)
        return 1
    tag = f"bench-{os.getpid()}-{time.time_ns()}"
    tmp = tempfile.mkdtemp(prefix="dos-pgbench-")
    rows = []
    try:
        if a.ab:
            one_p = [workspace(os.path.join(tmp, "ab-pg"), url, tag + "-ab")] * 8
            got: dict[str, list[float]] = {"0": [], "1": []}
            for k in range(a.ab):
                for mode in ("0", "1") if k % 2 == 0 else ("1", "0"):
                    if mode == "0":
                        os.environ["DOS_LEASE_STORE_OPTIMISTIC"] = "0"
                    else:  # the default tries
                        os.environ.pop("DOS_LEASE_STORE_OPTIMISTIC", None)
                    got[mode].append(throughput(one_p, a.seconds))
                    print(f"run {k} {'one trip' if mode == '1' else 'locked '}: {got[mode][-1]:.1f} round trips/s "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)
            os.environ.pop("DOS_LEASE_STORE_OPTIMISTIC", None)
            print(f"median: locked {statistics.median(got['0']):.1f}, one trip {statistics.median(got['1']):.1f} "
                  f"({statistics.median(got['1']) / statistics.median(got['0']):.2f}x)")
        if "rt" in only:
            f_rt = round_trip(workspace(os.path.join(tmp, "rt-file"), None, ""), a.n)
            p_rt = round_trip(workspace(os.path.join(tmp, "rt-pg"), url, tag + "-rt"), a.n)
            rows.append(("acquire + release round trip, one process, median (min) ms", f_rt, p_rt,
                         f"{p_rt[0] / f_rt[0]:.2f}× ({p_rt[1] / f_rt[1]:.2f}×)"))
            if pooled:
                b_rt = round_trip(workspace(os.path.join(tmp, "rt-pgb"), pooled, tag + "-rt-pgb"), a.n)
                rows.append(("… through PgBouncer (session pooling)", f_rt, b_rt,
                             f"{b_rt[0] / f_rt[0]:.2f}× ({b_rt[1] / f_rt[1]:.2f}×)"))
        if "throughput" in only:
            one_f = [workspace(os.path.join(tmp, "one-file"), None, "")] * 8
            one_p = [workspace(os.path.join(tmp, "one-pg"), url, tag + "-one")] * 8
            many_f = [workspace(os.path.join(tmp, f"many-file-{k}"), None, "") for k in range(8)]
            many_p = [workspace(os.path.join(tmp, f"many-pg-{k}"), url, f"{tag}-many-{k}") for k in range(8)]
            t1f, t1p = throughput(one_f, a.seconds), throughput(one_p, a.seconds)
            t8f, t8p = throughput(many_f, a.seconds), throughput(many_p, a.seconds)
            rows.append(("8 clients, one workspace (round trips/s)", t1f, t1p, f"{t1p / t1f:.2f}×"))
            rows.append(("8 clients, 8 workspaces (round trips/s)", t8f, t8p, f"{t8p / t8f:.2f}×"))
        if a.hook and "hook" in only:
            ws_true = workspace(os.path.join(tmp, "floor"), None, "")
            ev = os.path.join(ws_true, "empty")
            open(ev, "w").close()
            fl = [spawn_ms(["/bin/true"], ev, ws_true) for _ in range(53)][3:]
            for held, what in ((False, "no live lease (passthrough)"), (True, "another session's lease live (advisory + ENFORCE)")):
                key = "held" if held else "free"
                hf = hook_latency(a.hook, workspace(os.path.join(tmp, f"hook-file-{key}"), None, ""), 50, held)
                hp = hook_latency(a.hook, workspace(os.path.join(tmp, f"hook-pg-{key}"), url, f"{tag}-hook-{key}"), 50, held)
                rows.append((f"dos-hook pretool, whole process, {what}, median (min) ms", hf, hp,
                             f"{hp[0] / hf[0]:.2f}× ({hp[1] / hf[1]:.2f}×)"))
                if pooled:
                    hb = hook_latency(a.hook, workspace(os.path.join(tmp, f"hook-pgb-{key}"), pooled, f"{tag}-hook-pgb-{key}"),
                                      50, held)
                    rows.append(("… through PgBouncer (session pooling)", hf, hb, f"{hb[0] / hf[0]:.2f}× ({hb[1] / hf[1]:.2f}×)"))
            print(f"(spawn floor, /bin/true: median {statistics.median(fl):.2f} ms, min {min(fl):.2f} ms)")
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
