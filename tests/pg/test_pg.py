"""The PostgreSQL lease store from Python (`make test-pg` starts a server and
sets DOS_TEST_PG_URL; without it these tests are skipped).

- the migration round trip: a lane journal the reference dos-kernel 0.22.0
  wrote, copied into PostgreSQL and exported back; the reference's own
  live-lease reader reads the export with the same live set;
- the Python host reaches the store through ``dos_native.config``
  (``[lease_store]`` in dos.toml) with every verb.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import time

import pytest

URL = os.environ.get("DOS_TEST_PG_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="DOS_TEST_PG_URL is not set (make test-pg sets it)")

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "workspace"


def _key(tag: str) -> str:
    return f"py-{tag}-{os.getpid()}-{time.time_ns()}"


def _workspace(dest: pathlib.Path, key: str | None = None, url: str = URL) -> pathlib.Path:
    shutil.copytree(EXAMPLE, dest)
    if key is not None:
        with open(dest / "dos.toml", "a") as f:
            f.write(f"\n[lease_store]\nurl = {json.dumps(url)}\nworkspace = {json.dumps(key)}\n")
    return dest


def test_a_reference_journal_migrates_to_postgres_and_back_with_the_same_live_set(tmp_path):
    from dos import config as rc, lane_lease as ref
    import dos_native
    from dos_native import config as nc, lane_lease as ll

    # The reference writes the journal.
    src = _workspace(tmp_path / "src")
    rcfg = rc.load_workspace_config(str(src))
    for lane, tree, owner in [("api", "src/api/**", "a"), ("web", "src/web/**", "b"), ("docs", "docs/", "c")]:
        ref.acquire(rcfg, lane=lane, kind="cluster", tree=[tree], owner=owner, loop_ts=f"{owner}1")
    ref.release(rcfg, lane="web", owner="b", loop_ts="b1")
    ref.heartbeat(rcfg, lane="api", owner="a", loop_ts="a1")
    before = ref.live_leases(rcfg, expire_dead=False)
    assert before, "the reference left no live lease to compare"

    key = _key("migrate")
    pg = nc.load_workspace_config(str(_workspace(tmp_path / "pg", key)))
    out = ll.import_journal(pg, src / ".dos" / "lane-journal.jsonl")
    assert isinstance(out, ll.JournalImported)
    assert (out.live, out.workspace_key) == (len(before), key)
    assert ll.live_leases(pg) == before

    dest = _workspace(tmp_path / "dest")
    exported = ll.export_journal(pg, dest / ".dos" / "lane-journal.jsonl")
    assert (exported.workspace_key, exported.journal) == (key, str(dest / ".dos" / "lane-journal.jsonl"))
    assert exported.records == out.records
    after = ref.live_leases(rc.load_workspace_config(str(dest)), expire_dead=False)
    assert after == before
    assert ref.live_leases(rc.load_workspace_config(str(dest)), expire_dead=True) == \
        ref.live_leases(rcfg, expire_dead=True)
    # A second import without replace is refused; with it, accepted.
    with pytest.raises(dos_native.DosError):
        ll.import_journal(pg, src / ".dos" / "lane-journal.jsonl")
    ll.import_journal(pg, src / ".dos" / "lane-journal.jsonl", replace=True)
    assert ll.live_leases(pg) == before


def test_the_python_host_reaches_postgres_through_its_config(tmp_path):
    from dos_native import config as nc, lane_lease as ll

    key = _key("host")
    ws = _workspace(tmp_path / "ws", key)
    cfg = nc.load_workspace_config(str(ws))
    assert cfg.to_dict()["lease_store"]["workspace"] == key
    r = ll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner="py", loop_ts="p1")
    assert r.journaled
    assert [l["holder"] for l in ll.live_leases(cfg)] == ["py"]
    assert ll.heartbeat(cfg, lane="api", owner="py", loop_ts="p1")
    assert ll.adopt(cfg, lane="api", new_owner="py2", loop_ts="p1")
    assert ll.spawn(cfg, lane="docs", owner="py", loop_ts="p2").recorded
    assert ll.halt(cfg, handle="123", owner="sup").recorded
    assert ll.release(cfg, lane="api", owner="py2", loop_ts="p1")
    assert ll.live_leases(cfg, expire_dead=True) == []
    assert ll.compact_journal(cfg).entries_after == 1
    assert not (ws / ".dos" / "lane-journal.jsonl").exists()
    # A second clone (another "machine") sees the same lane set.
    other = nc.load_workspace_config(str(_workspace(tmp_path / "other", key)))
    ll.acquire(other, lane="api", kind="cluster", tree=["src/api/**"], owner="m2", loop_ts="q1")
    assert [l["holder"] for l in ll.live_leases(cfg)] == ["m2"]


def test_an_unreachable_store_is_an_io_error_without_the_password(tmp_path):
    import dos_native
    from dos_native import config as nc, lane_lease as ll

    bad = "postgresql://dos:sekrit-pw@%2Ftmp%2Fdos-no-such-server-dir:5999/dos"
    cfg = nc.load_workspace_config(str(_workspace(tmp_path / "ws", "k", url=bad)))
    assert "sekrit-pw" not in json.dumps(cfg.to_dict())
    with pytest.raises(dos_native.DosIOError) as e:
        ll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner="x")
    assert "sekrit-pw" not in str(e.value)


def test_the_accelerated_reference_verbs_use_the_store_its_dos_toml_names(tmp_path):
    # The reference reads no [lease_store] table; under accelerate() its
    # lease verbs still go to the store the workspace's dos.toml names (as
    # its `strict` does), so an accelerated fleet shares one lane set.
    import dos.lane_lease as ref
    from dos import config as rc
    import dos_native
    from dos_native import config as nc, lane_lease as ll

    key = _key("accel")
    ws = _workspace(tmp_path / "ws", key)
    rcfg = rc.load_workspace_config(str(ws))
    dos_native.accelerate()
    try:
        r = ref.acquire(rcfg, lane="api", kind="cluster", tree=["src/api/**"], owner="ref", loop_ts="r1")
        assert r.journaled
        assert ref.heartbeat(rcfg, lane="api", owner="ref", loop_ts="r1")
        assert [l["holder"] for l in ref.live_leases(rcfg)] == ["ref"]
        # Another machine's native client on the same store sees it.
        other = nc.load_workspace_config(str(_workspace(tmp_path / "other", key)))
        assert [l["holder"] for l in ll.live_leases(other)] == ["ref"]
        assert ref.release(rcfg, lane="api", owner="ref", loop_ts="r1")
        assert ll.live_leases(other) == []
    finally:
        dos_native.restore()
    assert not (ws / ".dos" / "lane-journal.jsonl").exists()
