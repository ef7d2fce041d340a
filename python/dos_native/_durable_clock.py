"""The clock helpers of the durable modules' typed Python (hand-written: a
stamp read from the clock is no op of libdos, whose ops never read it)."""
from __future__ import annotations

from . import _paths

__all__ = ["journal_now_iso"]


def journal_now_iso() -> str:
    """The current UTC second as the verdict journal stamps it (``%Y-%m-%dT%H:%M:%SZ``)."""
    return _paths.journal_now()
