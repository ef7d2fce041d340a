"""The generated typed records as Python objects (not only as mappings).

The golden replay passes records as dicts; these tests build them with the
generated classes and keyword arguments, as a typed caller does.
"""
import dataclasses
import enum
import inspect

import pytest

from dos_native import _mapping, verdict

vd_ref = pytest.importorskip("dos.verdict")


class _Ship(str, enum.Enum):
    YES = "YES"


class _Plain(enum.Enum):
    YES = "YES"


@dataclasses.dataclass(frozen=True)
class _Typed:
    verdict: object = _Ship.YES
    reason: object = "shipped"
    result: object = dataclasses.field(default_factory=lambda: {"verdict": "YES"})
    raises: bool = False

    def to_dict(self):
        if self.raises:
            raise RuntimeError("no")
        return self.result


def _objects():
    return [
        _Typed(),
        _Typed(raises=True),
        _Typed(result=["verdict"]),
        _Typed(result={"reason": "x"}),
        _Typed(reason=7),
        _Typed(verdict=_Plain.YES),
        _Typed(verdict="YES"),
        object(),
    ]


def _typed(d):
    """The reader's description (a mapping, wire names) as the generated record."""
    return verdict.VerdictObject(
        members=d["members"],
        verdict=None if "verdict" not in d else verdict.ValueKind(**d["verdict"]),
        reason_is_str=d.get("reason_is_str"),
        to_dict_=None if "to_dict" not in d else verdict.ToDictOutcome(**d["to_dict"]),
    )


def test_a_field_named_like_a_record_method_keeps_the_method():
    # `VerdictObject` has a field the wire calls `to_dict`: in Python it is
    # `to_dict_`, so the record keeps its `to_dict()` and the field's default
    # stays None (a field spelt `to_dict` took the method as its default).
    v = verdict.VerdictObject(members=[])
    assert v.to_dict_ is None
    assert [f.name for f in dataclasses.fields(v)] == ["members", "verdict", "reason_is_str", "to_dict_"]
    assert v.to_dict() == {"members": [], "verdict": None, "reason_is_str": None, "to_dict": None}
    full = _typed(_mapping.describe_verdict_obj(_Typed(), vd_ref))
    assert full.to_dict()["to_dict"] == {"raised": False, "result": {"verdict": None}}
    assert verdict.VerdictObject._from_dict(full.to_dict()) == full


@pytest.mark.parametrize("obj", _objects(), ids=lambda o: type(o).__name__)
def test_conforms_takes_the_generated_record(obj):
    reference = inspect.unwrap(vd_ref.conforms)
    described = _mapping.describe_verdict_obj(obj, vd_ref)
    assert verdict.conforms(_typed(described)) is reference(obj)
    # The same description as a mapping answers the same.
    assert verdict.conforms(described) is reference(obj)
