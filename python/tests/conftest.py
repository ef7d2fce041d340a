import copy
import gzip
import json
import pathlib

import pytest

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "cases"


@pytest.fixture(scope="session")
def golden_dir():
    if not GOLDEN.is_dir():
        pytest.fail("no golden corpus (run `make golden`)")
    # A plain <op>.jsonl (the corpus's old storage, e.g. from a merge) would go unread.
    plain = sorted(GOLDEN.glob("*.jsonl"))
    if plain:
        pytest.fail(f"{plain[0].name} is not compressed: run `make golden`")
    return GOLDEN


def _apply_patch(base, edits):
    """A patched record: the file's base with each edit ([path] deletes, [path, value] sets) applied."""
    out = copy.deepcopy(base)
    for edit in edits:
        *parents, leaf = edit[0]
        obj = out
        for k in parents:
            obj = obj[k]
        if len(edit) == 1:
            del obj[leaf]
        else:
            obj[leaf] = edit[1]
    return out


def read_golden(path):
    """Yield (place, record) for one corpus file, <op>.jsonl.gz (format: tests/golden/generate.py).

    Each record has `request` (the exact text to send), `error` (the code, or
    None), `expected` (the reference's verdict as a value, None on error),
    `prose` ({path: facts}) and `exact` (the verdict's compact text when the
    line stores it, None for a patched record).
    """
    base = None
    # Each file is a gzip member of UTF-8 lines; newline="\n" splits on line feeds only.
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        for n, line in enumerate(f, 1):
            line_rec = json.loads(line)
            if "base" in line_rec:
                base = line_rec["base"]
                continue
            rec = {"request": line_rec["request"], "error": line_rec.get("error"),
                   "prose": line_rec.get("prose", {}), "exact": line_rec.get("expected"), "expected": None}
            if "patch" in line_rec:
                whole = _apply_patch(base, line_rec["patch"])
                rec["expected"], rec["prose"] = whole["verdict"], whole.get("prose") or {}
            elif rec["exact"] is not None:
                rec["expected"] = json.loads(rec["exact"])
            yield f"{path.name}:{n}", rec


@pytest.fixture(scope="session")
def golden(golden_dir):
    """golden(op) yields (place, record) for op's corpus file; golden() for every file."""

    def read(op=None):
        paths = [golden_dir / f"{op}.jsonl.gz"] if op else sorted(golden_dir.glob("*.jsonl.gz"))
        for p in paths:
            yield from read_golden(p)

    return read


@pytest.fixture(autouse=True)
def _accelerate_registrations_stay_in_their_test():
    """A test that registers more routes with accelerate() (the route tests
    register the ones not swapped by default) takes them back afterwards:
    the next test sees accelerate() as a user does. Functions it swapped
    are put back too."""
    try:
        from dos_native import _accelerate
    except ImportError:  # the native module is not built
        yield
        return
    before = dict(_accelerate._TABLE)
    yield
    import importlib

    for key in [k for k in _accelerate._TABLE if before.get(k) is not _accelerate._TABLE[k]]:
        original = _accelerate._SWAPPED.pop(key, None)
        if original is not None:
            setattr(importlib.import_module(key[0]), key[1], original)
    _accelerate._TABLE.clear()
    _accelerate._TABLE.update(before)


@pytest.fixture
def traced():
    """accelerate() on, and the ops the native route served (fast path or
    route binder) recorded in order, for the length of one test."""
    import dos_native
    from dos_native import _native

    calls = []
    _native._route_trace(calls.append)
    dos_native.accelerate()
    try:
        yield calls
    finally:
        _native._route_trace(None)
        dos_native.restore()
