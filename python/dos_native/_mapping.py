"""What accelerate() swaps through the generic adapter (``_adapter``): one
line per reference function of a module on the generated route."""
from __future__ import annotations

import enum
from typing import Any

from ._adapter import Route, ms_from_datetime


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


ROUTES = [
    Route("dos.claim_ttl", "infer_kind", "claim_ttl.infer_kind"),
    Route("dos.claim_ttl", "infer_status", "claim_ttl.infer_status"),
    Route("dos.claim_ttl", "expected_wallclock", "claim_ttl.expected_wallclock"),
    Route("dos.claim_ttl", "resolve_ttl_minutes", "claim_ttl.resolve_ttl_minutes"),
    Route("dos.claim_ttl", "expires_at_from", "claim_ttl.expires_at_from", {"now": ("now_ms", ms_from_datetime)}),
    Route("dos.verdict", "conforms", "verdict.conforms", {"verdict_obj": ("verdict_obj", describe_verdict_obj)}),
]
