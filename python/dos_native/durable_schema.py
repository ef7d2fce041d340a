"""Native ``dos.durable_schema``: every durable record names its own format,
and a reader refuses a format newer than it knows.

A record carries ``"schema": {"family": <str>, "version": <int >= 1>}`` (or,
in older records, a bare positive int with no family). ``classify`` compares
that tag with one reader's family and the highest version it understands, in
libdos:

* no usable tag: UNTAGGED (the caller decides; a tolerant fold reads it as
  version 1);
* a tag of another family (both non-empty): WRONG_FAMILY;
* a version above the ceiling: UNREADABLE_NEWER (refuse, never guess);
* otherwise READABLE.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from . import _native, _typed
from ._native import dispatch as _dispatch

__all__ = [
    "SCHEMA_KEY",
    "SCHEMA_UNREADABLE_REASON",
    "SchemaTag",
    "Readability",
    "ReadabilityVerdict",
    "tag",
    "classify",
    "unreadable_refusal_payload",
]

SCHEMA_KEY = "schema"
SCHEMA_UNREADABLE_REASON = "SCHEMA_UNREADABLE"


@dataclass(frozen=True)
class SchemaTag:
    """A record's declared format: ``family`` ("" for the old bare-int form)
    and a ``version`` of at least 1."""

    family: str
    version: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.family, str):
            raise ValueError("a schema family is a string")
        if self.version < 1:
            raise ValueError(f"schema versions start at 1, not {self.version!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "version": self.version}

    @classmethod
    def from_obj(cls, obj: Any) -> "Optional[SchemaTag]":
        """The tag a record's ``schema`` value holds (a ``{"family",
        "version"}`` mapping or a bare int), or None (read in libdos)."""
        found = _native.schema_tag_from_obj(obj)
        return None if found is None else cls(*found)


class Readability(str, enum.Enum):
    """How a reader may treat one record; the value is the wire token."""

    READABLE = "READABLE"
    UNREADABLE_NEWER = "UNREADABLE_NEWER"
    UNTAGGED = "UNTAGGED"
    WRONG_FAMILY = "WRONG_FAMILY"

    def __str__(self) -> str:
        return self.value

    @property
    def is_soundly_readable(self) -> bool:
        """Only READABLE may be parsed without a caller's own policy."""
        return self is Readability.READABLE


_native._bind("Readability", Readability)
_native._bind("SchemaTag", SchemaTag)


#: The readability, a one-line reason (written when first read), the
#: reader's ``family`` and ``ceiling``, and the record's ``tag`` (a
#: ``SchemaTag``, None when UNTAGGED); ``to_dict()`` in dos-kernel's shape.
ReadabilityVerdict = _native.ReadabilityVerdict


def _tag(family: str, version: int = 1) -> dict[str, Any]:
    """The ``{"schema": {"family", "version"}}`` fragment a writer merges into
    a record (checked in libdos): the family must be a non-empty string and
    the version at least 1, else ``BadArgsError`` (a ``DosError`` and a ``ValueError``)."""
    out: dict[str, Any] = _dispatch("durable_schema.tag", {"family": family, "version": version})
    return out


_tag.__name__ = _tag.__qualname__ = "tag"
tag = _typed.native(_native.bind_schema_tag(_tag), _tag)


def _classify(record: Mapping[str, Any], *, family: str, understands: int) -> ReadabilityVerdict:
    """May a reader of ``family`` that understands versions up to
    ``understands`` parse ``record``? (pure, in libdos). An empty reader
    family, or a bare-int tag, matches any family. ``record`` may be any
    mapping; values libdos does not take raise ``DosError``."""
    slim = {SCHEMA_KEY: record.get(SCHEMA_KEY)} if SCHEMA_KEY in record else {}
    d = _dispatch("durable_schema.classify", {"record": slim, "family": family, "understands": understands})
    t = d["tag"]
    plain = {} if t is None else {SCHEMA_KEY: {"family": t["family"], "version": t["version"]}}
    out: ReadabilityVerdict = _typed.serve(classify, plain, family=family, understands=understands)
    return out


_classify.__name__ = _classify.__qualname__ = "classify"
classify = _typed.native(_native.bind_schema_classify(_classify), _classify)


def _unreadable_refusal_payload(verdict: ReadabilityVerdict) -> dict[str, Any]:
    """The structured refusal for an UNREADABLE_NEWER verdict (in libdos):
    ``{"reason_class": "SCHEMA_UNREADABLE", "family", "requested",
    "supported": [1..ceiling], "detail"}``; ``requested`` is the record's
    version, or the ceiling when it had no tag."""
    t = verdict.tag
    d = {
        "readability": _typed.value_of(verdict.readability),
        "reason": verdict.reason,
        "family": verdict.family,
        "ceiling": verdict.ceiling,
        "tag": None if t is None else {"family": t.family, "version": t.version},
    }
    out: dict[str, Any] = _dispatch("durable_schema.unreadable_refusal_payload", {"verdict": d})
    return out


_unreadable_refusal_payload.__name__ = _unreadable_refusal_payload.__qualname__ = "unreadable_refusal_payload"
unreadable_refusal_payload = _typed.native(
    _native.bind_refusal_payload(_unreadable_refusal_payload),
    _unreadable_refusal_payload,
)
