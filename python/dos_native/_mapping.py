"""What accelerate() swaps through the generic adapter (``_adapter``): one
line per reference function of a module on the generated route."""
from __future__ import annotations

import enum
import functools
import pathlib as _pathlib
from typing import Any

from ._adapter import Decline, Route, binder, ms_from_datetime


def describe_verdict_obj(obj: Any, mod: Any) -> dict[str, Any]:
    """What ``dos.verdict.conforms`` reads of ``obj``, read in the same order
    and only as far as it reads (each attribute once, ``to_dict()`` called at
    most once), as the ``VerdictObject`` the native op decides from."""
    if not isinstance(obj, mod.TypedVerdict):
        return {"members": []}
    d: dict[str, Any] = {"members": ["verdict", "reason", "to_dict"]}
    v = obj.verdict
    d["verdict"] = {"is_enum": isinstance(v, enum.Enum), "is_str": isinstance(v, str)}
    if not (d["verdict"]["is_enum"] and d["verdict"]["is_str"]):
        return d
    d["reason_is_str"] = isinstance(obj.reason, str)
    if not d["reason_is_str"]:
        return d
    try:
        r = obj.to_dict()
    except Exception:
        d["to_dict"] = {"raised": True}
        return d
    result = ({"verdict": None} if "verdict" in r else {}) if isinstance(r, dict) else None
    d["to_dict"] = {"raised": False, "result": result}
    return d


# ---------------------------------------------------------------- issue 10, witness chain

def built_in_source(class_name: str) -> Any:
    """A converter: an instance of exactly the reference's built-in null
    source (its class untouched, no instance attributes) as its name; any
    other source is a plugin, which the reference runs."""

    def conv(source: Any, mod: Any) -> str:
        cls = getattr(mod, class_name, None)
        if cls is None or type(source) is not cls or vars(source):
            raise Decline
        gather = vars(cls).get("gather")
        if getattr(gather, "__module__", None) != cls.__module__ or cls.name != "null":
            raise Decline
        if cls.accountability is not getattr(mod, "Accountability").AGENT_AUTHORED:
            raise Decline
        return "null"

    return conv


def unread(value: Any, mod: Any) -> None:
    """A converter for an argument the native op does not read (the null
    source's config): any value."""
    return None


def derived_operands(operands: Any, mod: Any) -> list[Any]:
    """``derived_witness`` operands: the reference's own ``EvidenceFacts`` and
    ``BeliefVerdict`` as their fields, any other object as None (the
    reference gives it no witness without reading it); a subclass declines."""
    if type(operands) not in (list, tuple):
        raise Decline
    b = binder(mod)
    facts, belief = mod.EvidenceFacts, mod.BeliefVerdict
    out: list[Any] = []
    for o in operands:
        t = type(o)
        if t is facts:
            out.append(b.to_native("EvidenceFacts", o))
        elif t is belief:
            out.append(b.to_native("BeliefVerdict", o))
        elif isinstance(o, (facts, belief)):
            raise Decline
        else:
            out.append(None)
    return out


def receipt_fields(receipt: Any, mod: Any) -> dict[str, Any]:
    """An ``attest.Receipt`` of exactly the reference's class, holding exactly
    the types its canonical text is defined for, as its ``to_dict()``."""
    if type(receipt) is not mod.Receipt:
        raise Decline
    r = receipt
    texts = (r.schema, r.claim, r.narrated, r.witness_surface, r.witness_author, r.verdict, r.timestamp, r.signature)
    if not all(type(t) is str for t in texts) or type(r.believe) is not bool or type(r.refuted) is not bool:
        raise Decline
    if type(r.algorithm) is not mod.SignatureAlgorithm:
        raise Decline
    if r.accountability_tier is not None and type(r.accountability_tier) is not mod.Accountability:
        raise Decline
    out: dict[str, Any] = r.to_dict()
    return out


def key_hex(key: Any, mod: Any) -> str:
    """An HMAC key of exactly ``bytes``, as hex."""
    if type(key) is not bytes:
        raise Decline
    return key.hex()


WITNESS_CHAIN = [
    Route("dos.log_source", "gather_log", "log_source.gather_log",
          {"source": ("source", built_in_source("NullLogSource")), "config": ("config", unread)}),
    Route("dos.evidence", "gather_evidence", "evidence.gather_evidence",
          {"source": ("source", built_in_source("NullEvidenceSource")), "config": ("config", unread)}),
    Route("dos.evidence", "believe_under_floor", "evidence.believe_under_floor"),
    Route("dos.evidence", "derived_witness", "evidence.derived_witness", {"operands": ("operands", derived_operands)}),
    Route("dos.effect_witness", "witness_effect", "effect_witness.witness_effect"),
    Route("dos.reward", "admit", "reward.admit"),
    Route("dos.reward", "acceptance_ab", "reward.acceptance_ab"),
    Route("dos.attest", "canonical_bytes", "attest.canonical_bytes",
          {"receipt": ("receipt", receipt_fields)}, result=lambda v, mod: v.encode("utf-8")),
    Route("dos.attest", "sign_hmac", "attest.sign_hmac",
          {"receipt": ("receipt", receipt_fields), "key": ("key_hex", key_hex)}),
    Route("dos.attest", "verify_hmac", "attest.verify_hmac",
          {"receipt": ("receipt", receipt_fields), "key": ("key_hex", key_hex)}),
    Route("dos.attest", "receipt_from_verdict", "attest.receipt_from_verdict",
          result=lambda v, mod: mod.Receipt.from_dict(v)),
    Route("dos.testwitness", "classify", "testwitness.classify"),
]


