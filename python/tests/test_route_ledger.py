"""Issue 9, the intent ledger on the generated route (session 9): the typed
module rendered from the op table replays the golden corpus and keeps the
reference's names and signatures, its records are the reference's (the
checkpoint's classmethods, the state's ``has_intent``), the hand-written
companion owns the file functions, and the accelerate() mappings answer as the
reference does (the appended lines byte for byte)."""
import dataclasses
import importlib
import inspect
import json

import pytest

import dos_native
from dos_native import _intent_ledger_files, intent_ledger as il

ref_il = pytest.importorskip("dos.intent_ledger")

#: op -> the typed function (a leading ``_``: the companion owns the public name).
OPS = {
    "intent_ledger.intent_entry": "intent_entry",
    "intent_ledger.step_claimed_entry": "step_claimed_entry",
    "intent_ledger.step_verified_entry": "step_verified_entry",
    "intent_ledger.suspend_entry": "suspend_entry",
    "intent_ledger.resume_proposed_entry": "resume_proposed_entry",
    "intent_ledger.append_line": "_append_line",
    "intent_ledger.read_all": "_read_all_text",
    "intent_ledger.replay": "replay",
    "intent_ledger.checkpoint_from_record": "_checkpoint_from_record",
    "intent_ledger.checkpoint_absent": "_checkpoint_absent",
}
#: The reference's public functions, each with the same parameters here.
PUBLIC = ["intent_entry", "step_claimed_entry", "step_verified_entry", "suspend_entry", "resume_proposed_entry",
          "replay", "append", "read_all", "run_dir_for", "ledger_path_for", "ledger_now_iso"]


def _noprose(v):
    """``v`` with each schema-gate sentinel's reason (prose: ours, its facts
    in the golden record's `prose`) left out."""
    if isinstance(v, (list, tuple)):
        return [_noprose(x) for x in v]
    if isinstance(v, dict):
        out = {k: _noprose(x) for k, x in v.items()}
        if v.get("op") == "_CORRUPT" and isinstance(v.get("_unreadable"), dict):
            out["_unreadable"] = {**v["_unreadable"], "reason": None}
        return out
    return v


def _text(v):
    if hasattr(v, "to_dict"):
        v = v.to_dict()
    return json.dumps(_noprose(v), sort_keys=True)


@pytest.mark.parametrize("op", sorted(OPS))
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    from conftest import read_golden

    fn = getattr(il, OPS[op])
    ok = refused = 0
    for place, rec in read_golden(golden_dir / f"{op}.jsonl.gz"):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            ref = getattr(ref_il, OPS[op], None)
            try:
                theirs = ref(**args) if ref is not None else None
            except Exception:
                theirs = None
            if theirs is not None and any(k in args and args[k] is None for k in ("step_id", "predecessor_run_id")):
                # A None step or predecessor, which the reference writes as
                # "None": the typed function refuses it, as the envelope does.
                with pytest.raises(dos_native.BadArgsError, match="must be given"):
                    fn(**args)
                refused += 1
                continue
            if theirs is not None:
                # The envelope is stricter than the reference here (it requires
                # sha, which the reference reads as `str(sha or "")`; it takes
                # env only as an object, where the reference's `dict(env)`
                # takes pairs): the typed function answers as the reference.
                assert _text(fn(**args)) == _text(theirs), place
                continue
            # step_regions given as a list: the reference's `.items()` raises
            # AttributeError, as the typed function's resolver does.
            with pytest.raises((dos_native.DosError, TypeError, ValueError, AttributeError)):
                fn(**args)
            refused += 1
            continue
        assert _text(fn(**args)) == _text(rec["expected"]), place
        ok += 1
    assert ok + refused >= (1 if op.endswith("absent") else 200) and ok >= 1, (ok, refused)


