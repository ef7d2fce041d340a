"""Typed hook_exit and durable_schema: dos_native against dos-kernel."""
import pytest

dos = pytest.importorskip("dos")
import dos.durable_schema as ref_ds  # noqa: E402
import dos.hook_exit as ref_he  # noqa: E402

from dos_native import DosError  # noqa: E402
from dos_native import durable_schema as ds  # noqa: E402
from dos_native import hook_exit as he  # noqa: E402
from dos_native import intervention  # noqa: E402


def _strip(d):
    d = dict(d)
    d.pop("reason")
    return d


def _policies():
    """(ours, reference) policy pairs."""
    yield he.DEFAULT_POLICY, ref_he.DEFAULT_POLICY
    yield he.DEFAULT_POLICY.with_mapping({3: "DEFER", 0: "OBSERVE"}), ref_he.DEFAULT_POLICY.with_mapping({3: "DEFER", 0: "OBSERVE"})
    yield (
        he.HookExitPolicy(pass_code=2, mapping={7: None, 1: he.Intervention.BLOCK}, fallback=he.Intervention.DEFER),
        ref_he.HookExitPolicy(pass_code=2, mapping={7: None, 1: ref_he.Intervention.BLOCK}, fallback=ref_he.Intervention.DEFER),
    )


@pytest.mark.parametrize("code", [-(2**63), -1, 0, 1, 2, 3, 7, 126, 255, 2**63 - 1])
def test_classify_exit_matches_reference(code):
    for ours_p, ref_p in _policies():
        ours, ref = he.classify_exit(code, ours_p), ref_he.classify_exit(code, ref_p)
        assert _strip(ours.to_dict()) == _strip(ref.to_dict())
        assert ours.passed == ref.passed and ours.matched == ref.matched and ours.code == code
        assert ours.intervention is (None if ref.intervention is None else he.Intervention(ref.intervention.value))
        assert str(code) in ours.reason
        if ours.intervention is not None:
            assert ours.intervention.value in ours.reason


def test_hook_exit_surface():
    assert [(m.name, m.value) for m in intervention.Intervention] == [(m.name, m.value) for m in ref_he.Intervention]
    assert he.Intervention is intervention.Intervention
    assert list(he.HookExitPolicy.__dataclass_fields__) == list(ref_he.HookExitPolicy.__dataclass_fields__)
    assert he.DEFAULT_POLICY.mapping == {2: he.Intervention.BLOCK} and he.DEFAULT_POLICY.fallback is he.Intervention.WARN
    v = he.classify_exit(2)
    assert v == he.classify_exit(code=2) and hash(v) == hash(he.classify_exit(2)) and v != he.classify_exit(3)
    assert repr(v).startswith("ExitVerdict(code=2, intervention=<Intervention.BLOCK: 'BLOCK'>, reason=")
    for name in ref_he.ExitVerdict.__dataclass_fields__:
        assert hasattr(v, name)


def test_hook_exit_generic_path():
    # The reference's policy, a mapping, values the native path refuses.
    p = ref_he.DEFAULT_POLICY.with_mapping({5: "DEFER"})
    assert he.classify_exit(5, p).intervention is he.Intervention.DEFER
    assert he.classify_exit(5, {"mapping": {"5": "BLOCK"}, "fallback": "OBSERVE"}).intervention is he.Intervention.BLOCK
    assert he.classify_exit(2, {"mapping": {"5": "BLOCK"}}).intervention is he.Intervention.WARN
    assert he.classify_exit(9, {"more": {"9": "DEFER"}}).to_dict()["intervention"] == "DEFER"
    with pytest.raises(DosError):
        he.classify_exit("2")
    with pytest.raises(DosError):
        he.classify_exit(2**64)
    with pytest.raises(DosError):
        he.classify_exit(1, {"fallback": "LOUDLY"})


# -- durable_schema ------------------------------------------------------------

