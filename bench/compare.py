#!/usr/bin/env python3
"""Time the reference (dos-kernel 0.22.0) and dos_native side by side, in one
process, on the same inputs, and print the ratios. A benchmark, not a test:
`make bench` runs it; figures go to docs/benchmarks.md by hand."""
from __future__ import annotations

import importlib
import platform
import timeit

import dos
import dos_native


def best_us(fn, number=20000, repeat=5):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases():
    from dos import _tree as rt, exec_capability as rx
    from dos_native import _tree as nt, exec_capability as nx

    yield "exec_capability.classify_command", lambda: rx.classify_command("FOO=1 python3 -c 'x'"), \
        lambda: nx.classify_command("FOO=1 python3 -c 'x'")
    yield "_tree.prefixes_collide", lambda: rt.prefixes_collide("src/dos/a", "src/dos/b"), \
        lambda: nt.prefixes_collide("src/dos/a", "src/dos/b")
    a, b = ["docs/UI-*", "src/dos/"], ["docs/svc-*", "tests/"]
    yield "_tree.lane_trees_disjoint", lambda: rt.lane_trees_disjoint(a, b), lambda: nt.lane_trees_disjoint(a, b)

    def typed(mod, build):
        try:
            ref = importlib.import_module(f"dos.{mod}")
            nat = importlib.import_module(f"dos_native.{mod}")
        except ImportError:
            return None
        return build(ref), build(nat)

    pairs = {
        "liveness.classify": typed("liveness", lambda m: (lambda ev=m.ProgressEvidence(
            run_started_ms=0, now_ms=10**7, commits_since_start=0, last_heartbeat_age_ms=1000, process_alive=True):
            m.classify(ev))),
        "productivity.classify": typed("productivity", lambda m: (lambda h=m.WorkHistory.of([900, 600, 100]): m.classify(h))),
        "efficiency.classify": typed("efficiency", lambda m: (lambda e=m.EfficiencyEvidence.of(10, 5000): m.classify(e))),
        "breaker.classify": typed("breaker", lambda m: (lambda c=m.BreakerCounts(2, 5): m.classify(c))),
    }
    for name, pair in pairs.items():
        if pair:
            yield name, pair[0], pair[1]
    try:
        from dos import tool_stream as rs
        from dos_native import tool_stream as ns

        def stream(m):
            st = m.ToolStream(tuple(m.StreamStep("Read", "a", "r") for _ in range(64)))
            return lambda: m.classify_stream(st)

        yield "tool_stream.classify_stream (64 identical steps)", stream(rs), stream(ns)
    except ImportError:
        pass
    req = '{"abi":1,"op":"exec_capability.classify_command","config":null,"args":{"command":"python3 -c 1"}}'
    yield "envelope call (JSON text in/out) vs reference classify", lambda: rx.classify_command("python3 -c 1"), \
        lambda: dos_native.call(req)


def arbiter_cases():
    """The arbiter cluster: a disjoint admit under the workshop driver's taxonomy
    (the `frontend` cluster beside a live `backend` lease), typed and accelerated."""
    import tempfile

    try:
        from dos import arbiter as ra
        from dos.drivers.workshop import workshop_config
        from dos_native import arbiter as na
    except ImportError:
        return
    cfg = workshop_config(tempfile.mkdtemp())
    fe, be = list(cfg.lanes.tree_for("frontend")), list(cfg.lanes.tree_for("backend"))
    kw = dict(requested_lane="frontend", requested_kind="cluster", requested_tree=fe,
              live_leases=[{"lane": "backend", "lane_kind": "cluster", "tree": be}], config=cfg)
    ref = ra.arbitrate
    yield "arbiter.arbitrate (workshop, disjoint admit)", lambda: ref(**kw), lambda: na.arbitrate(**kw)
    dos_native.accelerate()  # binds dos-kernel's classes to the accelerated entry point
    dos_native.restore()
    accelerated = dos_native._native.arbitrate_ref
    yield "arbiter.arbitrate accelerated (dos-kernel's LaneDecision)", lambda: ref(**kw), lambda: accelerated(**kw)


def main():
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}; "
          f"dos-kernel {getattr(dos, '__version__', '?')}, dos_native {dos_native.__version__}")
    print(f"{'op':58s} {'reference µs':>13s} {'native µs':>10s} {'ratio':>7s}")
    for name, ref, nat in [*cases(), *arbiter_cases()]:
        r, n = best_us(ref), best_us(nat)
        print(f"{name:58s} {r:13.3f} {n:10.3f} {r / n:6.1f}×")


if __name__ == "__main__":
    main()
