"""Typed tool_stream and posttool_sensor: dos_native against dos-kernel.

Decision fields must equal the reference's; reasons and the advisory text are
libdos's own prose, checked for the facts they must carry.
"""
import pickle

import pytest

dos = pytest.importorskip("dos")
import dos.posttool_sensor as ref_ps  # noqa: E402
import dos.tool_stream as ref_ts  # noqa: E402

import dos_native  # noqa: E402
from dos_native import DosError  # noqa: E402
from dos_native import durable_schema as ds  # noqa: E402
from dos_native import posttool_sensor as ps  # noqa: E402
from dos_native import tool_stream as ts  # noqa: E402


def _strip(d):
    d = dict(d)
    d.pop("reason")
    return d


def _both(keys, policy=None):
    """The same stream, built with each side's classes."""
    ours = ts.ToolStream(tuple(ts.StreamStep(*k) for k in keys))
    ref = ref_ts.ToolStream(tuple(ref_ts.StreamStep(*k) for k in keys))
    if policy is None:
        return ts.classify_stream(ours), ref_ts.classify_stream(ref)
    return ts.classify_stream(ours, ts.StreamPolicy(**policy)), ref_ts.classify_stream(ref, ref_ts.StreamPolicy(**policy))


CASES = [
    ([], None),
    ([("Read", "a", "r")], None),
    ([("Read", "a", "r")] * 2, None),
    ([("Read", "a", "r")] * 3, None),
    ([("Read", "a", "r")] * 5, None),
    ([("Read", "a", "r")] * 64, None),
    ([("READ", "a", "r"), ("read", "a", "r"), ("Read", "a", "r")], None),
    ([("Read", "a", "r"), ("Read", "a", None), ("Read", "a", "r")], None),
    ([("Read", "a", "r"), ("Read", "a", "r"), ("Read", "a", None)], None),
    ([("Read", "a", "r"), ("Read", "b", "r"), ("Read", "b", "r")], None),
    ([("straße", "a", "r")] * 4, {"repeat_n": 2, "stall_n": 5, "ignore_tools": frozenset({"STRASSE"})}),
    ([("Poll", "a", "r")] * 4, {"repeat_n": 2, "stall_n": 3, "ignore_tools": frozenset({"other"})}),
    ([("Read", "a", "r")], {"repeat_n": 1, "stall_n": 2}),
    ([("ǅ", "a", "r"), ("ǆ", "a", "r"), ("Ǆ", "a", "r")], None),
    ([("x\ud800", "a", "r")] * 3, None),
]


@pytest.mark.parametrize("keys, policy", CASES)
def test_classify_stream_matches_reference(keys, policy):
    ours, ref = _both(keys, policy)
    assert _strip(ours.to_dict()) == _strip(ref.to_dict())
    assert type(ours) is ts.StreamVerdict and ours.state is ts.StreamState(ref.state.value)
    assert ours.state.value in ours.reason and str(ours.repeat_run) in ours.reason
    if ours.repeated_step is not None:
        # The verdict carries the caller's own latest step object.
        assert ours.repeated_step.tool_name == keys[-1][0]


def test_verdict_echoes_the_latest_step_object():
    steps = tuple(ts.StreamStep("Read", "a", "r") for _ in range(3))
    v = ts.classify_stream(ts.ToolStream(steps))
    assert v.repeated_step is steps[-1]
    assert ts.classify_stream(ts.ToolStream(steps[:1])).repeated_step is None


def test_stream_step_is_a_value():
    s = ts.StreamStep("Read", "a")
    assert s.result_digest is None
    assert s == ts.StreamStep(tool_name="Read", args_digest="a", result_digest=None)
    assert s != ts.StreamStep("Read", "a", "r")
    assert hash(s) == hash(ts.StreamStep("Read", "a"))
    assert repr(s) == "StreamStep(tool_name='Read', args_digest='a', result_digest=None)"
    assert pickle.loads(pickle.dumps(s)) == s
    assert s.to_dict() == {"tool_name": "Read", "args_digest": "a", "result_digest": None}
    with pytest.raises(AttributeError):
        s.tool_name = "x"


def test_names_and_defaults():
    assert [(m.name, m.value) for m in ts.StreamState] == [(m.name, m.value) for m in ref_ts.StreamState]
    assert ts.DEFAULT_POLICY.repeat_n == ref_ts.DEFAULT_POLICY.repeat_n
    assert ts.DEFAULT_POLICY.stall_n == ref_ts.DEFAULT_POLICY.stall_n
    assert ts.DEFAULT_POLICY.ignore_tools == ref_ts.DEFAULT_POLICY.ignore_tools
    for cls in ["StreamPolicy", "ToolStream", "StreamVerdict"]:
        assert list(getattr(ts, cls).__dataclass_fields__) == list(getattr(ref_ts, cls).__dataclass_fields__)
    with pytest.raises(ValueError):
        ts.StreamPolicy(repeat_n=0)
    with pytest.raises(ValueError):
        ts.StreamPolicy(repeat_n=4, stall_n=3)


