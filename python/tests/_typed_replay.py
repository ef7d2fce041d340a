"""The golden replay shared by the routed modules' tests: each typed function
of a module answers every record of its ops as the reference did (prose
fields by their facts, every other field exactly)."""
import inspect
import json

import pytest

import dos_native
from dos_native._route import to_plain


def ops_of(golden_dir, module):
    """The module's ops that have a corpus file."""
    return sorted(p.name[: -len(".jsonl.gz")] for p in golden_dir.glob(f"{module}.*.jsonl.gz"))


def take(v, path):
    """Remove the field at a dotted path (decimal segments index lists)."""
    *head, leaf = path.split(".")
    for seg in head:
        if v is None:  # a verdict that is None has no prose (its facts are empty)
            return None
        v = v[int(seg)] if isinstance(v, list) else v.get(seg)
    if v is None:
        return None
    if isinstance(v, list):
        return v.pop(int(leaf))
    return v.pop(leaf, None)


def function_of(typed_module, name):
    """The typed function answering op `module.<name>`: a module function, or
    for `Type.method` the method (or property) called on a `Type` built from
    the record's `self` fields."""
    head, _, meth = name.partition(".")
    if not meth:
        return getattr(typed_module, name)
    cls = getattr(typed_module, head)
    attr = inspect.getattr_static(cls, meth)
    fn = attr.fget if isinstance(attr, property) else attr

    def call(**args):
        this = args.pop("self", None)
        if not isinstance(this, dict):
            raise TypeError("self must be an object")
        return fn(cls(**this), **args)

    return call


def replay_module(golden_dir, module, typed_module, plain=to_plain):
    """Replay every corpus record of `module` through `typed_module`; the
    number of answered records."""
    from conftest import read_golden  # a file may hold patched records over a shared base

    n = 0
    for op in ops_of(golden_dir, module):
        fn = function_of(typed_module, op.split(".", 1)[1])
        for place, rec in read_golden(golden_dir / f"{op}.jsonl.gz"):
            args = json.loads(rec["request"])["args"]
            if rec["error"]:
                with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                    fn(**args)
                continue
            got = plain(fn(**args))
            want = rec["expected"]
            for path, facts in rec["prose"].items():
                text = take(got, path)
                take(want, path)
                for fact in facts:
                    assert fact in text, (place, path, fact, text)
            assert got == want, place
            n += 1
    return n