# ---------------------------------------------------------------- issue 10, tool-call provenance

@functools.lru_cache(maxsize=None)
def verdict_type(op: str) -> Any:
    """The parsed schema type of an op's verdict (for a result hook that
    builds the reference's value first and then touches it)."""
    from ._adapter import _catalog, _parse

    return _parse(next(o for o in _catalog()["ops"] if o["op"] == op)["verdict"])


def builtin_handler(handler: Any, mod: Any) -> str:
    """The name of a built-in enforcement handler (only ``observe``, an
    untouched ``ObserveHandler``); any other handler is a plugin: Decline."""
    if type(handler) is not mod.ObserveHandler or vars(handler) or handler.name != "observe":
        raise Decline
    return "observe"


def ignored(_value: Any, _mod: Any) -> None:
    """An argument the native op does not read (the built-in handler ignores the config)."""
    return None


def reference_rung(decision: Any, mod: Any) -> Any:
    """The decision the adapter built, its rung replaced by the built-in
    ladder's own rung object when they agree (its prose is the reference's,
    and the reference hands that very object back)."""
    if decision is None:
        return None
    import sys

    base = getattr(sys.modules.get("dos.intervention"), "BASE_INTERVENTIONS", None)
    rung = base.get(decision.rung.key) if base is not None else None
    if rung is None or (rung.rank, rung.dispatches, rung.returns_synthetic) != (
            decision.rung.rank, decision.rung.dispatches, decision.rung.returns_synthetic):
        return decision
    # A decision the adapter has just made (the op takes no decision in, so
    # it is never the caller's object): set its rung as its __init__ would.
    object.__setattr__(decision, "rung", rung)
    return decision


# ---------------------------------------------------------------- issue 10, output shape part B (coverage, improve)

def coverage_returns(returns: Any, mod: Any) -> list[dict[str, Any]]:
    """``classify_coverage`` returns as ``ReturnState`` records: a bare
    ``TerminalState`` as ``{state}``, the reference's ``ReturnState`` as
    ``{state}`` (its agent id is not read), a ``ResultStateVerdict`` as
    ``{state, cls}``; each of exactly the reference's classes, holding
    exactly its enum members. Anything else is the reference's to answer
    (it raises TypeError, or counts an odd state its own way)."""
    if type(returns) not in (list, tuple):
        raise Decline
    state_t, cls_t = mod.TerminalState, mod.TerminalClass
    slot_t, verdict_t = mod.ReturnState, mod.ResultStateVerdict
    out: list[dict[str, Any]] = []
    for r in returns:
        t = type(r)
        if t is state_t:
            out.append({"state": r.value})
        elif t is slot_t and type(r.state) is state_t:
            out.append({"state": r.state.value})
        elif t is verdict_t and type(r.state) is state_t and type(r.cls) is cls_t:
            out.append({"state": r.state.value, "cls": r.cls.value})
        else:
            raise Decline
    return out


def coverage_verdict(v: Any, mod: Any) -> Any:
    """The reference's ``CoverageVerdict`` from the op's verdict (its
    ``to_dict()`` shape; the derived fields are the class's properties)."""
    return mod.CoverageVerdict(
        state=mod.Coverage(v["state"]), declared=v["declared"], healthy=v["healthy"], dead=v["dead"],
        unreadable=v["unreadable"], reason=v["reason"],
        dead_classes=tuple((c, n) for c, n in v["dead_classes"]), quorum_met=v["quorum_met"])


def improve_verdict(v: Any, mod: Any) -> Any:
    """The reference's ``CandidateVerdict`` from the op's verdict: its
    evidence rebuilt from the echo (without the derived ``delta`` and
    ``improved``), its escalation ``dos.breaker``'s member."""
    e = v["evidence"]
    evidence = mod.CandidateEvidence(
        suite_passed=e["suite_passed"], truth_clean=e["truth_clean"], work=e["work"],
        baseline_work=e["baseline_work"], tokens=e["tokens"], consecutive_reverts=e["consecutive_reverts"],
        narrated=e["narrated"])
    cause = v["revert_cause"]
    return mod.CandidateVerdict(
        verdict=mod.Candidate(v["verdict"]), next_consecutive_reverts=v["next_consecutive_reverts"],
        reason=v["reason"], evidence=evidence, revert_cause=None if cause is None else mod.RevertCause(cause),
        escalation=mod.breaker.Escalation(v["escalation"]))


