"""Hypothesis: tool_stream, posttool_sensor, hook_exit and durable_schema
through dos_native and through the reference agree on every decision field."""
import math

import pytest
from hypothesis import assume, given, settings, strategies as st

dos = pytest.importorskip("dos")
import dos.durable_schema as ref_ds  # noqa: E402
import dos.hook_exit as ref_he  # noqa: E402
import dos.posttool_sensor as ref_ps  # noqa: E402
import dos.tool_stream as ref_ts  # noqa: E402

from dos_native import durable_schema as ds  # noqa: E402
from dos_native import hook_exit as he  # noqa: E402
from dos_native import posttool_sensor as ps  # noqa: E402
from dos_native import tool_stream as ts  # noqa: E402

I64 = 2**63 - 1


def _strip(d, *keys):
    d = dict(d)
    for k in ("reason",) + keys:
        d.pop(k, None)
    return d


# -- tool_stream ---------------------------------------------------------------

TOOL = st.sampled_from(["Read", "read", "READ", "Poll", "straße", "STRASSE", "ǅ", "ǆ", "ﬁle", "FILE", "x\ud800"])
DIGEST = st.sampled_from(["a", "b", "é"])
RESULT = st.sampled_from(["r", "r", "s", None])
STEPS = st.lists(st.tuples(TOOL, DIGEST, RESULT), max_size=12)
POLICY = st.none() | st.builds(
    lambda r, extra, ig: (r, r + extra, frozenset(ig)),
    st.integers(1, 4),
    st.integers(0, 3),
    st.lists(TOOL, max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(STEPS, POLICY)
def test_classify_stream(keys, policy):
    ours_s = ts.ToolStream(tuple(ts.StreamStep(*k) for k in keys))
    ref_s = ref_ts.ToolStream(tuple(ref_ts.StreamStep(*k) for k in keys))
    if policy is None:
        ours, ref = ts.classify_stream(ours_s), ref_ts.classify_stream(ref_s)
    else:
        ours = ts.classify_stream(ours_s, ts.StreamPolicy(*policy))
        ref = ref_ts.classify_stream(ref_s, ref_ts.StreamPolicy(*policy))
    assert _strip(ours.to_dict()) == _strip(ref.to_dict())
    got, want = ps.warn_payload(ours), ref_ps.warn_payload(ref)
    assert (got is None) == (want is None)
    if got is not None:
        assert got["hookSpecificOutput"]["hookEventName"] == want["hookSpecificOutput"]["hookEventName"]


# -- posttool_sensor -----------------------------------------------------------

TEXT = st.text(max_size=8)  # lone surrogates included
SCALAR = st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.floats(allow_nan=True) | TEXT
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
EVENT = st.fixed_dictionaries(
    {"tool_name": st.none() | st.just("") | TEXT | st.integers()},
    optional={"tool_input": JSON, "tool_response": JSON, "tool_output": JSON, "session_id": TEXT},
)


@settings(max_examples=400, deadline=None)
@given(EVENT)
def test_step_from_event(event):
    ours, ref = ps.step_from_event(event), ref_ps.step_from_event(event)
    if ref is None:
        assert ours is None
    else:
        assert (ours.tool_name, ours.args_digest, ours.result_digest) == (ref.tool_name, ref.args_digest, ref.result_digest)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_digests(value):
    assert ps.canonical_bytes(value) == ref_ps._canonical_bytes(value)


# -- hook_exit -----------------------------------------------------------------

CODE = st.integers(-3, 300) | st.integers(-I64 - 1, I64)
VERB = st.sampled_from(["OBSERVE", "WARN", "DEFER", "BLOCK"])


@settings(max_examples=400, deadline=None)
@given(
    CODE,
    st.none() | st.tuples(
        st.integers(-2, 5),
        st.dictionaries(st.integers(-2, 8), st.none() | VERB, max_size=4),
        VERB,
    ),
)
def test_classify_exit(code, policy):
    if policy is None:
        ours, ref = he.classify_exit(code), ref_he.classify_exit(code)
    else:
        pc, mapping, fb = policy
        ours = he.classify_exit(code, he.HookExitPolicy(pc, {k: v and he.Intervention(v) for k, v in mapping.items()}, he.Intervention(fb)))
        ref = ref_he.classify_exit(
            code, ref_he.HookExitPolicy(pc, {k: v and ref_he.Intervention(v) for k, v in mapping.items()}, ref_he.Intervention(fb))
        )
    assert _strip(ours.to_dict()) == _strip(ref.to_dict())
    assert ours.passed == ref.passed


# -- durable_schema ------------------------------------------------------------

FAMILY = st.sampled_from(["", "x", "y", "intent-ledger"]) | TEXT
VERSION = st.integers(-2, 5) | st.integers(-(2**70), 2**70) | st.booleans() | st.floats(0, 5) | st.none() | TEXT
SCHEMA = (
    st.none()
    | VERSION
    | st.fixed_dictionaries({}, optional={"family": FAMILY | st.integers(), "version": VERSION, "extra": JSON})
    | st.lists(st.integers(), max_size=2)
)


@settings(max_examples=500, deadline=None)
@given(st.none() | SCHEMA, FAMILY, st.integers(-2, 6) | st.integers(-I64 - 1, I64))
def test_schema_classify(schema, family, understands):
    record = {} if schema is None else {"schema": schema}
    ours = ds.classify(record, family=family, understands=understands)
    ref = ref_ds.classify(record, family=family, understands=understands)
    assert _strip(ours.to_dict()) == _strip(ref.to_dict())
    if ref.readability is ref_ds.Readability.UNREADABLE_NEWER and understands <= 1000:
        assert _strip(ds.unreadable_refusal_payload(ours), "detail") == _strip(ref_ds.unreadable_refusal_payload(ref), "detail")


@settings(max_examples=300, deadline=None)
@given(FAMILY, st.integers(-3, 2**70))
def test_schema_tag(family, version):
    try:
        want = ref_ds.tag(family, version)
    except ValueError:
        with pytest.raises(ValueError):
            ds.tag(family, version)
        return
    assume(not (isinstance(version, float) and math.isnan(version)))
    assert ds.tag(family, version) == want
