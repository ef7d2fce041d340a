"""Strict lease reads and the damaged-journal refusal from Python.

The damaged journals come from tests/strict/damaged_journals.json (made by
tests/strict/gen.py from the reference); here the reference is also run
live on each one. With ``strict`` off, ``dos_native.lane_lease.live_leases``
must return the reference's live set; with it on, a journal with mid-file
damage raises ``DosIOError`` naming the line; ``[lease_store] strict =
true`` turns ``acquire`` into a ``WAL_INTEGRITY`` refusal.
"""
from __future__ import annotations

import json
import pathlib

import pytest

import dos_native
from dos_native import config as nc
from dos_native import lane_lease as nll

ref_ll = pytest.importorskip("dos.lane_lease")
ref_config = pytest.importorskip("dos.config")

REPO = pathlib.Path(__file__).resolve().parents[2]
CASES = json.loads((REPO / "tests" / "strict" / "damaged_journals.json").read_text(encoding="utf-8"))
DAMAGED = [c for c in CASES if c["damage_line"] is not None]


def _norm(leases):
    return json.dumps(leases, sort_keys=True)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_strict_off_is_the_reference_and_strict_on_names_the_damage(case, tmp_path, monkeypatch):
    journal = tmp_path / "lane-journal.jsonl"
    journal.write_bytes(case["journal"].encode("utf-8"))
    monkeypatch.setenv("DISPATCH_LANE_JOURNAL_PATH", str(journal))
    ref_live = ref_ll.live_leases(ref_config.default_config(str(tmp_path)))
    assert _norm(ref_live) == _norm(case["live"])
    for _ in range(2):  # the second read goes through the fold sidecar
        assert _norm(nll.live_leases(journal)) == _norm(ref_live)
        assert _norm(nll.live_leases(journal, strict=False)) == _norm(ref_live)
        if case["damage_line"] is None:
            assert _norm(nll.live_leases(journal, strict=True)) == _norm(ref_live)
            continue
        for expire_dead in (False, True):
            with pytest.raises(dos_native.DosIOError) as err:
                nll.live_leases(journal, expire_dead=expire_dead, strict=True)
            msg = str(err.value)
            assert msg.startswith("WAL_INTEGRITY: ")
            assert f"line {case['damage_line'] + 1} (byte offset {case['damage_offset']})" in msg


def _strict_workspace(tmp_path, text: str, strict: bool):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "dos.toml").write_text(f"[lease_store]\nstrict = {'true' if strict else 'false'}\n", encoding="utf-8")
    cfg = nc.load_workspace_config(str(root))
    journal = pathlib.Path(cfg.to_dict()["paths"]["lane_journal"])
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(text.encode("utf-8"))
    return cfg, journal


@pytest.mark.parametrize("case", DAMAGED, ids=[c["name"] for c in DAMAGED])
def test_lease_store_strict_refuses_with_wal_integrity(case, tmp_path):
    cfg, journal = _strict_workspace(tmp_path, case["journal"], strict=True)
    assert cfg.warnings == []
    assert cfg.to_dict()["lease_store"] == {"strict": True, "url": None, "workspace": "default"}
    before = journal.read_bytes()
    out = nll.acquire(cfg, lane="web", kind="keyword", tree=["web/**"], owner="agent-9", loop_ts="L9")
    assert out.decision.outcome == "refuse" and out.journaled is False
    assert out.decision.reason.startswith("WAL_INTEGRITY: ")
    assert f"line {case['damage_line'] + 1} (byte offset {case['damage_offset']})" in out.decision.reason
    # The refusal is journaled as any refusal is, with its reason class.
    added = journal.read_bytes()[len(before):].decode("utf-8").strip().splitlines()
    assert [json.loads(x)["reason_class"] for x in added] == ["WAL_INTEGRITY"]
    assert all(lease["holder"] != "agent-9" for lease in nll.live_leases(journal))


@pytest.mark.parametrize("strict", [False, True])
def test_acquire_arbitrates_when_the_journal_is_whole_or_strict_is_off(strict, tmp_path):
    case = next(c for c in CASES if c["name"] == ("torn_tail_unterminated" if strict else "garbage_in_the_middle"))
    cfg, _ = _strict_workspace(tmp_path, case["journal"], strict=strict)
    assert ("lease_store" in cfg.to_dict()) is strict  # the default config reads as the reference's
    out = nll.acquire(cfg, lane="web", kind="keyword", tree=["web/**"], owner="agent-9", loop_ts="L9")
    assert out.decision.outcome == "acquire" and out.journaled is True


def test_the_table_round_trips_and_rejects_unknown_keys():
    cfg = nc.Config.from_dict({"lease_store": {"strict": True, "url": "postgresql://db/x"}})
    assert cfg.to_dict()["lease_store"] == {"strict": True, "url": "postgresql://db/x", "workspace": "default"}
    # An unknown key rejects the table (a warning; strict stays off), as for the other tables.
    bad = nc.Config.from_dict({"lease_store": {"strict": True, "strickt": 1}})
    assert [(w["table"], w["key"]) for w in bad.warnings] == [("lease_store", "strickt")]
    assert "lease_store" not in bad.to_dict()


@pytest.mark.parametrize("strict", [True, False])
def test_the_accelerated_reference_acquire_honours_the_workspace_strict(strict, tmp_path):
    """``accelerate()`` swaps the reference's ``lane_lease.acquire``; the
    reference's config carries no ``[lease_store]``, so the swap reads the
    workspace's dos.toml for ``strict``: on, a damaged journal is the
    ``WAL_INTEGRITY`` refusal; off, the reference's own arbitration."""
    case = next(c for c in DAMAGED if c["name"] == "garbage_in_the_middle")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "dos.toml").write_text(f"[lease_store]\nstrict = {'true' if strict else 'false'}\n", encoding="utf-8")
    journal = root / ".dos" / "lane-journal.jsonl"
    journal.parent.mkdir(parents=True)
    journal.write_bytes(case["journal"].encode("utf-8"))
    plain_cfg = ref_config.load_workspace_config(root)
    assert pathlib.Path(plain_cfg.paths.lane_journal) == journal
    expected = ref_ll.acquire(plain_cfg, lane="web", kind="keyword", tree=["web/**"], owner="agent-9", loop_ts="L9")
    journal.write_bytes(case["journal"].encode("utf-8"))
    swapped = dos_native.accelerate()
    try:
        assert "dos.lane_lease.acquire" in swapped
        cfg = ref_config.load_workspace_config(root)
        out = ref_ll.acquire(cfg, lane="web", kind="keyword", tree=["web/**"], owner="agent-9", loop_ts="L9")
    finally:
        dos_native.restore()
    d = out.decision.to_dict()
    if strict:
        assert d["outcome"] == "refuse" and out.journaled is False
        assert d["reason"].startswith("WAL_INTEGRITY: ")
        added = journal.read_bytes()[len(case["journal"].encode("utf-8")):].decode("utf-8").strip().splitlines()
        assert [json.loads(x)["reason_class"] for x in added] == ["WAL_INTEGRITY"]
    else:
        assert (d["outcome"], out.journaled) == (expected.decision.to_dict()["outcome"], expected.journaled)