def transcript_paths(paths: Any, mod: Any) -> list[str]:
    """``coverage_from_transcripts`` paths: the reference reads ``str(p)``
    of each, which for a ``str`` or a ``pathlib`` path is its text; any
    other object's ``str()`` is the reference's to take."""
    if type(paths) not in (list, tuple):
        raise Decline
    out: list[str] = []
    for p in paths:
        if type(p) is str:
            out.append(p)
        elif isinstance(p, _pathlib.PurePath):
            out.append(str(p))
        else:
            raise Decline
    return out


OUTPUT_SHAPE_B = [
    Route("dos.coverage", "classify_coverage", "coverage.classify_coverage",
          {"returns": ("returns", coverage_returns)}, result=coverage_verdict),
    Route("dos.improve", "classify", "improve.classify", result=improve_verdict),
]


PROVENANCE = [
    Route("dos.arg_provenance", "classify_arg", "arg_provenance.classify_arg"),
    Route("dos.arg_provenance", "classify_call", "arg_provenance.classify_call"),
    Route("dos.intervention", "assess_confidence", "intervention.assess_confidence"),
    Route("dos.intervention", "choose_intervention", "intervention.choose_intervention"),
    Route("dos.intervention", "synthetic_corrective_result", "intervention.synthetic_corrective_result"),
    Route("dos.enforce", "run_handler", "enforce.run_handler",
          {"handler": ("handler", builtin_handler), "config": ("host_config", ignored)}),
    Route("dos.precursor_gate", "classify_call", "precursor_gate.classify_call"),
    Route("dos.precursor_gate", "precursor_intervention", "precursor_gate.precursor_intervention",
          finish=reference_rung),
    Route("dos.precursor_gate", "grammar_from_table", "precursor_gate.grammar_from_table"),
]

# ---------------------------------------------------------------- issue 10, output shape (part C: commit_audit, judges)

def path_text(root: Any, mod: Any) -> str:
    """A repository root as the reference passes it to git (``str(root)``):
    a ``str`` or a plain ``pathlib`` path; anything else declines."""
    import pathlib

    if type(root) is str:
        return root
    if type(root) in (pathlib.PosixPath, pathlib.WindowsPath, pathlib.PurePosixPath, pathlib.PureWindowsPath):
        return str(root)
    raise Decline


def builtin_judge(judge: Any, mod: Any) -> str:
    """The name of a built-in judge (only ``abstain``, an untouched
    ``AbstainJudge``); any other judge is a plugin: Decline."""
    cls = getattr(mod, "AbstainJudge", None)
    if cls is None or type(judge) is not cls or vars(judge) or cls.name != "abstain":
        raise Decline
    if getattr(vars(cls).get("rule"), "__module__", None) != cls.__module__:
        raise Decline
    return "abstain"


def judge_verdict(v: Any, mod: Any) -> Any:
    """The op's verdict as the reference's ``JudgeVerdict`` (its stance is
    stored in the private field ``_stance``; ``to_dict()`` calls it ``stance``)."""
    return mod.JudgeVerdict(_stance=mod.Stance(v["stance"]), why=v["why"], evidence=tuple(v["evidence"]),
                            cost=v["cost"])


# The git readers answer IO for git output that is not UTF-8 text: the
# reference then runs and raises as it does (UnicodeDecodeError).
_GIT = ("BAD_ARGS", "IO")

SHAPE_C = [
    Route("dos.commit_audit", "classify_claim", "commit_audit.classify_claim"),
    Route("dos.commit_audit", "read_commit", "commit_audit.read_commit", {"root": ("root", path_text)},
          fallback=_GIT),
    Route("dos.commit_audit", "audit_commit", "commit_audit.audit_commit", {"root": ("root", path_text)},
          fallback=_GIT),
    Route("dos.commit_audit", "audit_range", "commit_audit.audit_range", {"root": ("root", path_text)},
          fallback=_GIT),
    # faster than the reference since the binder reads the arguments off a
    # tape (docs/benchmarks.md, "The route binder without a Value tree")
    Route("dos.commit_audit", "classify", "commit_audit.classify"),
    Route("dos.commit_audit", "sweep_summary", "commit_audit.sweep_summary"),
    # faster through its hand fast path (python/src/audit_fast.rs;
    # docs/benchmarks.md, "The audit leaves")
    Route("dos.judges", "run_judge", "judges.run_judge",
          {"judge": ("judge", builtin_judge), "config": ("config", ignored)}, result=judge_verdict),
]

# Slower than the reference through the generic route (docs/benchmarks.md,
# "output shape, part C"): declared, not swapped by default (see SLOWER).
SHAPE_C_SLOWER: list[Route] = []

# ---------------------------------------------------------------- issue 10, output shape (part A)

