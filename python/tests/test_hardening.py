"""The exception hierarchy, the panic boundary, and ints read by their own
digits (issue 13 items 2 and 9.6)."""
import json
import pathlib
import re

import pytest

import dos_native
from dos_native import _native

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"


# -- one exception hierarchy ---------------------------------------------------

CLASSES = {
    "BAD_ARGS": (dos_native.BadArgsError, ValueError),
    "BAD_JSON": (dos_native.BadArgsError, ValueError),
    "BAD_REQUEST": (dos_native.BadArgsError, ValueError),
    "ABI_MISMATCH": (dos_native.BadArgsError, ValueError),
    "UNKNOWN_OP": (dos_native.BadArgsError, ValueError),
    "BAD_CONFIG": (dos_native.BadArgsError, ValueError),
    "BUSY": (dos_native.BusyError, TimeoutError),
    "IO_ERROR": (dos_native.DosIOError, OSError),
    "INTERNAL": (dos_native.InternalError, RuntimeError),
}


@pytest.mark.parametrize("code", sorted(CLASSES))
def test_the_code_picks_the_class(code):
    cls, builtin = CLASSES[code]
    e = _native._error(code, "what happened")
    assert type(e) is cls and isinstance(e, dos_native.DosError) and isinstance(e, builtin)
    assert e.code == code and e.message == "what happened" and str(e) == "what happened"
    if isinstance(e, OSError):
        assert e.errno is None  # the message is not read as (errno, strerror)


def test_the_hierarchy_is_one_tree():
    assert dos_native.DosError.__bases__ == (Exception,)
    for cls, builtin in set(CLASSES.values()):
        assert cls.__bases__ == (dos_native.DosError, builtin)
        assert cls.__module__ == "dos_native" and cls is getattr(_native, cls.__name__)
    with pytest.raises(ValueError):
        _native._error("NOT_A_CODE", "x")


def test_dispatch_raises_by_code():
    with pytest.raises(dos_native.BadArgsError) as e:
        dos_native.dispatch("exec_capability.classify_command", {})
    assert e.value.code == "BAD_ARGS"
    with pytest.raises(dos_native.BadArgsError) as e:
        dos_native.dispatch("no.such_op", {})
    assert e.value.code == "UNKNOWN_OP"


def test_no_module_maps_codes_by_hand():
    pkg = pathlib.Path(dos_native.__file__).parent
    for f in pkg.glob("*.py"):
        text = f.read_text()
        assert not re.search(r"\.code\s*==|code\"?\)?\s*==\s*\"(BUSY|IO_ERROR|BAD_ARGS)", text), f.name
        assert "raise TimeoutError" not in text and "raise OSError" not in text, f.name


# -- the panic boundary -----------------------------------------------------------


@pytest.mark.parametrize("where", ["function", "method", "getter", "native"])
def test_a_panic_becomes_internal_error(where):
    with pytest.raises(dos_native.InternalError) as e:
        if where == "function":
            _native._panic_probe("function")
        elif where == "method":
            _native._panic_probe("method").boom()
        elif where == "getter":
            _native._panic_probe("method").value  # noqa: B018 - the getter panics
        else:
            _native._panic_probe("native")(1, x=2)
    assert isinstance(e.value, Exception) and e.value.code == "INTERNAL"
    assert "panic probe" in e.value.message


def test_every_entry_point_is_guarded():
    """Every #[pyfunction] and #[pymethods] block sits under #[crate::guard]."""
    for f in SRC.glob("*.rs"):
        lines = f.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.strip() in ("#[pyfunction]", "#[pymethods]"):
                above = [x.strip() for x in lines[max(0, i - 3):i]]
                assert "#[crate::guard]" in above, f"{f.name}:{i + 1} has no #[crate::guard]"


# -- ints by their own digits -----------------------------------------------------


class Accented(int):
    def __str__(self):
        return "\u00e9" * 30

    __repr__ = __str__


class Dash(int):
    def __str__(self):
        return "-"

    __repr__ = __str__

    def __index__(self):
        raise RuntimeError("__index__ must not be called")

    def __format__(self, spec):
        return "-"


BIG = 2**64 + 7


@pytest.mark.parametrize("cls", [Accented, Dash])
def test_a_big_int_subclass_in_config_overrides(cls):
    """It used to panic (a char-boundary slice of its __str__ text) or read as 0."""
    want = dos_native.dispatch("config.from_toml", {"text": "", "overrides": {"cooldown": {"window_hours": BIG}}})
    got = dos_native.dispatch("config.from_toml", {"text": "", "overrides": {"cooldown": {"window_hours": cls(BIG)}}})
    assert got == want


@pytest.mark.parametrize("value", [Accented(BIG), Dash(BIG), [Dash(-BIG)], {"k": Accented(2**100)}, Dash(5)], ids=range(5))
def test_pyjson_dumps_writes_an_int_subclass_as_json_does(value):
    out = dos_native.dispatch("pyjson.dumps", {"obj": value})["text"]
    assert out == json.dumps(value)
    json.loads(out)


def test_an_int_subclass_keeps_its_value_through_dispatch():
    got = dos_native.dispatch("pyjson.dumps", {"obj": {"n": Dash(-(2**70))}, "sort_keys": True})["text"]
    assert got == '{"n": -1180591620717411303424}'