def test_other_inputs_take_the_generic_path():
    keys = [("Read", "a", "r")] * 3
    want = _strip(ts.classify_stream(ts.ToolStream(tuple(ts.StreamStep(*k) for k in keys))).to_dict())
    mapping = {"steps": [{"tool_name": t, "args_digest": a, "result_digest": r} for t, a, r in keys]}
    assert _strip(ts.classify_stream(mapping).to_dict()) == want
    ref_stream = ref_ts.ToolStream(tuple(ref_ts.StreamStep(*k) for k in keys))
    v = ts.classify_stream(ref_stream, ref_ts.StreamPolicy(repeat_n=2, stall_n=3))
    assert v.state is ts.StreamState.STALLED and type(v.repeated_step) is ts.StreamStep
    assert ts.classify_stream(ts.ToolStream(tuple(ts.StreamStep(*k) for k in keys)), None).state is ts.StreamState.REPEATING
    with pytest.raises(DosError):
        ts.classify_stream({"steps": [{"tool_name": 1, "args_digest": "a"}]})
    with pytest.raises(DosError):
        ts.classify_stream(mapping, {"repeat_n": 0})


def test_policy_from_table_and_toml(tmp_path):
    for table in [None, {}, {"repeat_n": 2}, {"ignore_tools": "Poll"}, {"ignore_tools": ["a", "B"], "stall_n": "7"}]:
        ours, ref = ts.policy_from_table(table), ref_ts.policy_from_table(table)
        assert (ours.repeat_n, ours.stall_n, ours.ignore_tools) == (ref.repeat_n, ref.stall_n, ref.ignore_tools)
    assert ts.policy_from_table({}) == ts.DEFAULT_POLICY
    with pytest.raises(DosError):
        ts.policy_from_table({"repeat_n": "x"})
    p = tmp_path / "dos.toml"
    assert ts.load_from_toml(p) is ts.DEFAULT_POLICY
    p.write_text('[tool_stream]\nrepeat_n = 2\nignore_tools = ["Poll"]\n', encoding="utf-8")
    got = ts.load_from_toml(p)
    assert (got.repeat_n, got.stall_n, got.ignore_tools) == (2, 5, frozenset({"Poll"}))
    p.write_text("[other]\nx = 1\n", encoding="utf-8")
    base = ts.StreamPolicy(repeat_n=4, stall_n=4)
    assert ts.load_from_toml(p, base=base) is base


# -- posttool_sensor -----------------------------------------------------------

EVENTS = [
    {"tool_name": "Read", "tool_input": {"file_path": "/x", "limit": 10}, "tool_response": "hello"},
    {"tool_name": "Read", "tool_input": {"b": 1, "a": [1.0, "\ud800", None, True]}, "tool_output": "x\ud800"},
    {"tool_name": "Bash", "tool_input": None, "tool_response": {"stdout": "ok", "code": 0}},
    {"tool_name": "Bash", "tool_response": None, "tool_output": 0},
    {"tool_name": "Bash", "tool_response": None},
    {"tool_name": "Grep", "tool_input": {"q": "é ✓ \u2028"}, "tool_response": [1, 2.5, 1e300, float("nan")]},
    {"tool_name": "Big", "tool_input": {"n": 2**80, "m": -(2**70)}, "tool_response": (1, 2)},
    {"tool_name": "ß", "tool_input": {}, "tool_response": ""},
    {"tool_name": ""},
    {"tool_name": 5},
    {"session_id": "s"},
    {},
]


@pytest.mark.parametrize("event", EVENTS)
def test_step_from_event_matches_reference(event):
    ours, ref = ps.step_from_event(event), ref_ps.step_from_event(event)
    if ref is None:
        assert ours is None
        return
    assert type(ours) is ts.StreamStep
    assert (ours.tool_name, ours.args_digest, ours.result_digest) == (ref.tool_name, ref.args_digest, ref.result_digest)


def test_step_from_event_outside_json():
    assert ps.step_from_event("not a dict") is None and ps.step_from_event(None) is None
    assert ps.step_from_event({"tool_name": "X"}, policy=ts.DEFAULT_POLICY) is not None
    with pytest.raises(TypeError):
        ps.step_from_event({"tool_name": "X", "tool_input": {1: "non-str key"}})
    with pytest.raises(TypeError):
        ps.step_from_event({"tool_name": "X", "tool_response": {"s": {1, 2}}})


@pytest.mark.parametrize("value", ["", "abc", "x\ud800", {"b": [1, 2.0], "a": None}, [True, 1e-7], 3, 2**70, 0.1])
def test_digest_helpers_match_reference(value):
    assert ps.canonical_bytes(value) == ref_ps._canonical_bytes(value)
    assert ps.result_digest(value) == ref_ps._digest(ref_ps._canonical_bytes(value))
    assert ps.digest(b"hello") == ref_ps._digest(b"hello")
    step = ref_ps.step_from_event({"tool_name": "T", "tool_input": value})
    assert ps.args_digest("T", value) == step.args_digest
    with pytest.raises(TypeError):
        ps.result_digest(object())


