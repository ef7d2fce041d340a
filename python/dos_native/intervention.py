"""Native ``dos.intervention`` (so far only its vocabulary): how strongly a
consumer may act on a verdict. The ladder, the confidence and the policy
that choose a rung arrive with their own port."""
from __future__ import annotations

import enum

from . import _native

__all__ = ["Intervention"]


class Intervention(str, enum.Enum):
    """The closed set of rungs a consumer may act on; the value is the wire
    token. OBSERVE records only; WARN shows the verdict and still runs the
    call; DEFER recommends skipping the call and asking again; BLOCK
    recommends refusing the call and answering with a corrective result."""

    OBSERVE = "OBSERVE"
    WARN = "WARN"
    DEFER = "DEFER"
    BLOCK = "BLOCK"

    def __str__(self) -> str:
        return self.value


_native._bind("Intervention", Intervention)
