"""Issue 9, the lane journal's pure half on the generated route: the typed
functions rendered from the op table replay the golden corpus, keep the
reference's parameters, and the hand-written companion (the journal file's
functions) is what ``dos_native.lane_journal`` exports under the reference's
file-function names."""
import inspect
import json

import pytest

import dos_native
from dos_native import _lane_journal_files, lane_journal

ref_lj = pytest.importorskip("dos.lane_journal")

#: op -> the typed function's name where it is not the op's own (the
#: companion's file functions own `read_all` and `next_seq`).
RENAMED = {"read_all": "_read_all", "next_seq": "next_seq_of"}
OPS = [
    "read_all", "replay", "compact", "next_seq", "encode_line", "acquire_entry", "release_entry",
    "heartbeat_entry", "adopt_entry", "attempt_entry", "spawn_entry", "scavenge_entry", "halt_entry",
    "refuse_entry", "enforce_entry", "checkpoint_entry",
]
#: The reference's functions of the same name and parameters (the others
#: take a path, a decision object, or read the clock).
SAME_PARAMETERS = ["replay", "compact", "acquire_entry", "release_entry", "heartbeat_entry", "attempt_entry",
                   "spawn_entry", "scavenge_entry", "halt_entry", "refuse_entry", "enforce_entry", "checkpoint_entry",
                   "adopt_entry"]


def _text(v):
    # NaN seqs are in the corpus: compare the JSON texts (NaN != NaN).
    return json.dumps(v, sort_keys=True)


@pytest.mark.parametrize("name", OPS)
def test_typed_functions_replay_the_golden_corpus(golden_dir, name):
    from conftest import read_golden

    fn = getattr(lane_journal, RENAMED.get(name, name))
    ok = refused = 0
    for place, rec in read_golden(golden_dir / f"lane_journal.{name}.jsonl.gz"):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                fn(**args)
            refused += 1
            continue
        assert _text(fn(**args)) == _text(rec["expected"]), place
        ok += 1
    assert ok + refused >= 50 and ok >= 10, (ok, refused)


@pytest.mark.parametrize("name", SAME_PARAMETERS)
def test_typed_functions_keep_the_reference_parameters(name):
    ours = inspect.signature(getattr(lane_journal, name)).parameters
    theirs = inspect.signature(getattr(ref_lj, name)).parameters
    assert list(ours) == list(theirs)
    assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]


def test_the_companion_owns_the_file_functions(tmp_path):
    for name in ("read_all", "tail", "append", "next_seq", "live"):
        assert getattr(lane_journal, name) is getattr(_lane_journal_files, name)
    for name in ("SCHEMA_FAMILY", "LANE_JOURNAL_SCHEMA", "OP_ACQUIRE", "OP_CHECKPOINT", "OP_SPAWN"):
        assert getattr(lane_journal, name) == getattr(ref_lj, name)
    p = tmp_path / "j.jsonl"
    lease = {"lane": "a", "loop_ts": "t", "holder": "h", "tree": ["src/"]}
    lane_journal.append(lane_journal.acquire_entry(lease, reason="go"), p)
    assert lane_journal.read_all(p) == ref_lj.read_all(p)
    assert lane_journal.live(p) == ref_lj.replay(ref_lj.read_all(p)) == lane_journal.replay(lane_journal.read_all(p))
    assert lane_journal.next_seq(p) == ref_lj.next_seq(p) == lane_journal.next_seq_of(lane_journal.read_all(p))
    assert lane_journal._read_all(p.read_text()) == ref_lj.read_all(p)
    assert lane_journal.encode_line(ref_lj.read_all(p)[0]) == p.read_text()


def test_a_null_builder_argument_reads_as_its_default():
    lease = {"lane": "a", "loop_ts": "t"}
    assert lane_journal.release_entry(lease, reason=None) == ref_lj.release_entry(lease)
    assert lane_journal.scavenge_entry(lease, reason=None) == ref_lj.scavenge_entry(lease)
    with pytest.raises(dos_native.DosError):
        lane_journal.attempt_entry("u", outcome=None)


@pytest.fixture
def swapped():
    from dos_native import _adapter
    from dos_native._mapping import LANE_JOURNAL

    _adapter.register(LANE_JOURNAL)
    dos_native.accelerate()
    yield
    dos_native.restore()


def _outcome(f, entries):
    try:
        return ("ok", _text(f(entries)))
    except Exception as e:  # noqa: BLE001 - the same exception type either way
        return ("raised", type(e))


@pytest.mark.parametrize("name", ["replay", "compact"])
def test_accelerated_folds_agree_with_the_reference(golden_dir, swapped, name):
    from conftest import read_golden

    fn = getattr(ref_lj, name)
    assert getattr(fn, "__dos_native_op__", None) == f"lane_journal.{name}"
    original = getattr(fn, "__wrapped__", None)
    assert original is not None
    checked = 0
    for _, rec in read_golden(golden_dir / f"lane_journal.{name}.jsonl.gz"):
        entries = json.loads(rec["request"])["args"].get("entries")
        if not isinstance(entries, list):
            continue
        assert _outcome(fn, entries) == _outcome(original, entries)
        # A tuple inside a record, or an infinite float, is the reference's to answer.
        odd = [dict(e, tree=("a",)) if isinstance(e, dict) else e for e in entries]
        assert _outcome(fn, odd) == _outcome(original, odd)
        checked += 1
    assert checked >= 50
