"""The hand-written half of ``dos_native.posttool_sensor`` (the generated
module re-exports it): the digest helpers behind ``step_from_event``, for a
host that hashes its own values the same way. They take and give bytes and
plain values, not op arguments, so they are native functions of
``dos_native._native`` rather than ops: the first 16 hex characters of
SHA-256, over a ``str``'s UTF-8 (a lone surrogate as ``?``) or over
``json.dumps(value, sort_keys=True, ensure_ascii=False)`` encoded the same
way. Values must be JSON data of exactly the built-in types; anything else
raises ``TypeError``.
"""
from __future__ import annotations

from ._native import args_digest, canonical_bytes, digest, result_digest

__all__ = ["digest", "canonical_bytes", "result_digest", "args_digest"]