OUTPUT_SHAPE_A = [
    Route("dos.answer_shape", "classify", "answer_shape.classify"),
    Route("dos.claim_extract", "assistant_text_from_transcript", "claim_extract.assistant_text_from_transcript"),
    Route("dos.result_state", "terminal_evidence_from_transcript", "result_state.terminal_evidence_from_transcript"),
    Route("dos.result_state", "verify_transcript", "result_state.verify_transcript"),
    # faster than the reference now (docs/benchmarks.md, "The route binder
    # without a Value tree")
    Route("dos.dangling_intent", "classify_stop", "dangling_intent.classify_stop"),
    Route("dos.claim_extract", "extract_claims", "claim_extract.extract_claims"),
    Route("dos.result_state", "classify_terminal", "result_state.classify_terminal"),
    Route("dos.coverage", "coverage_from_transcripts", "coverage.coverage_from_transcripts",
          {"paths": ("paths", transcript_paths)}, result=coverage_verdict),
    # faster through their hand fast paths (python/src/shape_fast.rs;
    # docs/benchmarks.md, "The output-shape leaves' hand fast paths")
    Route("dos.claim_extract", "claim_from_frontmatter", "claim_extract.claim_from_frontmatter"),
    Route("dos.result_state", "refusal_envelope", "result_state.refusal_envelope"),
    Route("dos.result_state", "terminal_evidence_from_record", "result_state.terminal_evidence_from_record"),
]

# Slower through the generic route than the reference (bench/compare.py;
# docs/benchmarks.md, "Output shape, part A"): declared, swapped only on request.
OUTPUT_SHAPE_A_SLOWER: list[Route] = []


ROUTES = [
    Route("dos.claim_ttl", "infer_kind", "claim_ttl.infer_kind"),
    Route("dos.claim_ttl", "infer_status", "claim_ttl.infer_status"),
    Route("dos.claim_ttl", "expected_wallclock", "claim_ttl.expected_wallclock"),
    Route("dos.claim_ttl", "resolve_ttl_minutes", "claim_ttl.resolve_ttl_minutes"),
    Route("dos.claim_ttl", "expires_at_from", "claim_ttl.expires_at_from", {"now": ("now_ms", ms_from_datetime)}),
    Route("dos.verdict", "conforms", "verdict.conforms", {"verdict_obj": ("verdict_obj", describe_verdict_obj)}),
    # issue 10, tool-call provenance
    *PROVENANCE,
]

# Which routed leaves accelerate() swaps by default: those bench/compare.py
# shows faster through the native route binder than the reference
# (docs/benchmarks.md, "The witness chain on the generated route" and
# "Tool-call provenance"). The others are declared but not swapped.
_FASTER = {
    "effect_witness.witness_effect", "reward.admit", "attest.verify_hmac", "testwitness.classify",
    "arg_provenance.classify_arg", "arg_provenance.classify_call", "intervention.choose_intervention",
    "precursor_gate.grammar_from_table",
    # faster since the binder lays out default arguments once (docs/benchmarks.md,
    # "Default arguments laid out once")
    "precursor_gate.classify_call",
    # faster through their hand fast paths (docs/benchmarks.md, "assess_confidence
    # and synthetic_corrective_result")
    "intervention.assess_confidence", "intervention.synthetic_corrective_result",
    # faster through its hand fast path (python/src/precursor_fast.rs;
    # docs/benchmarks.md, "The precursor gate and dangling intent")
    "precursor_gate.precursor_intervention",
    # faster through their hand fast paths (python/src/witness_fast.rs;
    # docs/benchmarks.md, "The witness chain's hand fast paths")
    "evidence.derived_witness", "reward.acceptance_ab",
    # faster through their hand fast paths (python/src/witness_fast.rs; docs/benchmarks.md, "The witness chain's floor, null source and attest leaves")
    "evidence.believe_under_floor", "log_source.gather_log", "attest.canonical_bytes", "attest.sign_hmac", "attest.receipt_from_verdict",
    # faster through its hand fast path (python/src/audit_fast.rs;
    # docs/benchmarks.md, "The audit leaves")
    "enforce.run_handler",
}
ROUTES = [r for r in ROUTES if not r.op.startswith(("arg_provenance.", "intervention.", "enforce.", "precursor_gate."))
          or r.op in _FASTER] + [r for r in WITNESS_CHAIN if r.op in _FASTER]

# Declared but not swapped by accelerate(): through the generic route these
# leaves are still slower than the reference itself (or no faster), and
# accelerate() must never slow a program down. They stay reachable as ops and
# typed functions; _adapter.register(SLOWER) swaps them on request (the tests
# do, to prove the mapping answers like the reference).
# issue 10, output shape part C: the git readers and classify_claim swap by default
ROUTES += SHAPE_C
# issue 10, output shape part A
ROUTES += OUTPUT_SHAPE_A
# issue 10, output shape part B: faster than the reference through their hand
# fast paths (python/src/audit_fast.rs; docs/benchmarks.md, "The audit leaves")
ROUTES += OUTPUT_SHAPE_B

