"""Seams under accelerate(): a replaced clock or file primitive is honoured.

A program that swaps one of the reference's primitives (``dos.lane_lease``'s
clock, ``dos.lane_journal.journal_now_iso``, ``dos._filelock.atomic_replace``,
``time.sleep``) must see the same behaviour with and without
``dos_native.accelerate()``. Each scenario below runs twice, plain and
accelerated, and the observations (return values, exceptions, journal
records, calls the replacement saw) must be equal.
"""
import datetime as dt

import pytest

pytest.importorskip("dos")
from dos import _filelock, lane_journal, lane_lease  # noqa: E402
from dos import config as ref_config  # noqa: E402

import dos_native  # noqa: E402
from dos_native import _seams  # noqa: E402

T0 = dt.datetime(2031, 3, 4, 5, 6, 0, tzinfo=dt.timezone.utc)


def _cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("DISPATCH_LANE_LEASE_LOCK_PATH", str(tmp_path / ".lane-lease.lock"))
    monkeypatch.setenv("DISPATCH_LANE_JOURNAL_PATH", str(tmp_path / "lane-journal.jsonl"))
    return ref_config.default_config(str(tmp_path), gather_env=False)


def _both(tmp_path, monkeypatch, scenario):
    """``scenario(cfg, mp)`` run without and then with acceleration, each in
    its own workspace and with its own monkeypatch context."""
    out = []
    for accelerated in (False, True):
        ws = tmp_path / ("accelerated" if accelerated else "plain")
        ws.mkdir()
        dos_native.restore()
        if accelerated:
            assert "dos.lane_lease.heartbeat" in dos_native.accelerate()
        try:
            with monkeypatch.context() as mp:
                out.append(scenario(_cfg(ws, mp), mp))
        finally:
            dos_native.restore()
    return out


def _clock(mp, when):
    mp.setattr(lane_lease, "_now", lambda: when)
    mp.setattr(lane_journal, "journal_now_iso", lambda: when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _records(cfg):
    keep = ("op", "lane", "holder", "loop_ts", "ts", "acquired_at", "heartbeat_at")
    return [{k: e.get(k) for k in keep} for e in lane_journal.read_all(lane_lease._journal_path(cfg))]


def test_simulated_clock_drives_beat_coalescing(tmp_path, monkeypatch):
    def scenario(cfg, mp):
        seen = []
        _clock(mp, T0)
        res = lane_lease.acquire(cfg, lane="", kind="concurrent", tree=["pkg/**"], owner="w", loop_ts="L")
        lane = res.decision.lane
        seen.append((res.decision.outcome, res.journaled))
        for dt_s in (7, 61, 64, 200):
            _clock(mp, T0 + dt.timedelta(seconds=dt_s))
            seen.append(lane_lease.heartbeat(cfg, lane=lane, owner="w", loop_ts="L", coalesce_within_s=60.0))
            seen.append(sum(1 for e in _records(cfg) if e["op"] == lane_journal.OP_HEARTBEAT))
        _clock(mp, T0 + dt.timedelta(hours=3))
        seen.append(len(lane_lease.live_leases(cfg, expire_dead=True)))
        return seen, _records(cfg)

    plain, fast = _both(tmp_path, monkeypatch, scenario)
    assert fast == plain
    # The clock was honoured: beats 7 s and 64 s in were elided.
    assert plain[0][1:9] == [True, 0, True, 1, True, 1, True, 2]


def test_fault_injected_atomic_replace_is_honoured(tmp_path, monkeypatch):
    def scenario(cfg, mp):
        lane_lease.acquire(cfg, lane="", kind="concurrent", tree=["a/**"], owner="w", loop_ts="L")
        lane_lease.release(cfg, lane=lane_lease.live_leases(cfg)[0]["lane"], owner="w", loop_ts="L")
        path = lane_lease._journal_path(cfg)
        before = path.read_bytes()
        calls = []

        def failing(src, dst, *a, **k):
            calls.append(str(dst) == str(path))
            raise OSError("injected: rename failed")

        with mp.context() as inner:
            inner.setattr(_filelock, "atomic_replace", failing)
            with pytest.raises(OSError) as e:
                lane_lease.compact_journal(cfg)
        unchanged = path.read_bytes() == before

        counted = []
        original = _filelock.atomic_replace

        def counting(src, dst, *a, **k):
            counted.append(str(dst) == str(path))
            return original(src, dst, *a, **k)

        mp.setattr(_filelock, "atomic_replace", counting)
        result = lane_lease.compact_journal(cfg)
        return calls, str(e.value), unchanged, counted, (result.entries_before, result.entries_after)

    plain, fast = _both(tmp_path, monkeypatch, scenario)
    assert fast == plain
    assert plain[0] == [True] and plain[2] is True and plain[3] == [True]


def test_simulated_sleep_sees_the_lock_retries(tmp_path, monkeypatch):
    import time

    def scenario(cfg, mp):
        lock = lane_lease._lock_path(cfg)
        _filelock.write_lock(lock, "someone-else")
        sleeps = []
        mp.setattr(time, "sleep", sleeps.append)
        with pytest.raises(TimeoutError):
            lane_lease.acquire(cfg, lane="", kind="concurrent", tree=["a/**"], owner="w", loop_ts="L")
        return sleeps

    plain, fast = _both(tmp_path, monkeypatch, scenario)
    assert fast == plain and len(plain) == lane_lease.DEFAULT_RETRIES


def test_untouched_seams_keep_the_native_path(tmp_path, monkeypatch):
    cfg = _cfg(tmp_path, monkeypatch)
    native_calls = []
    real_dispatch = dos_native._native._dispatch_exact

    def spy(op, *a, **k):
        native_calls.append(op)
        return real_dispatch(op, *a, **k)

    dos_native.restore()
    dos_native.accelerate()
    try:
        monkeypatch.setattr(dos_native._native, "_dispatch_exact", spy)
        lane_lease.live_leases(cfg)
        assert native_calls == ["lane_lease.live_leases"] and _seams.replaced() == []
        with monkeypatch.context() as mp:
            _clock(mp, T0)
            assert sorted(_seams.replaced()) == ["dos.lane_journal.journal_now_iso", "dos.lane_lease._now"]
            lane_lease.live_leases(cfg)
            assert native_calls == ["lane_lease.live_leases"]  # the reference served it
        assert _seams.replaced() == []
        lane_lease.live_leases(cfg)
        assert native_calls == ["lane_lease.live_leases"] * 2  # native again once restored
    finally:
        dos_native.restore()
