"""The hook sensors on the generated route (issue 9): marker_gate first. The
typed modules replay the golden corpus; the accelerated reference functions
answer as the reference does (decision fields; reasons are our own words)
and fall back where they cannot serve."""
import os

import pytest

import dos_native
from dos_native import exec_capability, hook_dialect, marker_gate, posttool_sensor, pretool_sensor

mg_ref = pytest.importorskip("dos.marker_gate")

MODULES = {"marker_gate": marker_gate, "hook_dialect": hook_dialect, "pretool_sensor": pretool_sensor,
           "exec_capability": exec_capability, "posttool_sensor": posttool_sensor}


def _ops(golden_dir, module):
    return sorted(p.name[: -len(".jsonl.gz")] for p in golden_dir.glob(f"{module}.*.jsonl.gz"))


def test_every_op_of_the_modules_is_typed_and_has_a_corpus(golden_dir):
    cat = dos_native.dispatch("ops")
    for module in MODULES:
        ops = [o for o in cat["ops"] if o["op"].startswith(module + ".")]
        assert ops and all(o["typed"] for o in ops)
        assert {o["op"] for o in ops} == set(_ops(golden_dir, module))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_typed_functions_replay_the_golden_corpus(golden_dir, module):
    from _typed_replay import replay_module

    assert replay_module(golden_dir, module, MODULES[module]) >= 150


@pytest.fixture
def swapped():
    # These leaves are declared but not swapped by default (slower than the
    # reference, _mapping.SLOWER): swap them for these tests.
    from dos_native import _adapter
    from dos_native._mapping import SLOWER

    _adapter.register(SLOWER)
    dos_native.accelerate()
    yield
    dos_native.restore()


# ------------------------------------------------------------------ marker_gate

def test_marker_policy_is_the_references_shape():
    assert marker_gate.DEFAULT_POLICY.to_dict() == {
        "max_streak": mg_ref.DEFAULT_POLICY.max_streak,
        "arm_on_env": list(mg_ref.DEFAULT_POLICY.arm_on_env),
        "respect_stop_hook_active": mg_ref.DEFAULT_POLICY.respect_stop_hook_active}
    assert marker_gate.DEFAULT_ARM_ON_ENV == mg_ref.DEFAULT_ARM_ON_ENV
    with pytest.raises(ValueError):
        marker_gate.MarkerPolicy(max_streak=-1)
    with pytest.raises(ValueError):
        mg_ref.MarkerPolicy(max_streak=-1)


def test_marker_bad_policy_is_bad_args():
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("marker_gate.decide", {"stop_hook_active": False, "loop_flag": False, "env": {},
                                                   "policy": {"max_streak": -1}})
    assert e.value.code == "BAD_ARGS" and "max_streak" in str(e.value)
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("marker_gate.decide", {"stop_hook_active": False, "loop_flag": False, "env": [],})
    assert e.value.code == "BAD_ARGS" and "env" in str(e.value)


MARKER_CASES = [
    dict(stop_hook_active=True, loop_flag=True, env={"DOS_LOOP": "1"}),
    dict(stop_hook_active=False, loop_flag=True, env={}),
    dict(stop_hook_active=False, loop_flag=False, env={"CID_RUN_ID": "r1"}),
    dict(stop_hook_active=False, loop_flag=False, env={"DOS_LOOP": ""}),
    dict(stop_hook_active=False, loop_flag=False, env={"MINE": "1"}, policy=("MINE",)),
    dict(stop_hook_active=True, loop_flag=False, env={"MINE": "1"}, policy=(" MINE ", ""), respect=False),
    dict(stop_hook_active=False, loop_flag=False, env={}, policy=()),
]


@pytest.mark.parametrize("case", MARKER_CASES)
def test_accelerated_decide_answers_as_the_reference(swapped, case):
    kw = dict(case)
    names, respect = kw.pop("policy", None), kw.pop("respect", True)
    if names is not None or not respect:
        kw["policy"] = mg_ref.MarkerPolicy(arm_on_env=names if names is not None else mg_ref.DEFAULT_ARM_ON_ENV,
                                           respect_stop_hook_active=respect)
    assert type(mg_ref.decide).__name__ == "NativeCallable"
    got = mg_ref.decide(**kw)
    dos_native.restore()
    want = mg_ref.decide(**kw)
    dos_native.accelerate()
    assert type(got) is mg_ref.ArmDecision
    assert got.armed == want.armed