# issue 9, hook cluster: served by their hand fast paths (python/src/fastpath.rs)
HOOK_CLUSTER = [
    Route("dos.hook_exit", "classify_exit", "hook_exit.classify_exit"),
]
ROUTES += HOOK_CLUSTER

SLOWER = [r for r in WITNESS_CHAIN + PROVENANCE if r.op not in _FASTER] + [
    *SHAPE_C_SLOWER,
    *OUTPUT_SHAPE_A_SLOWER,
]

# issue 9, loop economics (liveness, productivity, efficiency, breaker): the
# generic route, behind the hand fast path `python/src/fastpath.rs` keeps where
# bench/compare.py shows it needed (docs/benchmarks.md, "Loop economics on the
# generated route").
LOOP_ECONOMICS = [
    Route("dos.liveness", "classify", "liveness.classify"),
    Route("dos.productivity", "classify", "productivity.classify"),
    Route("dos.efficiency", "classify", "efficiency.classify"),
    Route("dos.breaker", "record_failure", "breaker.record_failure"),
    Route("dos.breaker", "record_success", "breaker.record_success"),
    Route("dos.breaker", "classify", "breaker.classify"),
]
ROUTES += LOOP_ECONOMICS

# ---------------------------------------------------------------- issue 9, the arbiter cluster's pure modules
# No faster through the generic route than the reference (docs/benchmarks.md,
# "The arbiter cluster's pure modules"): declared, not swapped by default.
ARBITER_PURE = [
    Route("dos.concurrency_class", "parse_cli_budgets", "concurrency_class.parse_cli_budgets"),
]
SLOWER += ARBITER_PURE

# ---------------------------------------------------------------- issue 9, the hook sensors
# (marker_gate, hook_dialect, pretool_sensor, posttool_sensor, tool_stream, exec_capability)
# Faster through the generic route than the reference (bench/compare.py,
# docs/benchmarks.md "The hook sensors on the generated route").
HOOK_SENSORS = [
    Route("dos.pretool_sensor", "_tree_from_event", "pretool_sensor._tree_from_event"),
    Route("dos.pretool_sensor", "_paths_from_command", "pretool_sensor._paths_from_command"),
    # Served by its hand fast path (python/src/exec_fast.rs, listed in fastpath.rs).
    Route("dos.exec_capability", "classify_command", "exec_capability.classify_command"),
    # Served by its hand fast path (python/src/stream.rs, listed in fastpath.rs).
    Route("dos.tool_stream", "classify_stream", "tool_stream.classify_stream"),
]
ROUTES += HOOK_SENSORS
# Slower through the generic route than the reference (a few dict lookups:
# marker_gate.decide 0.6x, hook_dialect.parse_cc 0.9x, is_pre_event 0.1x,
# is_mutating_tool, deny_payload and warn_payload: see docs/benchmarks.md):
# declared, not swapped by default.
HOOK_SENSORS_SLOWER = [
    Route("dos.marker_gate", "decide", "marker_gate.decide"),
    Route("dos.hook_dialect", "parse_cc", "hook_dialect.parse_cc"),
    Route("dos.pretool_sensor", "is_pre_event", "pretool_sensor.is_pre_event"),
    Route("dos.pretool_sensor", "is_mutating_tool", "pretool_sensor.is_mutating_tool"),
    Route("dos.pretool_sensor", "deny_payload", "pretool_sensor.deny_payload"),
    Route("dos.pretool_sensor", "warn_payload", "pretool_sensor.warn_payload"),
]
SLOWER += HOOK_SENSORS_SLOWER
# ---------------------------------------------------------------- issue 9, posttool_sensor (session 9)
# step_from_event is served by its hand fast path (python/src/stream.rs,
# listed in fastpath.rs); dos.posttool_sensor is swapped only once the program
# has imported it (_accelerate._ONLY_IF_IMPORTED: its import reconfigures
# sys.stdout). warn_payload is no faster than the reference's f-string
# (docs/benchmarks.md, "posttool_sensor and run_id on the generated route"):
# declared, not swapped by default.
POSTTOOL_SENSOR = [
    Route("dos.posttool_sensor", "step_from_event", "posttool_sensor.step_from_event"),
]
ROUTES += POSTTOOL_SENSOR
POSTTOOL_SENSOR_SLOWER = [
    Route("dos.posttool_sensor", "warn_payload", "posttool_sensor.warn_payload"),
]
SLOWER += POSTTOOL_SENSOR_SLOWER
# ---------------------------------------------------------------- issue 9, the arbiter cluster's pure leaves
# (lock_modes, overlap_policy, lane_overlap). docs/benchmarks.md, "The arbiter
# cluster's pure leaves on the generated route": ARBITER_LEAVES are faster than
# the reference through the generic route (swapped by default);
# ARBITER_LEAVES_SLOWER are not (declared, not swapped by default).
# overlap_policy.admissible_under_floor has no mapping: the reference's takes a
# policy object (a plugin runs in Python) and a config object.
ARBITER_LEAVES = [
    Route("dos.lane_overlap", "overlap_verdict", "lane_overlap.overlap_verdict"),
    Route("dos.overlap_policy", "floor_decision", "overlap_policy.floor_decision"),
]
ROUTES += ARBITER_LEAVES
ARBITER_LEAVES_SLOWER = [
    Route("dos.lock_modes", "modes_compatible", "lock_modes.modes_compatible"),
    Route("dos.lock_modes", "region_conflict", "lock_modes.region_conflict"),
]
SLOWER += ARBITER_LEAVES_SLOWER
# ---------------------------------------------------------------- issue 9, the durable surfaces
# (export_cursor, id_alloc, run_id, verdict_journal, intent_ledger). A file
# reader is swapped only for calls that name their file: the reference keeps
# resolving its own default paths (its config, its environment).

