"""accelerate() for tool_stream, posttool_sensor, hook_exit, durable_schema and
_tree: the reference's behaviour with and without native functions swapped in.

Every call is made through the reference's own module. Served natively, the
answer must have the reference's types and decision fields (the prose is
libdos's); handed to the fallback, it must be the reference's answer itself
(prose and exceptions included).
"""
import random

import pytest
from _parity import outcome

dos = pytest.importorskip("dos")
import dos._tree as ref_tree  # noqa: E402
import dos.durable_schema as ref_ds  # noqa: E402
import dos.hook_exit as ref_he  # noqa: E402
import dos.posttool_sensor as ref_ps  # noqa: E402
import dos.tool_stream as ref_ts  # noqa: E402

import dos_native  # noqa: E402


_outcome = outcome


def _calls(rng):
    """(function, args, kwargs) over the reference's modules, looked up at call time."""
    out = []
    tools = ["Read", "read", "READ", "Poll", "straße", "STRASSE"]
    for _ in range(150):
        n = rng.randint(0, 8)
        steps = tuple(
            ref_ts.StreamStep(rng.choice(tools), rng.choice("ab"), rng.choice(["r", "r", "s", None]))
            for _ in range(n)
        )
        policy = rng.choice([None, ref_ts.StreamPolicy(2, 3), ref_ts.StreamPolicy(1, 1, frozenset({"poll", "Strasse"}))])
        args = (ref_ts.ToolStream(steps),) if policy is None else (ref_ts.ToolStream(steps), policy)
        out.append((ref_ts, "classify_stream", args, {}))
    for _ in range(100):
        event = {"tool_name": rng.choice(tools + ["", None]), "tool_input": rng.choice([None, {"a": 1}, {"q": "é", "n": [1.5]}])}
        if rng.random() < 0.7:
            event[rng.choice(["tool_response", "tool_output"])] = rng.choice([None, "x", {"k": [1, 2]}, 0, "\ud800"])
        out.append((ref_ps, "step_from_event", (event,), {}))
    policies = [None, ref_he.DEFAULT_POLICY.with_mapping({3: "DEFER"}), ref_he.HookExitPolicy(pass_code=1, mapping={4: None})]
    for _ in range(100):
        p = rng.choice(policies)
        code = rng.choice([0, 1, 2, 3, 4, 127, -1, 2**40])
        out.append((ref_he, "classify_exit", (code,) if p is None else (code, p), {}))
    schemas = [None, 1, 3, True, "x", {"family": "x", "version": 2}, {"family": "y", "version": 1}, {"family": "", "version": 1}]
    for _ in range(100):
        rec = {"schema": rng.choice(schemas)} if rng.random() < 0.8 else {}
        kw = {"family": rng.choice(["x", "", "y"]), "understands": rng.choice([0, 1, 2])}
        out.append((ref_ds, "classify", (rec,), kw))
    for fam, ver in [("x", 1), ("x", 3), ("y", 2)]:
        out.append((ref_ds, "tag", (fam, ver), {}))
    entries = ["**/*", "src/", "SRC/x", "docs/UI-*", "docs/ui-x", "", None, "Straße/", "strasse/a"]
    for _ in range(100):
        a = [rng.choice(entries) for _ in range(rng.randint(0, 3))]
        b = [rng.choice(entries) for _ in range(rng.randint(0, 3))]
        out.append((ref_tree, "lane_trees_disjoint", (a, b), {}))
        out.append((ref_tree, "norm_tree_prefix", (rng.choice(entries),), {}))
        out.append((ref_tree, "prefixes_collide", (rng.choice(entries) or "", rng.choice(entries) or ""), {}))
    trees = {"a": ["src/a/"], "b": ["docs/"], "c": [], "d": ["**/*"]}
    for _ in range(50):
        live = [{"lane": rng.choice(["a", "b", "c", "d", "", None])} for _ in range(rng.randint(0, 3))]
        out.append((ref_tree, "tree_disjoint_from_all_live", (), {
            "requested_tree": rng.choice([["tests/"], ["src/"], []]), "live": live, "sibling_tree_lookup": trees.get,
        }))
    return out


