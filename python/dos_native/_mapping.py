"""What accelerate() swaps through the generic adapter (``_adapter``): one
line per reference function of a module on the generated route."""
from __future__ import annotations

import enum
import functools
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


def reference_rung(verdict: Any, mod: Any) -> Any:
    """The op's decision built as the reference's, its rung replaced by the
    built-in ladder's own rung object when they agree (its prose is the
    reference's)."""
    decision = binder(mod).from_native(verdict_type("precursor_gate.precursor_intervention"), verdict)
    if decision is None:
        return None
    import dataclasses
    import sys

    base = getattr(sys.modules.get("dos.intervention"), "BASE_INTERVENTIONS", None)
    rung = base.get(decision.rung.key) if base is not None else None
    if rung is None or (rung.rank, rung.dispatches, rung.returns_synthetic) != (
            decision.rung.rank, decision.rung.dispatches, decision.rung.returns_synthetic):
        return decision
    return dataclasses.replace(decision, rung=rung)


ROUTES = [
    Route("dos.claim_ttl", "infer_kind", "claim_ttl.infer_kind"),
    Route("dos.claim_ttl", "infer_status", "claim_ttl.infer_status"),
    Route("dos.claim_ttl", "expected_wallclock", "claim_ttl.expected_wallclock"),
    Route("dos.claim_ttl", "resolve_ttl_minutes", "claim_ttl.resolve_ttl_minutes"),
    Route("dos.claim_ttl", "expires_at_from", "claim_ttl.expires_at_from", {"now": ("now_ms", ms_from_datetime)}),
    Route("dos.verdict", "conforms", "verdict.conforms", {"verdict_obj": ("verdict_obj", describe_verdict_obj)}),
    # issue 10, tool-call provenance
    Route("dos.arg_provenance", "classify_arg", "arg_provenance.classify_arg"),
    Route("dos.arg_provenance", "classify_call", "arg_provenance.classify_call"),
    Route("dos.intervention", "assess_confidence", "intervention.assess_confidence"),
    Route("dos.intervention", "choose_intervention", "intervention.choose_intervention"),
    Route("dos.intervention", "synthetic_corrective_result", "intervention.synthetic_corrective_result"),
    Route("dos.enforce", "run_handler", "enforce.run_handler",
          {"handler": ("handler", builtin_handler), "config": ("host_config", ignored)}),
    Route("dos.precursor_gate", "classify_call", "precursor_gate.classify_call"),
    Route("dos.precursor_gate", "precursor_intervention", "precursor_gate.precursor_intervention",
          result=reference_rung),
    Route("dos.precursor_gate", "grammar_from_table", "precursor_gate.grammar_from_table"),
]

# Declared but not swapped by accelerate(): through the generic route these
# leaves are slower than the reference itself (docs/benchmarks.md, "witness
# chain"), and accelerate() must never slow a program down. They stay
# reachable as ops and typed functions; _adapter.register(SLOWER) swaps them
# on request (the tests do, to prove the mapping answers like the reference).
SLOWER = [
    *WITNESS_CHAIN,
]