def given_path(path: Any, mod: Any) -> str:
    """A file the caller names: a ``str`` or a plain ``pathlib`` path; None
    (the reference's default path) or anything else declines."""
    if path is None:
        raise Decline
    return path_text(path, mod)


def id_alloc_dir_of(config: Any, mod: Any) -> str:
    """The counters' directory of the reference's config as the reference
    finds it (``$DISPATCH_ID_ALLOC_DIR``, else ``id-alloc`` under the
    config's state home); a config without that layout declines."""
    import os

    env = os.environ.get("DISPATCH_ID_ALLOC_DIR")
    if env:
        return env
    try:
        base = config.paths.leases_dir or config.paths.dot_dos
    except AttributeError:
        raise Decline from None
    if not isinstance(base, (str, _pathlib.PurePath)):
        raise Decline
    return str(_pathlib.Path(base) / "id-alloc")


DURABLE = [
    Route("dos.id_alloc", "allocate", "id_alloc.allocate", {"config": ("dir", id_alloc_dir_of)}),
    Route("dos.id_alloc", "peek", "id_alloc.peek", {"config": ("dir", id_alloc_dir_of)}),
    Route("dos.export_cursor", "read_cursor", "export_cursor.read_file", {"path": ("path", given_path)}),
    Route("dos.export_cursor", "resolve_since", "export_cursor.resolve_since_file", {"path": ("path", given_path)}),
]
ROUTES += DURABLE


def journal_path_own_clock(path: Any, mod: Any) -> str:
    """A verdict journal the caller names, written with the reference's own
    clock: a program that replaced ``journal_now_iso`` (a simulated clock)
    keeps it (the reference answers)."""
    now = getattr(mod, "journal_now_iso", None)
    if getattr(now, "__module__", None) != mod.__name__ or getattr(now, "__qualname__", None) != "journal_now_iso":
        raise Decline
    return given_path(path, mod)


# verdict_journal (session 8): the file ops, for calls that name their file.
# The pure folds over the reference's own events are slower through the
# generic route than the reference's few Python lines (docs/benchmarks.md,
# "verdict_journal on the generated route"):
# declared, not swapped by default.
VERDICT_JOURNAL = [
    Route("dos.verdict_journal", "record", "verdict_journal.record", {"path": ("path", journal_path_own_clock)}),
    Route("dos.verdict_journal", "read_all", "verdict_journal.read_file", {"path": ("path", given_path)}),
    Route("dos.verdict_journal", "tail", "verdict_journal.tail", {"path": ("path", given_path)}),
    Route("dos.verdict_journal", "read_events", "verdict_journal.read_events_file", {"path": ("path", given_path)}),
]
ROUTES += VERDICT_JOURNAL
VERDICT_JOURNAL_SLOWER = [
    Route("dos.verdict_journal", "rollup", "verdict_journal.rollup"),
    Route("dos.verdict_journal", "for_run", "verdict_journal.for_run"),
    Route("dos.verdict_journal", "count_corrupt", "verdict_journal.count_corrupt", {"raw": ("entries", None)}),
]
SLOWER += VERDICT_JOURNAL_SLOWER
# intent_ledger (session 9): the builders and the replay fold over the
# reference's own records; the ledger's file reader (read_all with a path) is
# the companion's (_intent_ledger_files). Measured in docs/benchmarks.md,
# "intent_ledger on the generated route".
INTENT_LEDGER_SLOWER = [
    Route("dos.intent_ledger", "intent_entry", "intent_ledger.intent_entry"),
    Route("dos.intent_ledger", "step_claimed_entry", "intent_ledger.step_claimed_entry"),
    Route("dos.intent_ledger", "step_verified_entry", "intent_ledger.step_verified_entry"),
    Route("dos.intent_ledger", "suspend_entry", "intent_ledger.suspend_entry"),
    Route("dos.intent_ledger", "resume_proposed_entry", "intent_ledger.resume_proposed_entry"),
    Route("dos.intent_ledger", "replay", "intent_ledger.replay"),
]
SLOWER += INTENT_LEDGER_SLOWER
# durable_schema: its three functions are served by their fast paths
# (python/src/fastpath.rs; docs/benchmarks.md, "durable_schema on the
# generated route").
DURABLE_SCHEMA = [
    Route("dos.durable_schema", "classify", "durable_schema.classify"),
    Route("dos.durable_schema", "tag", "durable_schema.tag"),
    Route("dos.durable_schema", "unreadable_refusal_payload", "durable_schema.unreadable_refusal_payload"),
]
ROUTES += DURABLE_SCHEMA
# ---------------------------------------------------------------- issue 9, the lane journal's pure half
# (lane_journal: the fold and compaction; the file readers stay the
# companion's, python/dos_native/_lane_journal_files.py). Served by their hand
# fast paths (python/src/journal_fast.rs), still slower than the reference's
# fold over a 40-record journal (0.4-0.9x: reading the records into libdos and
# the live set back costs more than the fold; docs/benchmarks.md, "The lane
# journal's pure half"): declared, not swapped by default.