def _run_all(calls):
    return [_outcome(getattr(mod, fn), *a, **kw) for mod, fn, a, kw in calls]


def test_swapped_functions_keep_the_reference_answers():
    dos_native.restore()
    calls = _calls(random.Random(11))
    plain = _run_all(calls)
    swapped = dos_native.accelerate()
    try:
        for name in ["dos.tool_stream.classify_stream", "dos.posttool_sensor.step_from_event",
                     "dos.hook_exit.classify_exit", "dos.durable_schema.classify", "dos.durable_schema.tag",
                     "dos._tree.lane_trees_disjoint", "dos._tree.tree_disjoint_from_all_live"]:
            assert name in swapped
        fast = _run_all(calls)
        # Served natively: the reference's own types, with libdos's prose.
        v = ref_ts.classify_stream(ref_ts.ToolStream((ref_ts.StreamStep("R", "a", "r"),) * 3))
        assert type(v) is ref_ts.StreamVerdict and v.state is ref_ts.StreamState.REPEATING
        assert v.reason.startswith("REPEATING")
        assert type(ref_he.classify_exit(2)) is ref_he.ExitVerdict
        assert ref_he.classify_exit(2).intervention is ref_he.Intervention.BLOCK
        r = ref_ds.classify({"schema": 3}, family="x", understands=1)
        assert type(r) is ref_ds.ReadabilityVerdict and type(r.tag) is ref_ds.SchemaTag
        assert type(ref_ps.step_from_event({"tool_name": "T"})) is ref_ts.StreamStep
    finally:
        dos_native.restore()
    assert fast == plain
    assert _run_all(calls) == plain


class _Lookup:
    """A lookup that records its calls (the reference calls it lazily)."""

    def __init__(self, trees, boom=()):
        self.trees, self.boom, self.calls = trees, boom, []

    def __call__(self, lane):
        self.calls.append(lane)
        if lane in self.boom:
            raise RuntimeError("lookup failed")
        return self.trees.get(lane)


def test_lookup_is_called_as_the_reference_calls_it():
    trees = {"a": ["src/a/"], "b": ["src/"], "c": ["docs/"]}
    cases = [
        ([{"lane": "c"}, {"lane": "b"}, {"lane": "a"}], ()),
        ([{"lane": "c"}, {"lane": "x"}, {"lane": "a"}], ()),
        ([{"lane": "c"}, {"lane": "a"}], ("c",)),
        ([{"lane": "c"}, {"lane": ""}, {"lane": "a"}], ()),
        ([{"lane": "c"}, {"lane": "c"}], ()),
    ]
    dos_native.restore()
    want = []
    for live, boom in cases:
        lk = _Lookup(trees, boom)
        want.append((ref_tree.tree_disjoint_from_all_live(requested_tree=["tests/"], live=live, sibling_tree_lookup=lk), lk.calls))
    dos_native.accelerate()
    try:
        got = []
        for live, boom in cases:
            lk = _Lookup(trees, boom)
            got.append((ref_tree.tree_disjoint_from_all_live(requested_tree=["tests/"], live=live, sibling_tree_lookup=lk), lk.calls))

        def interrupted(lane):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ref_tree.tree_disjoint_from_all_live(requested_tree=["x/"], live=[{"lane": "a"}], sibling_tree_lookup=interrupted)
    finally:
        dos_native.restore()
    assert got == want


class _Str(str):
    pass


