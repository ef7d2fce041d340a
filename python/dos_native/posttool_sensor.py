"""Native ``dos.posttool_sensor`` (its pure half): a PostToolUse hook event
becomes a ``StreamStep``, and a firing stream verdict becomes the hook's
advisory ``additionalContext`` document.

Digests are the first 16 hex characters of SHA-256. The args digest covers
``{"input": tool_input, "tool": tool_name}`` (a missing or null input counts
as ``{}``); the result digest covers the first of ``tool_response`` /
``tool_output`` that is present and not null (none: no result digest). A
``str`` is hashed as its UTF-8, anything else as its
``json.dumps(..., sort_keys=True, ensure_ascii=False)`` text; a lone
surrogate becomes ``?``. Events must hold JSON data of exactly the built-in
types (what a hook reads from stdin); other values raise ``TypeError``.

The session stream log (appending and replaying steps on disk) is boundary
I/O and belongs to the hook binary, not here.
"""
from __future__ import annotations

from typing import Any, Optional

from . import _native, _typed
from ._native import args_digest, canonical_bytes, digest, result_digest
from ._native import dispatch as _dispatch
from .tool_stream import StreamPolicy, StreamState, StreamStep, StreamVerdict

__all__ = [
    "SCHEMA_FAMILY",
    "TOOL_STREAM_SCHEMA",
    "STREAMS_DIRNAME",
    "step_from_event",
    "warn_payload",
    "digest",
    "canonical_bytes",
    "result_digest",
    "args_digest",
]

#: The durable-schema family and version of a stream log record.
SCHEMA_FAMILY = "tool-stream"
TOOL_STREAM_SCHEMA = 1
#: The directory under ``.dos/`` that holds one stream log per session.
STREAMS_DIRNAME = "streams"


def _step_from_event(event: Any, policy: "StreamPolicy | None" = None) -> Optional[StreamStep]:
    """The ``StreamStep`` of one PostToolUse event (pure, in libdos), or
    None when the event is not a mapping with a non-empty ``tool_name``
    string. ``policy`` is accepted, as in the reference, and not read."""
    if not isinstance(event, dict):
        return None
    raise TypeError(
        "step_from_event hashes JSON data only: dicts with str keys, lists, tuples, str, int, float, "
        "bool and None, of exactly those types (tool_name included)"
    )


_step_from_event.__name__ = _step_from_event.__qualname__ = "step_from_event"
step_from_event = _typed.native(_native.bind_step_from_event(_step_from_event, StreamStep), _step_from_event)


def _warn_payload(verdict: StreamVerdict) -> Optional[dict[str, Any]]:
    """The PostToolUse advisory for a REPEATING or STALLED verdict (pure, in
    libdos): ``{"hookSpecificOutput": {"hookEventName": "PostToolUse",
    "additionalContext": <text>}}``; None for ADVANCING.

    ``verdict`` may also be the reference's ``StreamVerdict`` or a mapping
    in ``to_dict()`` shape; values libdos does not take raise ``DosError``.
    """
    d: dict[str, Any]
    if isinstance(verdict, dict):
        d = verdict
    else:
        rs = verdict.repeated_step
        d = {
            "state": _typed.value_of(verdict.state),
            "repeat_run": verdict.repeat_run,
            "repeated_step": None if rs is None else {
                "tool_name": rs.tool_name, "args_digest": rs.args_digest, "result_digest": rs.result_digest,
            },
            "reason": verdict.reason,
        }
    out: Optional[dict[str, Any]] = _dispatch("posttool_sensor.warn_payload", {"verdict": d})
    return out


_warn_payload.__name__ = _warn_payload.__qualname__ = "warn_payload"
warn_payload = _typed.native(_native.bind_warn_payload(StreamVerdict, StreamState, _warn_payload, StreamStep), _warn_payload)