def exact_records(entries: Any, mod: Any) -> list[Any]:
    """A journal's records as the fold takes them: a list or tuple of records
    of exact built-in types, no tuple inside (the fold answers with the
    records' own lists) and no infinite float (the reference's ``int()`` of
    one raises); anything else declines."""
    from ._native import _is_exact

    if type(entries) is not list and type(entries) is not tuple:
        raise Decline
    if not all(_is_exact(e, tuples=False, finite=True) for e in entries):
        raise Decline
    return list(entries)


LANE_JOURNAL = [
    Route("dos.lane_journal", "replay", "lane_journal.replay", {"entries": ("entries", exact_records)}),
    Route("dos.lane_journal", "compact", "lane_journal.compact", {"entries": ("entries", exact_records)}),
]
SLOWER += LANE_JOURNAL
# ---------------------------------------------------------------- issue 9, the file-tree prefix algebra
# (_tree). Served by their hand fast paths (python/src/tree.rs, listed in
# fastpath.rs); tree_disjoint_from_all_live takes the reference's lookup
# callable and stays a hand _accelerate.py entry (python/dos_native/_tree_live.py
# for the typed one).
TREE = [
    Route("dos._tree", "norm_tree_prefix", "_tree.norm_tree_prefix"),
    Route("dos._tree", "prefixes_collide", "_tree.prefixes_collide"),
    Route("dos._tree", "lane_trees_disjoint", "_tree.lane_trees_disjoint"),
]
ROUTES += TREE
# ---------------------------------------------------------------- issue 9, admission and the self-modification guard
# (admission, self_modify). run_predicates takes predicate objects (a plugin
# is called back) and a config object: it stays the arbiter's hand binder
# (_accelerate_arbiter.py, python/src/arbiter.rs); docs/benchmarks.md,
# "Admission and the self-modification guard". The guard's class is not a
# function to swap (the arbiter's binder serves it inside the conjunction).


def str_sequence(value: Any, mod: Any) -> list[str]:
    """A tuple or list of ``str`` as a list (the reference's default runtime
    files are a tuple); anything else declines."""
    if (type(value) is not tuple and type(value) is not list) or not all(type(x) is str for x in value):
        raise Decline
    return list(value)


SELF_MODIFY = [
    Route("dos.self_modify", "_tree_touches_runtime", "self_modify._tree_touches_runtime",
          {"runtime_files": ("runtime_files", str_sequence)}),
]
ROUTES += SELF_MODIFY
# ---------------------------------------------------------------- issue 9, the config linter
# (config_lint). The reference's functions are duck-typed on its config
# classes, which live in other modules (dos.config, dos.reasons): each is read
# by a converter that takes exactly the reference's own class and declines
# anything else (a look-alike object, a subclass), which the reference serves.


def _reference_class(module: str, name: str) -> Any:
    import sys

    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    if not isinstance(cls, type):
        raise Decline
    return cls


def lane_taxonomy(taxonomy: Any, mod: Any) -> dict[str, Any]:
    """The reference's ``dos.config.LaneTaxonomy`` (exactly that class) as the
    op's taxonomy: its five fields, which must hold exact built-in values (a
    value of the wrong shape the op refuses, and the reference then answers)."""
    from ._native import _is_exact

    if type(taxonomy) is not _reference_class("dos.config", "LaneTaxonomy"):
        raise Decline
    out = {"concurrent": taxonomy.concurrent, "exclusive": taxonomy.exclusive, "autopick": taxonomy.autopick,
           "trees": taxonomy.trees, "aliases": taxonomy.aliases}
    if not _is_exact(out):
        raise Decline
    return out


