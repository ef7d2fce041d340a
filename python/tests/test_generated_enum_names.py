"""The generated typed modules name enum members as the reference does
(``RevertCause.REGRESSED = "regressed"``, not ``regressed``): compared, for
every enum a generated module shares by name with its reference module."""
import enum
import importlib

from dos_native import _routed


def test_generated_enum_members_are_the_references():
    compared = 0
    for name in _routed.__all__:
        ours = importlib.import_module(f"dos_native.{name}")
        try:
            ref = importlib.import_module(f"dos.{name}")
        except ImportError:
            continue
        for cls_name, cls in vars(ours).items():
            theirs = getattr(ref, cls_name, None)
            if not (isinstance(cls, type) and issubclass(cls, enum.Enum) and isinstance(theirs, type)
                    and issubclass(theirs, enum.Enum)):
                continue
            assert {m.name: m.value for m in cls} == {m.name: m.value for m in theirs}, f"{name}.{cls_name}"
            compared += 1
    assert compared >= 30
