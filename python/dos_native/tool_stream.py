"""Native ``dos.tool_stream``: is the tool loop still getting new bytes back?

Each step of a session's tool stream is reduced, at the boundary, to three
strings: the tool, a digest of its arguments and a digest of the result the
environment returned (see ``dos_native.posttool_sensor``). ``classify_stream``
counts, in libdos, how many steps at the end of the stream share one
(case-folded tool, args digest, result digest) key:

* a run shorter than ``repeat_n``: ADVANCING (also an empty or short stream);
* from ``repeat_n``: REPEATING, the same answer keeps coming back;
* from ``stall_n``: STALLED.

A step without a result, or whose tool the policy exempts, never extends a
run. ``StreamStep`` is a native class (reading steps is the hot loop); the
verdict is a frozen dataclass whose ``to_dict()`` has dos-kernel's shape.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from . import _native, _typed
from ._native import StreamStep
from ._native import dispatch as _dispatch

__all__ = [
    "StreamState",
    "StreamPolicy",
    "DEFAULT_POLICY",
    "StreamStep",
    "ToolStream",
    "StreamVerdict",
    "classify_stream",
    "policy_from_table",
    "load_from_toml",
]


class StreamState(str, enum.Enum):
    """The three stall states; the value is the wire token."""

    ADVANCING = "ADVANCING"
    REPEATING = "REPEATING"
    STALLED = "STALLED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class StreamPolicy:
    """The run lengths that make a stream REPEATING (``repeat_n``, default 3)
    and STALLED (``stall_n``, default 5, at least ``repeat_n``), and the tool
    names whose steps never count (``ignore_tools``, compared case-folded)."""

    repeat_n: int = 3
    stall_n: int = 5
    ignore_tools: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.repeat_n < 1:
            raise ValueError("repeat_n has to be at least 1")
        if self.stall_n < self.repeat_n:
            raise ValueError(f"stall_n ({self.stall_n}) is below repeat_n ({self.repeat_n})")


DEFAULT_POLICY = StreamPolicy()


@dataclass(frozen=True)
class ToolStream:
    """The steps of one session's stream so far, oldest first."""

    steps: tuple[StreamStep, ...] = ()


@dataclass(frozen=True)
class StreamVerdict:
    """The stall state, the length of the identical run at the end of the
    stream, the latest step when it repeats (None while ADVANCING) and a
    one-line reason."""

    state: StreamState
    repeat_run: int
    repeated_step: Optional[StreamStep]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape dos-kernel emits."""
        rs = self.repeated_step
        return {
            "state": self.state.value,
            "repeat_run": self.repeat_run,
            "repeated_step": None if rs is None else rs.to_dict(),
            "reason": self.reason,
        }


def _step_fields(s: Any) -> dict[str, Any]:
    if isinstance(s, StreamStep):
        return s.to_dict()
    out: dict[str, Any] = _typed.fields(s)
    return out


def _classify_stream(stream: ToolStream, policy: StreamPolicy = DEFAULT_POLICY) -> StreamVerdict:
    """Classify the stream's stall state (pure, in libdos).

    ``stream`` may also be the reference's ``ToolStream`` or a mapping
    ``{"steps": [...]}`` whose steps are mappings or the reference's steps;
    ``policy`` may be the reference's or a mapping. Values libdos does not
    take raise ``DosError``.
    """
    steps: Any = stream.get("steps", ()) if isinstance(stream, dict) else getattr(stream, "steps", stream)
    args = {"stream": {"steps": [_step_fields(s) for s in steps]}}
    if policy is not None and policy is not DEFAULT_POLICY:
        args["policy"] = dict(_typed.fields(policy))
    _dispatch("tool_stream.classify_stream", args)
    own_policy = DEFAULT_POLICY
    if "policy" in args:
        own_policy = _typed.coerce(StreamPolicy, args["policy"], ignore_tools=frozenset)
    own = ToolStream(tuple(s if type(s) is StreamStep else StreamStep(**_step_fields(s)) for s in steps))
    out: StreamVerdict = _typed.serve(classify_stream, own, own_policy)
    return out


_classify_stream.__name__ = _classify_stream.__qualname__ = "classify_stream"
classify_stream = _typed.native(
    _native.bind_classify_stream(ToolStream, StreamPolicy, DEFAULT_POLICY, StreamVerdict, StreamState, _classify_stream),
    _classify_stream,
)


def policy_from_table(table: dict[str, Any]) -> StreamPolicy:
    """A ``StreamPolicy`` from a parsed ``[tool_stream]`` table (pure, in
    libdos): missing keys keep the defaults, ``ignore_tools`` may be one
    string or a list, and an empty or missing table is ``DEFAULT_POLICY``.
    A bad value raises ``DosError``."""
    if not table:
        return DEFAULT_POLICY
    d = _dispatch("tool_stream.policy_from_table", {"table": table})
    return StreamPolicy(repeat_n=d["repeat_n"], stall_n=d["stall_n"], ignore_tools=frozenset(d["ignore_tools"]))


def load_from_toml(path: "Path | str", *, base: StreamPolicy = DEFAULT_POLICY) -> StreamPolicy:
    """The policy a ``dos.toml``'s ``[tool_stream]`` table declares, or
    ``base`` when the file or a non-empty table is missing. Reading the file
    happens here, in Python; libdos only reads the parsed table."""
    p = Path(path)
    if not p.exists():
        return base
    import tomllib

    table = tomllib.loads(p.read_text(encoding="utf-8-sig")).get("tool_stream")
    if not isinstance(table, dict) or not table:
        return base
    return policy_from_table(table)