def reason_registry(registry: Any, mod: Any) -> Any:
    """The reference's ``dos.reasons.ReasonRegistry`` (exactly that class, its
    specs exactly ``ReasonSpec``) as the op's list of specs, each by the two
    fields the linter reads; None stays None (``lint`` without a registry)."""
    from ._native import _is_exact

    if registry is None:
        return None
    if type(registry) is not _reference_class("dos.reasons", "ReasonRegistry"):
        raise Decline
    spec_t = _reference_class("dos.reasons", "ReasonSpec")
    specs = registry.specs
    if type(specs) is not tuple and type(specs) is not list:
        raise Decline
    out = []
    for s in specs:
        if type(s) is not spec_t:
            raise Decline
        out.append({"token": s.token, "see_also": s.see_also})
    if not _is_exact(out):
        raise Decline
    return out


def str_collection(items: Any, mod: Any) -> Any:
    """A list, tuple, set or frozenset of exact ``str`` as a list (the
    reference only tests membership); anything else declines."""
    t = type(items)
    if t is not list and t is not tuple and t is not set and t is not frozenset:
        raise Decline
    if not all(type(x) is str for x in items):
        raise Decline
    return items if t is list else list(items)


# Faster through the route than the reference (docs/benchmarks.md, "The config
# linter on the generated route"): the pairwise region checks run in libdos.
CONFIG_LINT = [
    Route("dos.config_lint", "lint", "config_lint.lint",
          {"taxonomy": ("taxonomy", lane_taxonomy), "registry": ("registry", reason_registry)}),
    Route("dos.config_lint", "lint_lanes", "config_lint.lint_lanes", {"taxonomy": ("taxonomy", lane_taxonomy)}),
]
# Slower: reading a registry's specs costs more than the reference's walk over
# them, and has_error is one generator expression: declared, not swapped by default.
CONFIG_LINT_SLOWER = [
    Route("dos.config_lint", "lint_reasons", "config_lint.lint_reasons",
          {"registry": ("registry", reason_registry), "known_lanes": ("known_lanes", str_collection)}),
    Route("dos.config_lint", "has_error", "config_lint.has_error"),
]
ROUTES += CONFIG_LINT
SLOWER += CONFIG_LINT_SLOWER
# ---------------------------------------------------------------- issue 9, run_id (session 10)
# The token checks and lineage_env over the reference's own RunId, and mint
# with the reference's default clock and entropy (libdos reads its own: the
# reference's seams are watched, _seams.WATCHED); a caller's callables, a
# parent of another type or a subclass decline to the reference. The token
# checks are faster through the route (RUN_ID, swapped); lineage_env and the
# mints are not reliably faster than the reference's few Python lines
# (docs/benchmarks.md, "run_id on the generated route"): declared, not
# swapped by default (RUN_ID_SLOWER). The run
# directory's file functions have no mapping (the route flushes run.json to
# disk, which the reference does not: slower by design).


def run_parent(parent: Any, mod: Any) -> Any:
    """``mint``'s parent: None, an exact ``str`` token, or exactly the
    reference's ``RunId`` (its token and root); anything else declines."""
    if parent is None or type(parent) is str:
        return parent
    if type(parent) is mod.RunId and type(parent.run_id) is str and type(parent.root_id) is str:
        return {"run_id": parent.run_id, "root_id": parent.root_id}
    raise Decline


def reference_default(name: str) -> Any:
    """A converter: the reference's own default callable ``name`` (the clock,
    the entropy) as None, libdos's own; a caller's callable declines (the
    reference calls it)."""

    def conv(fn: Any, mod: Any) -> None:
        if fn is not getattr(mod, name, None) or getattr(fn, "__module__", None) != mod.__name__:
            raise Decline
        return None

    return conv


def lineage_vars(env: Any, mod: Any) -> dict[str, Any]:
    """``mint_child_from_env``'s lineage variables: of ``env`` (a plain
    ``dict`` of ``str``), else of ``os.environ``, as the reference reads them."""
    import os

    e = os.environ if env is None else env
    if env is not None and type(env) is not dict:
        raise Decline
    out = {k: e.get(k) for k in ("CID_RUN_ID", "CID_ROOT_ID")}
    if not all(v is None or type(v) is str for v in out.values()):
        raise Decline
    return out


RUN_ID = [
    Route("dos.run_id", "is_run_id", "run_id.is_run_id"),
    Route("dos.run_id", "ts_ms_of", "run_id.ts_ms_of"),
]
ROUTES += RUN_ID
RUN_ID_SLOWER = [
    Route("dos.run_id", "lineage_env", "run_id.lineage_env"),
    Route("dos.run_id", "mint", "run_id.mint",
          {"parent": ("parent", run_parent), "clock_ms": ("clock_ms", reference_default("_default_clock_ms")),
           "entropy": ("entropy", reference_default("_default_entropy"))}),
    Route("dos.run_id", "mint_child_from_env", "run_id.mint_child_from_env",
          {"env": ("env", lineage_vars), "clock_ms": ("clock_ms", reference_default("_default_clock_ms")),
           "entropy": ("entropy", reference_default("_default_entropy"))}),
]
SLOWER += RUN_ID_SLOWER
