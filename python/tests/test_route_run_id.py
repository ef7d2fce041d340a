"""Issue 9, run_id on the generated route (session 10): the typed module
rendered from the op table replays the golden corpus and keeps the
reference's names, signatures, fields and defaults; ``run.json`` is the
reference's byte for byte; the hand-written companion calls the caller's
clock and entropy callables as the reference does and hands their integers
to the generated functions."""
import dataclasses
import inspect
import itertools
import json
import os
import random

import pytest

import dos_native
from dos_native import _run_id_clock, run_id as rid

ref = pytest.importorskip("dos.run_id")

#: op -> the typed function (a leading ``_``: the companion owns the public
#: name, or the reference has none).
OPS = {
    "run_id.is_run_id": "is_run_id",
    "run_id.ts_ms_of": "ts_ms_of",
    "run_id.lineage_env": "lineage_env",
    "run_id.run_json": "_run_json",
    "run_id.mint": "_mint",
    "run_id.mint_child_from_env": "_mint_child_from_env",
}
#: The reference's public functions, each with the same parameters here.
PUBLIC = ["mint", "is_run_id", "ts_ms_of", "lineage_env", "mint_child_from_env", "write_run_json", "read_run_json"]
CONSTANTS = ["PREFIX", "PROCESS_PREFIX", "ENV_RUN_ID", "ENV_PARENT_ID", "ENV_ROOT_ID", "ENV_PROCESS_ID",
             "RUN_JSON_NAME"]


def _plain(v):
    return v.to_dict() if isinstance(v, rid.RunId) else v


@pytest.mark.parametrize("op", sorted(OPS))
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    from conftest import read_golden

    fn = getattr(rid, OPS[op])
    ok = refused = 0
    for place, rec in read_golden(golden_dir / f"{op}.jsonl.gz"):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError)):
                fn(**args)
            refused += 1
            continue
        got = _plain(fn(**args))
        assert json.dumps(got) == json.dumps(rec["expected"]), place
        ok += 1
    assert ok + refused >= 200 and ok >= 1, (ok, refused)


@pytest.mark.parametrize("name", PUBLIC)
def test_typed_functions_keep_the_reference_signature(name):
    def shape(fn):
        out = []
        for p in inspect.signature(fn).parameters.values():
            # A default callable (the clock, the entropy) is compared by name.
            d = p.default.__name__ if callable(p.default) else p.default
            out.append((p.name, p.kind, d))
        return out

    assert shape(getattr(rid, name)) == shape(getattr(ref, name))


