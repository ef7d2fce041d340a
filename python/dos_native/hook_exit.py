"""Native ``dos.hook_exit``: a plain hook script's exit code, read as an
intervention verb.

The lookup is data (``HookExitPolicy``): one pass code (default 0, nothing
to do), explicit code-to-verb entries (default ``2 -> BLOCK``, Claude Code's
blocking exit code; an entry mapped to None is one more pass code), and a
fallback verb for every other code (default WARN: a failure nobody declared
informs rather than passing silently or blocking). ``classify_exit`` runs in
libdos and reads only the code.
"""
from __future__ import annotations

from typing import Any, Optional

from dataclasses import dataclass, field

from . import _native, _typed
from ._native import dispatch as _dispatch
from .intervention import Intervention

# The native verdicts of this module answer with these members (the
# intervention module is generated from the op table and binds nothing).
_native._bind("Intervention", Intervention)

__all__ = ["Intervention", "HookExitPolicy", "DEFAULT_POLICY", "ExitVerdict", "classify_exit"]


@dataclass(frozen=True)
class HookExitPolicy:
    """The exit-code lookup: ``pass_code``, ``mapping`` ({code: Intervention
    or None}) and the ``fallback`` verb."""

    pass_code: int = 0
    mapping: dict[int, Optional[Intervention]] = field(default_factory=lambda: {2: Intervention.BLOCK})
    fallback: Intervention = Intervention.WARN

    def with_mapping(self, more: Any) -> "HookExitPolicy":
        """A copy with ``more`` ({code: verb or its name}) added; later entries win."""
        merged = dict(self.mapping)
        for code, verb in (more or {}).items():
            merged[int(code)] = verb if isinstance(verb, Intervention) else Intervention(str(verb))
        return HookExitPolicy(pass_code=self.pass_code, mapping=merged, fallback=self.fallback)


DEFAULT_POLICY = HookExitPolicy()

#: The verdict: ``code``, ``intervention`` (None when the script approved),
#: ``matched`` (an explicit entry or the pass code decided, not the
#: fallback), ``passed``, a reason written when first read, and ``to_dict()``
#: in dos-kernel's shape.
ExitVerdict = _native.ExitVerdict


def _policy_fields(policy: Any) -> dict[str, Any]:
    m = getattr(policy, "mapping", None)
    if isinstance(policy, dict):
        return policy
    return {
        "pass_code": policy.pass_code,
        "mapping": {str(k): (None if v is None else _typed.value_of(v)) for k, v in (m or {}).items()},
        "fallback": _typed.value_of(policy.fallback),
    }


def _classify_exit(code: int, policy: HookExitPolicy = DEFAULT_POLICY) -> ExitVerdict:
    """The intervention a hook script's exit ``code`` maps to (pure, in libdos).

    ``policy`` may also be the reference's ``HookExitPolicy`` or a mapping
    ``{pass_code, mapping: {"<code>": verb}, fallback, more}``; values libdos
    does not take raise ``DosError``.
    """
    args: dict[str, Any] = {"code": code}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = _policy_fields(policy)
    _dispatch("hook_exit.classify_exit", args)
    own_policy = DEFAULT_POLICY
    if "policy" in args:
        d = args["policy"]
        own_policy = HookExitPolicy(
            pass_code=d.get("pass_code", 0),
            mapping={int(k): (None if v is None else Intervention(v)) for k, v in d.get("mapping", {2: "BLOCK"}).items()},
            fallback=Intervention(d.get("fallback", "WARN")),
        ).with_mapping(d.get("more"))
    out: ExitVerdict = _typed.serve(classify_exit, code, own_policy)
    return out


_classify_exit.__name__ = _classify_exit.__qualname__ = "classify_exit"
classify_exit = _typed.native(
    _native.bind_classify_exit(HookExitPolicy, DEFAULT_POLICY, Intervention, _classify_exit), _classify_exit
)