def test_warn_payload():
    same = [("Read", "a", "r")] * 5
    for keys in [same[:1], same[:3], same]:
        ours, ref = _both(keys)
        got, want = ps.warn_payload(ours), ref_ps.warn_payload(ref)
        if want is None:
            assert got is None
            continue
        assert set(got) == {"hookSpecificOutput"} and set(got["hookSpecificOutput"]) == set(want["hookSpecificOutput"])
        inner = got["hookSpecificOutput"]
        assert inner["hookEventName"] == "PostToolUse"
        text = inner["additionalContext"]
        for fact in [ours.state.value, "`Read`", str(ours.repeat_run), "r", ours.reason]:
            assert fact in text
    # The reference's verdicts and mappings take the generic path.
    ref_v = ref_ts.classify_stream(ref_ts.ToolStream(tuple(ref_ts.StreamStep(*k) for k in same)))
    assert ps.warn_payload(ref_v)["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    assert ps.warn_payload(ref_v.to_dict()) == ps.warn_payload(ref_v)
    with pytest.raises(DosError):
        ps.warn_payload({"state": "SOMETIMES", "repeat_run": 1, "repeated_step": None, "reason": "x"})


def test_native_paths_serve_the_typed_classes():
    steps = ts.ToolStream(tuple(ts.StreamStep("R", "a", "r") for _ in range(3)))
    assert ts.classify_stream.__self__.native_only(steps) is not NotImplemented
    assert ps.step_from_event.__self__.native_only(EVENTS[0]) is not NotImplemented
    assert ps.warn_payload.__self__.native_only(ts.classify_stream(steps)) is not NotImplemented
    assert ts.classify_stream.__name__ == "classify_stream" and "stall" in ts.classify_stream.__doc__
    assert ts.classify_stream.__module__ == "dos_native.tool_stream"
    assert dos_native.tool_stream.classify_stream.__self__.native_op == "tool_stream.classify_stream"
    # The native function object behaves like the function itself.
    assert ts.classify_stream.__self__(steps).state is ts.StreamState.REPEATING
    assert ts.classify_stream.__self__.fallback.__name__ == "classify_stream"


def test_signatures_are_the_python_functions_own():
    import inspect

    # inspect follows __wrapped__ to the Python function the native one
    # stands for: parameters, defaults (objects included) and annotations.
    for fn in (ds.classify, ps.step_from_event, ts.classify_stream, ps.warn_payload):
        assert inspect.signature(fn) == inspect.signature(fn.__wrapped__)
        assert fn.__wrapped__ is fn.__self__.fallback or fn.__wrapped__.__name__ == fn.__name__
    # durable_schema.classify is generated from the op table: its record is
    # annotated as the op's dict (the reference's says Mapping).
    assert str(inspect.signature(ds.classify)).startswith(
        "(record: 'dict[str, Any]', *, family: 'str', understands: 'int')")
    assert inspect.signature(ts.classify_stream).parameters["policy"].default is ts.DEFAULT_POLICY


def test_exempt_tools_may_hold_lone_surrogates():
    # frozenset[str] on the route is a set of Python strings, lone surrogates kept.
    keys = [("x\ud800", "a", "r")] * 3 + [("X\ud800", "a", "r")] * 2
    for ignore in [frozenset({"X\ud800"}), frozenset({"\udfff", "y"}), frozenset()]:
        ours = ts.classify_stream(ts.ToolStream(tuple(ts.StreamStep(*k) for k in keys)), ts.StreamPolicy(ignore_tools=ignore))
        ref = ref_ts.classify_stream(ref_ts.ToolStream(tuple(ref_ts.StreamStep(*k) for k in keys)),
                                     ref_ts.StreamPolicy(ignore_tools=ignore))
        assert _strip(ours.to_dict()) == _strip(ref.to_dict())
    got = ts.policy_from_table({"ignore_tools": ["\ud800", "b", "\ud800"]})
    assert got.ignore_tools == frozenset({"\ud800", "b"})


def test_a_policy_broken_after_it_was_built_is_refused_naming_the_field():
    # The generated record refuses stall_n < repeat_n when built (as the
    # reference's does); one changed in place afterwards is refused by the
    # record's check on the way into libdos.
    with pytest.raises(ValueError, match="stall_n"):
        ts.StreamPolicy(repeat_n=4, stall_n=3)
    p = ts.StreamPolicy(repeat_n=4, stall_n=4)
    object.__setattr__(p, "stall_n", 3)
    stream = ts.ToolStream(tuple(ts.StreamStep("R", "a", "r") for _ in range(3)))
    with pytest.raises(DosError, match=r"args\.policy\.stall_n"):
        ts.classify_stream(stream, p)