def test_module_constants_and_record_are_the_reference():
    for name in CONSTANTS:
        assert getattr(rid, name) == getattr(ref, name), name
    ours = [(f.name, f.default) for f in dataclasses.fields(rid.RunId)]
    theirs = [(f.name, f.default) for f in dataclasses.fields(ref.RunId)]
    assert ours == theirs
    r = rid.RunId(run_id="RID-1KSR49200ZZZZZZ", process_id="PROC-x", parent_id=None, root_id="RID-1KSR49200ZZZZZZ",
                  ts_ms=1780000000000)
    assert r.to_dict() == ref.RunId(**dataclasses.asdict(r)).to_dict()
    assert list(r.to_dict()) == ["run_id", "process_id", "parent_id", "root_id", "ts_ms"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.run_id = "x"  # type: ignore[misc]
    assert rid.mint is _run_id_clock.mint and rid.mint_child_from_env is _run_id_clock.mint_child_from_env


@pytest.mark.parametrize("process_id", ["PROC-x", "fanout", "é😀 \u2028\t\"q\"", "\x00"])
@pytest.mark.parametrize("parent_id", [None, "", "RID-000000000000001"])
def test_run_json_bytes_are_the_reference(tmp_path, process_id, parent_id):
    fields = dict(run_id="RID-1KSR49200ZZZZZZ", process_id=process_id, parent_id=parent_id,
                  root_id="RID-000000000000001", ts_ms=1780000000000)
    ours = rid.write_run_json(tmp_path / "a" / "deep", rid.RunId(**fields))
    theirs = ref.write_run_json(tmp_path / "b" / "deep", ref.RunId(**fields))
    assert isinstance(ours, type(theirs)) and ours.name == theirs.name == "run.json"
    assert ours.read_bytes() == theirs.read_bytes()
    assert rid._run_json(rid.RunId(**fields)).encode("ascii") == theirs.read_bytes()
    assert sorted(os.listdir(tmp_path / "a" / "deep")) == ["run.json"]
    assert rid.read_run_json(tmp_path / "a" / "deep") == ref.read_run_json(tmp_path / "b" / "deep") == fields
    assert rid.read_run_json(str(tmp_path / "a" / "deep")) == fields


def test_read_run_json_answers_none_as_the_reference(tmp_path):
    assert rid.read_run_json(tmp_path / "none") is None is ref.read_run_json(tmp_path / "none")
    for body in [b"{torn", b"\xff\xfe", b"\xef\xbb\xbf{}", b""]:
        (tmp_path / "run.json").write_bytes(body)
        assert rid.read_run_json(tmp_path) is None is ref.read_run_json(tmp_path), body
    (tmp_path / "run.json").write_text('[1, {"a": NaN}]')
    assert json.dumps(rid.read_run_json(tmp_path)) == json.dumps(ref.read_run_json(tmp_path))


def test_write_run_json_reports_a_file_system_failure(tmp_path):
    (tmp_path / "file").write_text("x")
    r = rid.mint("x", clock_ms=lambda: 1, entropy=lambda: 1)
    with pytest.raises(dos_native.DosIOError):
        rid.write_run_json(tmp_path / "file", r)


class _Calls:
    """Callables that record the order they are called in."""

    def __init__(self, clock, entropy):
        self.log = []
        self._clock, self._entropy = clock, entropy

    def clock(self):
        self.log.append("clock")
        return self._clock

    def entropy(self):
        self.log.append("entropy")
        return self._entropy


def _both(fn_name, *args, clock, entropy, **kwargs):
    """Mint with ours and the reference's, each with fresh recording callables."""
    out = []
    for m in (rid, ref):
        c = _Calls(clock, entropy)
        try:
            r = getattr(m, fn_name)(*args, clock_ms=c.clock, entropy=c.entropy, **kwargs)
            out.append((r.to_dict(), c.log))
        except (ValueError, TypeError) as e:
            out.append((type(e) if not isinstance(e, ValueError) else ValueError, c.log))
    return out


def test_the_companion_calls_the_callables_as_the_reference_does():
    rng = random.Random(10)
    tokens = ["RID-1KSR49200ZZZZZZ", "RID-000000000000001", "", "x"]
    for _ in range(300):
        parent = rng.choice([None, *tokens, "run"])
        root = rng.choice([None, *tokens])
        clock = rng.choice([0, 1, 1780000000000, 2**45 - 1, 2**45 + 5, rng.randint(0, 2**46), -1])
        entropy = rng.choice([0, 1, 0x3FFFFFFF, 0x40000000, -1, 2**64 + 3, rng.randint(-2**40, 2**40)])
        pid = rng.choice(["fanout", "PROC-x", "", "é"])
        kwargs = {"root_id": root}
        if parent == "run":
            run = rid.mint("p", clock_ms=lambda: 5, entropy=lambda: 6)
            ours = _both("mint", pid, clock=clock, entropy=entropy, parent=run, **kwargs)
            theirs = _both("mint", pid, clock=clock, entropy=entropy,
                           parent=ref.RunId(**dataclasses.asdict(run)), **kwargs)
            assert ours[0] == theirs[1], (pid, parent, root, clock, entropy)
        else:
            got, want = _both("mint", pid, clock=clock, entropy=entropy, parent=parent, **kwargs)
            assert got == want, (pid, parent, root, clock, entropy)
    # A float clock is int()-ed, a non-int entropy refused, as the reference does.
    got, want = _both("mint", "x", clock=12.9, entropy=3)
    assert got == want and got[0]["ts_ms"] == 12
    got, want = _both("mint", "x", clock=1, entropy=1.5)
    assert got == want and got[0] is TypeError


def test_mint_child_from_env_reads_the_environment_as_the_reference(monkeypatch):
    envs = [{}, {"CID_RUN_ID": "RID-1KSR49200ZZZZZZ"}, {"CID_RUN_ID": "p", "CID_ROOT_ID": "r"},
            {"CID_RUN_ID": "", "CID_ROOT_ID": ""}, {"CID_ROOT_ID": "r", "OTHER": "x"}]
    for env in envs:
        got, want = _both("mint_child_from_env", "child", clock=7, entropy=9, env=env)
        assert got == want, env
        for k in ("CID_RUN_ID", "CID_ROOT_ID"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        got, want = _both("mint_child_from_env", "child", clock=7, entropy=9)
        assert got == want, env
    got, want = _both("mint_child_from_env", "", clock=7, entropy=9, env={})
    assert got == want == (ValueError, [])


def test_the_default_clock_and_entropy_are_libdos_own(monkeypatch):
    monkeypatch.setattr(_run_id_clock, "_counter", itertools.count())
    a, b = rid.mint("t"), rid.mint("t")
    assert rid.is_run_id(a.run_id) and a.run_id != b.run_id and a.root_id == a.run_id
    assert abs(a.ts_ms - _run_id_clock._default_clock_ms()) < 60_000
    assert rid.ts_ms_of(a.run_id) == a.ts_ms
    # Served by libdos: the companion's own default entropy was not called.
    assert next(_run_id_clock._counter) == 0
    e1, e2 = _run_id_clock._default_entropy(), _run_id_clock._default_entropy()
    assert e1 != e2 and 0 <= e1 < 2**30
    child = rid.mint("c", parent=a)
    assert child.parent_id == a.run_id and child.root_id == a.root_id
    env = rid.lineage_env(child)
    assert env == ref.lineage_env(ref.RunId(**dataclasses.asdict(child)))
    grand = rid.mint_child_from_env("g", env=env)
    assert grand.parent_id == child.run_id and grand.root_id == a.run_id


@pytest.fixture
def swapped():
    from dos_native import _adapter
    from dos_native._mapping import RUN_ID_SLOWER

    # The token checks are swapped by default (_mapping.RUN_ID); the rest is
    # declared but not swapped by default (_mapping.SLOWER).
    _adapter.register(RUN_ID_SLOWER)
    dos_native.accelerate()
    try:
        yield ref
    finally:
        dos_native.restore()


def test_accelerated_functions_answer_as_the_reference(swapped, monkeypatch):
    from dos_native import _accelerate

    for name in ["is_run_id", "ts_ms_of", "lineage_env", "mint", "mint_child_from_env"]:
        assert f"dos.run_id.{name}" in _accelerate.accelerated(), name
    # mint and mint_child_from_env behind the seams' guard, the others bare.
    assert swapped.is_run_id.__dos_native_op__ == "run_id.is_run_id"
    for s in ["RID-1KSR49200ZZZZZZ", "rid-1ksr49200zzzzzz", "RID-1KSR49200ZZZZZ", 5, None]:
        assert swapped.is_run_id(s) is (type(s) is str and s == "RID-1KSR49200ZZZZZZ")
    assert swapped.ts_ms_of("RID-1KSR49200ZZZZZZ") == 1780000000000 and swapped.ts_ms_of("x") is None
    root = swapped.mint("fanout")
    assert type(root) is ref.RunId and ref.is_run_id(root.run_id) and root.process_id == "PROC-fanout"
    child = swapped.mint("x", parent=root, root_id="")
    assert type(child) is ref.RunId and (child.parent_id, child.root_id) == (root.run_id, root.run_id)
    env = swapped.lineage_env(child)
    assert type(env) is dict and env == {"CID_RUN_ID": child.run_id, "CID_ROOT_ID": root.run_id,
                                         "CID_PROCESS_ID": "PROC-x", "CID_PARENT_ID": root.run_id}
    grand = swapped.mint_child_from_env("y", env=env)
    assert (grand.parent_id, grand.root_id) == (child.run_id, root.run_id)
    monkeypatch.setenv("CID_RUN_ID", child.run_id)
    monkeypatch.delenv("CID_ROOT_ID", raising=False)
    orphan = swapped.mint_child_from_env("y")
    assert (orphan.parent_id, orphan.root_id) == (child.run_id, child.run_id)
    with pytest.raises(ValueError):
        swapped.mint("")


def test_accelerated_mint_keeps_the_reference_seams(swapped, monkeypatch):
    # A caller's callables: the reference calls them (once each, clock first).
    c = _Calls(1780000000000, 0x3FFFFFFF)
    r = swapped.mint("fanout", clock_ms=c.clock, entropy=c.entropy)
    assert r.run_id == "RID-1KSR49200ZZZZZZ" and c.log == ["clock", "entropy"]
    # A replaced clock primitive: the reference's default clock reads it.
    import time

    monkeypatch.setattr(time, "time", lambda: 1.0)
    assert swapped.mint("x").ts_ms == 1000
    assert swapped.mint_child_from_env("x", env={}).ts_ms == 1000
    monkeypatch.undo()
    assert swapped.mint("x").ts_ms > 1000

    # A parent of another class is the reference's str() of it.
    class Token(str):
        pass

    assert swapped.mint("x", parent=Token("p")).parent_id == "p"
    assert swapped.mint("x", parent=5).parent_id == "5"
