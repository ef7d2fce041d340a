"""Damaged lane journals and what dos-kernel 0.22.0 reads from them.

Writes damaged_journals.json next to this file: for each journal, its
text, the reference's structural live set (`lane_lease.live_leases`), the
logical lines its `read_all` keeps as `_CORRUPT` sentinels, and the first
damaged line under the strict rule (docs/divergences.md, "strict lease
reads"), found from the reference's sentinels plus the lines that parse as
JSON but not as an object or that hold a kept `_CORRUPT` record. Run with
the interpreter that has the reference: `.venv/bin/python tests/strict/gen.py`.
"""
import json
import os
import sys
import tempfile
from pathlib import Path

from dos import config as ref_config, lane_journal, lane_lease

HERE = Path(__file__).resolve().parent


def line(rec: dict) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=False) + "\n"


def acquire(seq: int, lane: str, tree: list) -> str:
    lease = {"lane": lane, "lane_kind": "cluster", "tree": tree, "loop_ts": f"2026-12-01T00:00:{seq:02d}Z",
             "host_id": "h1", "pid": 100 + seq, "holder": f"agent-{seq}", "acquired_at": "2026-12-01T00:00:00Z"}
    return line(lane_journal.acquire_entry(lease, reason=f"lane-lease:agent-{seq}") | {"seq": seq, "ts": "2026-12-01T00:00:00Z"})


def release(seq: int, of: int, lane: str) -> str:
    return line({"op": "RELEASE", "lane": lane, "loop_ts": f"2026-12-01T00:00:{of:02d}Z", "seq": seq,
                 "ts": "2026-12-01T00:00:00Z", "holder": f"agent-{of}", "reason": "done"})


A1, A2, A3 = acquire(1, "docs", ["docs/**"]), acquire(2, "core", ["core/**"]), acquire(3, "ops", ["ops/**"])
R2 = release(4, 2, "core")
CLEAN = A1 + A2 + A3 + R2


def compacted(text: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "j.jsonl"
        p.write_text(text, encoding="utf-8")
        return "".join(line(e) for e in lane_journal.compact(lane_journal.read_all(p)))


CASES = {
    "clean": CLEAN,
    "torn_tail_unterminated": CLEAN + '{"op": "ACQUIRE", "lane": "web", "le',
    "torn_tail_terminated": CLEAN + '{"op": "RELEASE", "lane": "docs"\n',
    "garbage_in_the_middle": A1 + "#!garbage\n" + A2 + A3 + R2,
    "torn_record_repaired_by_a_newline": A1 + A2[: len(A2) // 2] + "\n" + A3 + R2,
    "torn_record_glued_to_the_next": A1 + A2[: len(A2) // 2] + A3 + R2,
    "unparseable_then_a_blank_line": CLEAN + '{"op": "RELEASE"\n\n',
    "two_unparseable_at_the_end": CLEAN + "{x\n{y",
    "crlf_with_a_corrupt_middle": (A1 + "{oops\n" + A2).replace("\n", "\r\n"),
    "not_an_object_in_the_middle": A1 + "[1, 2]\n" + A2,
    "a_compaction_kept_the_sentinel": compacted(A1 + "{bad\n" + A2 + A3) + release(9, 3, "ops"),
}


def first_damage(text: str, entries: list) -> int | None:
    lines = text.splitlines()
    found = []
    for e in entries:
        # A sentinel the reader made stands for the unparseable line it names.
        if e.get("op") == "_CORRUPT" and e.get("_raw") == lines[e["_line"]].strip():
            found.append(e["_line"])
    for i, raw in enumerate(lines):
        s = raw.strip()
        try:
            v = json.loads(s) if s else {}
        except json.JSONDecodeError:
            continue
        if not isinstance(v, dict) or v.get("op") == "_CORRUPT":
            found.append(i)
    return min(found) if found else None


def main() -> None:
    out = []
    with tempfile.TemporaryDirectory() as d:
        cfg = ref_config.default_config(d)
        for name, text in CASES.items():
            p = Path(d) / f"{name}.jsonl"
            p.write_bytes(text.encode("utf-8"))
            os.environ["DISPATCH_LANE_JOURNAL_PATH"] = str(p)
            entries = lane_journal.read_all(p)
            out.append({
                "name": name,
                "journal": text,
                "live": lane_lease.live_leases(cfg),
                "corrupt_lines": [e["_line"] for e in entries if e.get("op") == "_CORRUPT" and "_raw" in e],
                "damage_line": first_damage(text, entries),
            })
            at = out[-1]["damage_line"]
            parts = text.splitlines(keepends=True)
            out[-1]["damage_offset"] = None if at is None else len("".join(parts[:at]).encode("utf-8"))
    (HERE / "damaged_journals.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(out)} journals", file=sys.stderr)


if __name__ == "__main__":
    main()
