"""Native ``dos.exec_capability``: does a command grant arbitrary code execution?"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from . import _native
from ._native import ExecCapabilityVerdict

__all__ = [
    "Capability",
    "CROSS_PLATFORM_CODE_EXEC",
    "ExecCapabilityPolicy",
    "ExecCapabilityVerdict",
    "DEFAULT_POLICY",
    "classify_command",
]


class Capability(str, enum.Enum):
    """What a command's invoked program grants."""

    GRANTS_ARBITRARY_EXEC = "GRANTS_ARBITRARY_EXEC"
    BOUNDED = "BOUNDED"
    EMPTY = "EMPTY"

    def __str__(self) -> str:
        return self.value


_native._bind_capability(Capability)

#: The default set of programs whose invocation grants arbitrary execution.
CROSS_PLATFORM_CODE_EXEC: frozenset[str] = _native.CROSS_PLATFORM_CODE_EXEC


@dataclass(frozen=True)
class ExecCapabilityPolicy:
    """The program tokens that grant arbitrary execution (lower-case basenames)."""

    programs: frozenset[str] = field(default_factory=lambda: CROSS_PLATFORM_CODE_EXEC)

    def with_extra(self, extra: Any) -> "ExecCapabilityPolicy":
        """A copy with ``extra`` tokens added (stripped, lower-cased, blanks skipped)."""
        more = frozenset(str(p).strip().lower() for p in (extra or ()) if str(p).strip())
        return ExecCapabilityPolicy(programs=self.programs | more)


DEFAULT_POLICY = ExecCapabilityPolicy()


def _classify_command_doc(command: str, policy: ExecCapabilityPolicy = DEFAULT_POLICY) -> ExecCapabilityVerdict:
    """Classify the program ``command`` invokes: GRANTS_ARBITRARY_EXEC, BOUNDED or EMPTY."""
    if policy is DEFAULT_POLICY:
        return _native.classify_command(command)
    return _native.classify_command(command, policy)


# The native function itself (no Python frame in between): it takes the same
# arguments and accepts this module's policies or the reference's.
classify_command = _native.classify_command
del _classify_command_doc