SCHEMAS = [
    None, True, False, 0, 1, 2, 5, 2**70, -3, 1.0, "1", [1], {},
    {"family": "x", "version": 1}, {"family": "x", "version": 3}, {"family": "y", "version": 1},
    {"family": "", "version": 2}, {"family": "x", "version": True}, {"family": "x", "version": 0},
    {"family": "x", "version": 1.0}, {"family": 3, "version": 1}, {"family": "x"}, {"version": 1},
    {"family": "x\ud800", "version": 1}, {"family": "x", "version": 2**80},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_classify_matches_reference(schema):
    for record in ({"schema": schema, "op": "X"}, {"op": "X"}):
        for family in ["x", "", "y"]:
            for understands in [0, 1, 2, 4]:
                ours = ds.classify(record, family=family, understands=understands)
                ref = ref_ds.classify(record, family=family, understands=understands)
                assert _strip(ours.to_dict()) == _strip(ref.to_dict())
                assert ours.readability.value in ours.reason
                assert ours.readability.is_soundly_readable == ref.readability.is_soundly_readable
                if ref.tag is not None:
                    assert type(ours.tag) is ds.SchemaTag and ours.tag == ds.SchemaTag(ref.tag.family, ref.tag.version)
                    assert ours.tag.version is ref.tag.version or ours.tag.version == ref.tag.version
                if ref.readability is ref_ds.Readability.UNREADABLE_NEWER:
                    got, want = ds.unreadable_refusal_payload(ours), ref_ds.unreadable_refusal_payload(ref)
                    assert got.pop("detail") == ours.reason
                    want.pop("detail")
                    assert got == want


def test_schema_surface():
    assert ds.tag("intent-ledger") == ref_ds.tag("intent-ledger") == {"schema": {"family": "intent-ledger", "version": 1}}
    assert ds.tag("x", 3) == ref_ds.tag("x", 3) and ds.tag(family="x", version=2) == ref_ds.tag("x", 2)
    for bad in [("",), ("x", 0), (3,)]:
        with pytest.raises(ValueError):
            ds.tag(*bad)
        with pytest.raises(ValueError):
            ref_ds.tag(*bad)
    for obj in [None, True, 0, 4, {"family": "a", "version": 2}, {"family": "a", "version": 0}, {"family": 1}, "x"]:
        ours, ref = ds.SchemaTag.from_obj(obj), ref_ds.SchemaTag.from_obj(obj)
        assert (ours is None) == (ref is None) and (ours is None or ours.to_dict() == ref.to_dict())
    assert [(m.name, m.value) for m in ds.Readability] == [(m.name, m.value) for m in ref_ds.Readability]
    assert list(ds.SchemaTag.__dataclass_fields__) == list(ref_ds.SchemaTag.__dataclass_fields__)
    v = ds.classify({"schema": 3}, family="x", understands=1)
    assert v == ds.classify({"schema": 3}, family="x", understands=1) and v.tag == ds.SchemaTag("", 3)
    assert repr(v).startswith("ReadabilityVerdict(readability=<Readability.UNREADABLE_NEWER")
    for name in ref_ds.ReadabilityVerdict.__dataclass_fields__:
        assert hasattr(v, name)
    assert ds.SCHEMA_KEY == ref_ds.SCHEMA_KEY and ds.SCHEMA_UNREADABLE_REASON == ref_ds.SCHEMA_UNREADABLE_REASON


def test_schema_generic_path():
    class Record(dict):
        pass

    v = ds.classify(Record(schema={"family": "x", "version": 2}), family="x", understands=1)
    assert v.readability is ds.Readability.UNREADABLE_NEWER and v.tag == ds.SchemaTag("x", 2)
    ref_v = ref_ds.classify({"schema": 2}, family="x", understands=1)
    assert ds.unreadable_refusal_payload(ref_v)["requested"] == 2
    with pytest.raises(DosError):
        ds.classify({}, family=3, understands=1)
    with pytest.raises(DosError):
        ds.classify({}, family="x", understands=2**64)
    with pytest.raises(TypeError):
        ds.classify({})


def test_with_mapping_keeps_an_exit_code_beyond_64_bits():
    # The reference's mapping is a dict[int, ...]: a key no i64 holds is kept
    # (and matched by a code equal to it), never dropped.
    huge, neg = 2**70, -(2**64) - 5
    ours = he.DEFAULT_POLICY.with_mapping({huge: he.Intervention.DEFER, 3: he.Intervention.BLOCK, neg: he.Intervention.OBSERVE})
    theirs = ref_he.DEFAULT_POLICY.with_mapping({huge: ref_he.Intervention.DEFER, 3: ref_he.Intervention.BLOCK,
                                                 neg: ref_he.Intervention.OBSERVE})
    assert [(k, v.value) for k, v in ours.mapping.items()] == [(k, v.value) for k, v in theirs.mapping.items()]
    assert list(ours.mapping) == list(theirs.mapping)
