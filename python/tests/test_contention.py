"""The lane-lease mutex shared by reference and libdos processes: a mixed
fleet never shares a lane, the reference honours the locks libdos writes
(extra lines and all) and libdos honours the reference's, and only libdos
takes over a lock whose holder it can prove gone."""
from __future__ import annotations

import importlib.util
import json
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import dos_native
from dos_native import config as nc
from dos_native import lane_lease as nll

ref_ll = pytest.importorskip("dos.lane_lease")
ref_config = pytest.importorskip("dos.config")

REPO = pathlib.Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("contention_bench", REPO / "bench" / "contention.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _workspace(tmp_path) -> pathlib.Path:
    root = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "workspace", root)
    return root


def _lock(root: pathlib.Path) -> pathlib.Path:
    return root / ".dos" / ".lane-lease.lock"


def test_a_mixed_fleet_never_shares_a_lane(tmp_path):
    bench = _bench()
    root = _workspace(tmp_path)
    engines = ["reference", "libdos", "reference", "libdos"]
    stats = bench.run("mixed", root, procs=4, seconds=2.5, engines=engines,
                      owners=[f"{e}-{k}" for k, e in enumerate(engines)])
    journaled, clashes = bench.journal_never_shares(root)
    assert not clashes
    assert journaled == sum(s["grants"] for s in stats) > 0
    # libdos waits its turn among libdos processes and keeps polling
    # alongside the reference ones; its releases are never lost.
    native = [s for s in stats if s["owner"].startswith("libdos")]
    assert all(s["grants"] > 0 for s in native), stats
    assert all(s["release_busy"] == 0 for s in native), stats
    # Every lease taken was given back: nothing is left live.
    assert ref_ll.live_leases(ref_config.load_workspace_config(root)) == []


# A libdos process that works the lane leases until told to stop, then
# idles (alive) until killed.
NATIVE_LOOP = textwrap.dedent("""
    import pathlib, sys, time
    from dos_native import config as nc, lane_lease as ll
    root = pathlib.Path(sys.argv[1])
    cfg = nc.load_workspace_config(root)
    i = 0
    while not (root / "stop").exists():
        i += 1
        r = ll.acquire(cfg, lane="docs", kind="cluster", tree=["docs/"], owner="native-holder", loop_ts=f"h{i}")
        ll.release(cfg, lane=r.decision.lane, owner="native-holder", loop_ts=f"h{i}")
    (root / "idle").write_text("")
    time.sleep(120)
""")

# A reference process that holds the lane-lease mutex until killed.
REFERENCE_HOLDER = textwrap.dedent("""
    import sys, time
    from dos import config, lane_lease
    cfg = config.load_workspace_config(sys.argv[1])
    with lane_lease._Mutex(cfg, "ref-holder"):
        print("held", flush=True)
        time.sleep(120)
""")


def _acquire_ref(root, owner):
    cfg = ref_config.load_workspace_config(root)
    return ref_ll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner=owner,
                          loop_ts=f"{owner}-1", retries=0)


def _acquire_native(root, owner):
    cfg = nc.load_workspace_config(root)
    return nll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner=owner, loop_ts=f"{owner}-1")


def test_the_reference_honours_a_libdos_lock_and_only_libdos_takes_over_a_dead_holder(tmp_path):
    root = _workspace(tmp_path)
    lock = _lock(root)
    pr = subprocess.Popen([sys.executable, "-c", NATIVE_LOOP, str(root)])
    try:
        # Catch the lock as the libdos process writes it while holding it.
        body, deadline = None, time.monotonic() + 60
        while body is None:
            assert time.monotonic() < deadline and pr.poll() is None
            try:
                text = lock.read_text()
            except OSError:
                continue
            if f"\npid: {pr.pid}\n" in text:
                body = text
        (root / "stop").write_text("")
        while not (root / "idle").exists():
            assert time.monotonic() < deadline and pr.poll() is None
            time.sleep(0.005)
        assert body.startswith("owner: native-holder\nacquired_at: ")
        assert "\nboot_id: " in body and "\npid_start: " in body
        # Its holder is alive: the lock stands for both engines.
        lock.write_text(body)
        with pytest.raises(TimeoutError):
            _acquire_ref(root, "ref-1")
        with pytest.raises(dos_native.DosError) as err:
            _acquire_native(root, "native-1")
        assert err.value.code == "BUSY"
        assert lock.read_text() == body
    finally:
        pr.send_signal(signal.SIGKILL)
        pr.wait()
    # Its holder is gone. The reference keeps the lock until the TTL; libdos
    # proves the death (same boot and pid namespace, the pid no longer runs)
    # and takes it over at once.
    lock.write_text(body)
    with pytest.raises(TimeoutError):
        _acquire_ref(root, "ref-2")
    r = _acquire_native(root, "native-2")
    assert r.journaled
    assert not lock.exists()
    assert nll.release(nc.load_workspace_config(root), lane="api", owner="native-2") is True


def test_libdos_honours_a_reference_lock_even_when_its_holder_is_gone(tmp_path):
    root = _workspace(tmp_path)
    lock = _lock(root)
    pr = subprocess.Popen([sys.executable, "-c", REFERENCE_HOLDER, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert pr.stdout.readline().strip() == "held"
        body = lock.read_text()
        assert body.startswith("owner: ref-holder\n") and f"\npid: {pr.pid}\n" in body
        with pytest.raises(dos_native.DosError) as err:
            _acquire_native(root, "native-1")
        assert err.value.code == "BUSY"
    finally:
        pr.send_signal(signal.SIGKILL)
        pr.wait()
    # Dead, but the reference's lock carries nothing to prove it by: the TTL
    # rules, as in the reference.
    assert lock.read_text() == body
    with pytest.raises(dos_native.DosError) as err:
        _acquire_native(root, "native-2")
    assert err.value.code == "BUSY"
    assert lock.read_text() == body