def test_accelerated_decide_takes_the_process_environment(swapped):
    # os.environ is a Mapping, not a dict: served by the reference itself.
    v = mg_ref.decide(stop_hook_active=False, loop_flag=False, env=os.environ)
    assert type(v) is mg_ref.ArmDecision
    assert v.reason.startswith("no loop signal") or v.reason.startswith("armed by env")  # the reference's own words


# ------------------------------------------------------------------ hook_dialect

hd_ref = pytest.importorskip("dos.hook_dialect")

CC_DOCS = [
    None, "x", {}, {"hookSpecificOutput": None},
    {"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "R", "additionalContext": "C"}},
    {"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": 3}},
    {"hookSpecificOutput": {"permissionDecision": "allow", "additionalContext": "C"}},
    {"hookSpecificOutput": {"additionalContext": ""}},
]


@pytest.mark.parametrize("doc", CC_DOCS)
@pytest.mark.parametrize("moment", ["PRE", "POST", "STOP"])
def test_accelerated_parse_cc_answers_as_the_reference(swapped, doc, moment):
    m = hd_ref.HookMoment[moment]
    assert type(hd_ref.parse_cc).__name__ == "NativeCallable"
    got = hd_ref.parse_cc(doc, moment=m)
    dos_native.restore()
    want = hd_ref.parse_cc(doc, moment=m)
    dos_native.accelerate()
    assert type(got) is hd_ref.HookVerdict and got == want
    assert got.moment is m and type(got.action) is hd_ref.HookAction


def test_typed_parse_cc_and_render():
    from dos_native import hook_dialect

    v = hook_dialect.parse_cc(CC_DOCS[4], moment=hook_dialect.HookMoment.PRE)
    assert v.action is hook_dialect.HookAction.DENY and (v.reason, v.context) == ("R", "C")
    assert hook_dialect.render(dialect="hermes", moment=hook_dialect.HookMoment.PRE, cc=CC_DOCS[4]) == {
        "decision": "block", "reason": "R C"}
    with pytest.raises(dos_native.DosError) as e:
        hook_dialect.render(dialect="nope", moment=hook_dialect.HookMoment.PRE, cc=None)
    assert e.value.code == "BAD_ARGS" and "dialect" in str(e.value)


