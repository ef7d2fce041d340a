"""What accelerate() swaps through the generic adapter (``_adapter``): one
line per reference function of a module on the generated route."""
from __future__ import annotations

import enum
from typing import Any

from ._adapter import Decline, Route, ms_from_datetime


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
    """A decision whose rung is the built-in ladder's, carrying the
    reference's own rung object (its prose is the reference's)."""
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