def _fallback_calls():
    """Calls the native side does not take: the original answers them."""
    big = 2**70
    return [
        (ref_ts, "classify_stream", (ref_ts.ToolStream([ref_ts.StreamStep("R", "a", "r")] * 3),), {}),
        (ref_ts, "classify_stream", (ref_ts.ToolStream((ref_ts.StreamStep(_Str("R"), "a", "r"),) * 3),), {}),
        (ref_ts, "classify_stream", (ref_ts.ToolStream((ref_ts.StreamStep("R", "a", b"r"),) * 3),), {}),
        (ref_ts, "classify_stream", (ref_ts.ToolStream((ref_ts.StreamStep(1, "a", "r"),) * 3),), {}),
        (ref_ts, "classify_stream", (ref_ts.ToolStream((ref_ts.StreamStep("R", "a", "r"),) * 3), ref_ts.StreamPolicy(2, 3, frozenset({1}))), {}),
        (ref_ts, "classify_stream", ({"steps": ()},), {}),
        (ref_ps, "step_from_event", ({"tool_name": _Str("T")},), {}),
        (ref_ps, "step_from_event", ({"tool_name": "T", "tool_input": {1: 2}},), {}),
        (ref_ps, "step_from_event", ({"tool_name": "T", "tool_input": {"s": {1}}},), {}),
        (ref_ps, "step_from_event", ({"tool_name": "T", "tool_response": ref_ts.DEFAULT_POLICY},), {}),
        (ref_he, "classify_exit", (True,), {}),
        (ref_he, "classify_exit", (2.0,), {}),
        (ref_he, "classify_exit", (big,), {}),
        (ref_he, "classify_exit", (2, ref_he.HookExitPolicy(mapping={2: "BLOCK"})), {}),
        (ref_ds, "classify", ({"schema": {"family": _Str("x"), "version": 1}},), {"family": "x", "understands": 1}),
        (ref_ds, "classify", ({"schema": 1},), {"family": "x", "understands": big}),
        (ref_ds, "classify", ({"schema": 1}, "x", 1), {}),
        (ref_ds, "tag", ("",), {}),
        (ref_ds, "tag", ("x", 0), {}),
        (ref_ds, "tag", ("x", 1.5), {}),
        (ref_tree, "lane_trees_disjoint", ({"src/"}, ["docs/"]), {}),
        (ref_tree, "lane_trees_disjoint", (["src/", 3], ["docs/"]), {}),
        (ref_tree, "norm_tree_prefix", (0,), {}),
        (ref_tree, "prefixes_collide", (_Str("a"), "a"), {}),
    ]


def test_fallback_keeps_the_reference_answer():
    dos_native.restore()
    want = [_outcome(getattr(m, f), *a, **kw) for m, f, a, kw in _fallback_calls()]
    import dos.posttool_sensor  # noqa: F401 - swapped only once imported

    dos_native.accelerate()
    try:
        got = [_outcome(getattr(m, f), *a, **kw) for m, f, a, kw in _fallback_calls()]
        # The fallback answers with the reference's own prose.
        v = ref_ts.classify_stream(ref_ts.ToolStream((ref_ts.StreamStep(_Str("R"), "a", "r"),) * 3))
        assert "repeated 3 consecutive times" in v.reason
        # A list of steps is served natively (the reference reads lists too).
        v = ref_ts.classify_stream(ref_ts.ToolStream([ref_ts.StreamStep("R", "a", "r")] * 3))
        assert v.reason.startswith("REPEATING")
    finally:
        dos_native.restore()
    assert got == want
    assert {kind for kind, _ in got} == {"ok", "raised"}


def test_posttool_sensor_waits_for_its_import():
    import subprocess
    import sys

    code = (
        "import sys, dos_native; dos_native.accelerate();"
        "a = 'dos.posttool_sensor.step_from_event' in dos_native.accelerated();"
        "b = 'dos.posttool_sensor' in sys.modules;"
        "import dos.posttool_sensor; dos_native.accelerate();"
        "c = 'dos.posttool_sensor.step_from_event' in dos_native.accelerated();"
        "print(a, b, c)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "True"]


def test_swapped_functions_keep_the_originals_defaults():
    # The reference's own tests read `fn.__defaults__` (test_answer_shape's
    # test_generic_policy_is_the_default); a native callable answers them as
    # the original does.
    import importlib

    dos_native.accelerate()
    try:
        for name in dos_native.accelerated():
            mod, attr = name.rsplit(".", 1)
            fn = getattr(importlib.import_module(mod), attr)
            original = fn.__wrapped__ if hasattr(fn, "__wrapped__") else fn
            while hasattr(original, "__wrapped__"):
                original = original.__wrapped__
            fn = getattr(fn, "__dos_native_fast__", fn)
            if type(fn).__name__ != "NativeCallable" or not hasattr(original, "__defaults__"):
                continue
            assert fn.__defaults__ == original.__defaults__, name
            assert fn.__kwdefaults__ == original.__kwdefaults__, name
    finally:
        dos_native.restore()