LONE_DOCS = [
    {"hookSpecificOutput": {"additionalContext": "\ud800"}},
    {"hookSpecificOutput": {"additionalContext": "a\udc00b"}},
    {"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "\udfff", "additionalContext": "\ud83d"}},
]


@pytest.mark.parametrize("doc", LONE_DOCS)
def test_typed_parse_cc_reads_a_lone_surrogate_as_text(doc):
    # The reference keeps a str holding a lone surrogate, so a context made of
    # one still warns. libdos carries the surrogate as U+FFFD (docs/divergences.md).
    m = hd_ref.HookMoment.PRE
    want = hd_ref.parse_cc(doc, moment=m)
    got = hook_dialect.parse_cc(doc, moment=hook_dialect.HookMoment.PRE)
    assert got.action.value == want.action.value
    for f in ("reason", "context"):
        w, g = getattr(want, f), getattr(got, f)
        assert len(g) == len(w)
        assert g == "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in w)


# ------------------------------------------------------------------ pretool_sensor

ps_ref = pytest.importorskip("dos.pretool_sensor")

EVENTS = [
    {"tool_name": "Edit", "cwd": "/w/", "tool_input": {"file_path": " /w/src/a.py "}},
    {"tool_name": "Read", "tool_input": {"file_path": "x"}},
    {"tool_name": "Bash", "cwd": "/w", "tool_input": {"command": "echo x > /w/src/a.py; cat 'b/c.txt'"}},
    {"tool_name": "Bash", "tool_input": {"command": "git status"}},
    {"tool_name": "X", "tool_response": None},
    {"tool_name": "X", "hook_event_name": "PostToolUse"},
    {"tool_name": "", "tool_input": None},
]


@pytest.mark.parametrize("event", EVENTS)
def test_accelerated_pretool_helpers_answer_as_the_reference(swapped, event):
    got = (ps_ref.is_pre_event(event), ps_ref._tree_from_event(event),
           ps_ref._paths_from_command(event.get("tool_input", {}).get("command", "") if isinstance(
               event.get("tool_input"), dict) else ""))
    dos_native.restore()
    want = (ps_ref.is_pre_event(event), ps_ref._tree_from_event(event),
            ps_ref._paths_from_command(event.get("tool_input", {}).get("command", "") if isinstance(
                event.get("tool_input"), dict) else ""))
    dos_native.accelerate()
    assert got == want
    assert type(got[1]) is tuple and type(got[1][0]) is tuple and type(got[2]) is tuple


@pytest.mark.parametrize("event", EVENTS + [{"tool_name": 3}, {}])
def test_accelerated_is_mutating_tool_answers_as_the_reference(swapped, event):
    got = ps_ref.is_mutating_tool(event)
    dos_native.restore()
    want = ps_ref.is_mutating_tool(event)
    dos_native.accelerate()
    assert got is want


@pytest.mark.parametrize("reason,context", [("R", ""), ("R", "C"), ("", "\u00e9")])
def test_accelerated_payloads_answer_as_the_reference(swapped, reason, context):
    got = (ps_ref.deny_payload(reason, additional_context=context), ps_ref.deny_payload(reason),
           ps_ref.warn_payload(context))
    dos_native.restore()
    want = (ps_ref.deny_payload(reason, additional_context=context), ps_ref.deny_payload(reason),
            ps_ref.warn_payload(context))
    dos_native.accelerate()
    assert got == want
    assert list(got[0]["hookSpecificOutput"]) == list(want[0]["hookSpecificOutput"])


# ------------------------------------------------------------------ exec_capability

xc_ref = pytest.importorskip("dos.exec_capability")

COMMANDS = ["", "  ", "ls -la", "sudo rm -rf /", "FOO=1 /usr/bin/Python3 -c x", "nice make", "myinterp -e 1",
            "\u3000sudo\u0085Env\tX\u00e9=1 \\BIN/Nice PYTHON3", "=x ls", "\u212aSH"]


def test_exec_capability_public_names_are_the_references():
    assert exec_capability.CROSS_PLATFORM_CODE_EXEC == xc_ref.CROSS_PLATFORM_CODE_EXEC
    assert type(exec_capability.CROSS_PLATFORM_CODE_EXEC) is frozenset
    assert exec_capability.DEFAULT_POLICY.programs == xc_ref.DEFAULT_POLICY.programs
    assert type(exec_capability.DEFAULT_POLICY.programs) is frozenset
    for extra in ([" MyInterp ", "", "GIT"], ("\u0130x", "\u212aSH"), None, []):
        got = exec_capability.DEFAULT_POLICY.with_extra(extra)
        assert type(got.programs) is frozenset and got.programs == xc_ref.DEFAULT_POLICY.with_extra(extra).programs
    assert [m.value for m in exec_capability.Capability] == [m.value for m in xc_ref.Capability]


@pytest.mark.parametrize("command", COMMANDS)
def test_typed_and_accelerated_classify_command_answer_as_the_reference(command):
    pol, ref_pol = exec_capability.DEFAULT_POLICY.with_extra(["myinterp"]), xc_ref.DEFAULT_POLICY.with_extra(["myinterp"])
    want = [xc_ref.classify_command(command), xc_ref.classify_command(command, ref_pol)]
    got = [exec_capability.classify_command(command), exec_capability.classify_command(command, pol)]
    for g, w in zip(got, want):
        assert type(g) is exec_capability.ExecCapabilityVerdict
        assert (g.capability.value, g.program, g.grants_arbitrary_exec) == (w.capability.value, w.program,
                                                                             w.grants_arbitrary_exec)
    dos_native.accelerate()
    acc = [xc_ref.classify_command(command), xc_ref.classify_command(command, ref_pol)]
    dos_native.restore()
    for a, w in zip(acc, want):
        assert type(a) is xc_ref.ExecCapabilityVerdict and a.capability is w.capability and a.program == w.program


def test_to_plain_writes_a_set_sorted_as_the_reference_does():
    from dos_native._route import to_plain

    assert to_plain(frozenset({"b", "\u00e9", "a", "Z"})) == ["Z", "a", "b", "\u00e9"]
    assert to_plain({3, 1, 2}) == [1, 2, 3]
    assert exec_capability.ExecCapabilityPolicy(frozenset({"b", "a"})).to_dict() == {"programs": ["a", "b"]}


def test_the_generic_binder_reads_a_frozenset_or_set_exactly_and_builds_a_frozenset():
    # No hand fast path: the generic route binder serves classify_command,
    # reading the policy's frozenset (or set) and nothing else.
    from dos_native import _adapter, _native
    from dos_native._mapping import Route

    fast, _adapter._FAST_OPS = _adapter._FAST_OPS, frozenset()
    ran = []
    _native._route_trace(ran.append)
    try:
        fn = _adapter.bind(Route("dos.exec_capability", "classify_command", "exec_capability.classify_command"),
                           xc_ref, xc_ref.classify_command)
        assert type(fn).__name__ != "function"
        for programs, native in ((frozenset({"make"}), True), ({"make"}, True), (["make"], False),
                                 (frozenset({"make", 3}), False)):
            ran.clear()
            v = fn("make -j2", xc_ref.ExecCapabilityPolicy(programs=programs))
            assert v.capability is xc_ref.Capability.GRANTS_ARBITRARY_EXEC
            assert bool(ran) is native, programs
        typed = _adapter.bind_typed("exec_capability.ExecCapabilityPolicy.with_extra", exec_capability,
                                    exec_capability.ExecCapabilityPolicy.with_extra)
        got = typed(exec_capability.ExecCapabilityPolicy(frozenset({"b"})), ["A "])
        assert type(got.programs) is frozenset and got.programs == {"a", "b"}
    finally:
        _native._route_trace(None)
        _adapter._FAST_OPS = fast


# ------------------------------------------------------------------ posttool_sensor


def test_posttool_sensor_is_generated_with_its_digest_companion():
    import dos.posttool_sensor as ref_ps

    for name in ["SCHEMA_FAMILY", "TOOL_STREAM_SCHEMA", "STREAMS_DIRNAME"]:
        assert getattr(posttool_sensor, name) == getattr(ref_ps, name)
    assert posttool_sensor.StreamStep is dos_native.tool_stream.StreamStep
    assert posttool_sensor.step_from_event.__dos_native_op__ == "posttool_sensor.step_from_event"
    assert posttool_sensor.digest(b"hello") == ref_ps._digest(b"hello")


NOT_JSON_EVENTS = [
    {"tool_name": "X", "tool_response": {"s": {1, 2}}},
    {"tool_name": "X", "tool_input": {"when": object()}},
    {"tool_name": "X", "tool_output": [frozenset({"a"})]},
]


@pytest.mark.parametrize("event", NOT_JSON_EVENTS)
def test_step_from_event_outside_json_falls_back_when_accelerated(event):
    # The reference hashes such a value's json.dumps(default=str); the typed
    # function refuses it (TypeError) rather than hash other bytes, and the
    # accelerated reference function hands it to the reference.
    import dos.posttool_sensor as ref_ps

    want = ref_ps.step_from_event(event)
    with pytest.raises(TypeError):
        posttool_sensor.step_from_event(event)
    dos_native.accelerate()
    try:
        assert "dos.posttool_sensor.step_from_event" in dos_native.accelerated()
        assert ref_ps.step_from_event(event) == want
    finally:
        dos_native.restore()


def test_accelerated_posttool_sensor_answers_as_the_reference(swapped):
    import dos.posttool_sensor as ref_ps
    import dos.tool_stream as ref_ts

    assert "dos.posttool_sensor.warn_payload" in dos_native.accelerated()
    ev = {"tool_name": "Read", "tool_input": {"file_path": "a", "limit": 1.0}, "tool_response": "same"}
    step = ref_ps.step_from_event(ev)
    assert type(step) is ref_ts.StreamStep
    v = ref_ts.classify_stream(ref_ts.ToolStream((step,) * 5))
    dos_native.restore()
    want_step, want = ref_ps.step_from_event(ev), ref_ps.warn_payload(v)
    dos_native.accelerate()
    assert step == want_step
    got = ref_ps.warn_payload(v)
    assert set(got) == set(want) and set(got["hookSpecificOutput"]) == set(want["hookSpecificOutput"])
    for fact in ["STALLED", "5", "`Read`", step.result_digest]:
        assert fact in got["hookSpecificOutput"]["additionalContext"]
