"""Acquire + release round trip on a workspace's lane journal: the reference
(dos.lane_lease) against libdos (dos_native.lane_lease), one process, with an
empty journal and with 10,000 records of history. Prints medians in ms."""
import tempfile, pathlib, time, statistics, os
from dos import config as rc, lane_lease as rll, lane_journal as rlj
from dos_native import lane_lease as nll
def bench(mod, cfg, n=200):
    ts = []
    for i in range(n):
        t = time.perf_counter()
        r = mod.acquire(cfg, lane="main", kind="cluster", tree=["src/**"], owner="bench", loop_ts=f"t{i}")
        assert r.journaled, r.decision.to_dict()
        assert mod.release(cfg, lane="main", owner="bench", loop_ts=f"t{i}")
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3
for hist in (0, 10000):
    for name, mod in (("reference", rll), ("dos_native", nll)):
        d = pathlib.Path(tempfile.mkdtemp())
        cfg = rc.default_config(d, gather_env=False)
        jp = cfg.paths.lane_journal
        jp.parent.mkdir(parents=True, exist_ok=True)
        with open(jp, "w") as f:
            for i in range(hist // 2):
                f.write('{"lane": "old%d", "loop_ts": "x", "op": "ACQUIRE", "seq": %d, "lease": {"lane": "old%d", "loop_ts": "x"}}\n' % (i, 2*i+1, i))
                f.write('{"lane": "old%d", "loop_ts": "x", "op": "RELEASE", "seq": %d}\n' % (i, 2*i+2))
        print(f"history {hist:6d} {name:10s} acquire+release median {bench(mod, cfg, 60 if hist else 200):8.2f} ms  (load {os.getloadavg()[0]:.1f})")