@pytest.mark.parametrize("name", PUBLIC)
def test_typed_functions_keep_the_reference_signature(name):
    ours, theirs = inspect.signature(getattr(il, name)), inspect.signature(getattr(ref_il, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]


def test_module_constants_and_records_are_the_reference():
    for name in ["SCHEMA_FAMILY", "INTENT_LEDGER_SCHEMA", "INTENT_JSONL_NAME", "OP_INTENT", "OP_STEP_CLAIMED",
                 "OP_STEP_VERIFIED", "OP_SUSPEND", "OP_RESUME_PROPOSED", "OP_CORRUPT"]:
        assert getattr(il, name) == getattr(ref_il, name), name
    for cls in ["SuspendCheckpoint", "VerifiedStep", "LedgerState"]:
        ours = [(f.name, f.default) for f in dataclasses.fields(getattr(il, cls))]
        theirs = [(f.name, f.default) for f in dataclasses.fields(getattr(ref_il, cls))]
        assert ours == theirs, cls
    assert il.SuspendCheckpoint.absent() == il.SuspendCheckpoint()
    rec = {"transcript_digest": "sha256:ab", "checkpoint_turn": " 7 "}
    assert dataclasses.asdict(il.SuspendCheckpoint.from_record(rec)) == \
        dataclasses.asdict(ref_il.SuspendCheckpoint.from_record(rec))
    assert not il.LedgerState(run_id="R").has_intent
    assert il.LedgerState(run_id="R", declared_steps=["s1"]).has_intent
    assert il.LedgerState(run_id="R", declared_steps=["s1"]).declared_steps == ("s1",)


def _script(m, path):
    """Build, append, read back and fold one ledger with module ``m``."""
    c = m.SuspendCheckpoint(turn_index=3, transcript_digest="sha256:ab", present=True)
    built = [
        m.intent_entry(goal="ship", plan="P", phase="2", start_sha="abc", declared_steps=("s1", "s2"),
                       step_regions={"s1": ["src/**"], "s2": ("docs/*",)}, env={"python": "3.11"}),
        m.step_claimed_entry("s1", "c1"),
        m.step_claimed_entry("s2", None),
        m.step_verified_entry("s1", "c1", via="file-path", verdicts=iter(["SHIPPED", 2])),
        m.suspend_entry(reason="pause", resume_sha="c1", residual=["s2"], checkpoint=c),
        m.resume_proposed_entry(predecessor_run_id="RID-0", residual=["s2"]),
    ]
    stamped = [m.append("RID-1", {**e, "ts": "2026-12-07T00:00:00Z"}, path=path) for e in built]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"op": "INTENT", "schema": {"family": "intent-ledger", "version": 9}}\n{torn')
    records = m.read_all(path=path)
    st = m.replay(records)
    return built, stamped, records, dataclasses.asdict(st), st.has_intent, m.read_all(path=path, understands=9)


def test_the_companion_owns_the_file_functions_and_answers_as_the_reference(tmp_path):
    for name in ["append", "read_all", "run_dir_for", "ledger_path_for", "ledger_now_iso"]:
        assert getattr(il, name) is getattr(_intent_ledger_files, name)
    ours = _script(il, tmp_path / "a" / "intent.jsonl")
    theirs = _script(ref_il, tmp_path / "b" / "intent.jsonl")
    assert _text(ours) == _text(theirs)
    assert (tmp_path / "a" / "intent.jsonl").read_bytes() == (tmp_path / "b" / "intent.jsonl").read_bytes()
    assert ours[3]["corrupt_lines"] == 1 and ours[3]["unreadable_newer"]
    with pytest.raises(ValueError):
        il.read_all()


@pytest.fixture
def swapped():
    from dos_native import _adapter
    from dos_native._mapping import INTENT_LEDGER_SLOWER

    # Declared but not swapped by default (_mapping.SLOWER).
    _adapter.register(INTENT_LEDGER_SLOWER)
    dos_native.accelerate()
    try:
        yield importlib.import_module("dos.intent_ledger")
    finally:
        dos_native.restore()


def test_accelerated_functions_answer_as_the_reference(tmp_path, swapped):
    for name in ["intent_entry", "step_claimed_entry", "step_verified_entry", "suspend_entry",
                 "resume_proposed_entry", "replay"]:
        assert getattr(getattr(swapped, name), "__dos_native_op__", None) == f"intent_ledger.{name}", name
    got = _script(ref_il, tmp_path / "a" / "intent.jsonl")  # swapped: served natively
    st = ref_il.replay(got[2])
    assert type(st) is ref_il.LedgerState
    assert all(type(v) is ref_il.VerifiedStep for v in st.verified.values())
    assert type(st.suspend_checkpoint) is ref_il.SuspendCheckpoint and type(st.declared_steps) is tuple
    dos_native.restore()
    want = _script(ref_il, tmp_path / "b" / "intent.jsonl")
    assert _text(got) == _text(want)
    assert (tmp_path / "a" / "intent.jsonl").read_bytes() == (tmp_path / "b" / "intent.jsonl").read_bytes()


def test_accelerated_builders_fall_back_for_what_the_route_does_not_take(swapped):
    class Step(str):
        pass

    # A str subclass, a generator, a checkpoint of another class: the reference answers.
    assert swapped.step_claimed_entry(Step("s1"), "c")["step_id"] == "s1"
    assert swapped.intent_entry(declared_steps=(s for s in ["a"]))["declared_steps"] == ["a"]

    @dataclasses.dataclass
    class Checkpoint:
        turn_index: object = "4"
        transcript_digest: str = "d"

    assert swapped.suspend_entry(checkpoint=Checkpoint())["checkpoint_turn"] == 4
