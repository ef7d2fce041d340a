"""How the tests compare an answer of the reference with libdos's.

Decision fields are compared exactly; prose (the ``reason`` of a dataclass,
of a ``LaneDecision`` and of a verdict's ``to_dict()`` nested in a result,
a hook payload's ``additionalContext`` and ``detail``) is libdos's own
wording and left out. Floats compare by ``repr``
(so NaN equals NaN and ``-0.0`` differs from ``0.0``). An exception compares
by its family: its first built-in class (``BusyError`` is a
``TimeoutError``, ``BadArgsError`` a ``ValueError``).
"""
import builtins
import dataclasses
import re

DICT_PROSE = ("additionalContext", "detail")
#: A dict holding "status" is a synthetic tool result: its "error" and
#: "remediation" are prose (intervention.synthetic_corrective_result).
STATUS_PROSE = ("error", "remediation")
#: A dict holding one of these keys is a verdict's to_dict(): its "reason" is prose.
VERDICT_KEYS = ("readability", "verdict", "state", "outcome", "capability", "intervention")
#: Dataclasses whose prose fields are not called "reason": a config_lint
#: finding's "detail" and "fix", a judge verdict's "why", and the "detail"
#: an evidence record gets from derived_witness (or a built-in source) when
#: the caller gives none are libdos's own words.
CLASS_PROSE = {("dos.config_lint", "Finding"): ("detail", "fix"), ("dos.evidence", "EvidenceFacts"): ("detail",),
               ("dos.judges", "JudgeVerdict"): ("why",),
               ("dos.log_source", "LogEvidence"): ("detail",)}


def shape(x):
    """A comparable form of a result: its type and fields, prose left out."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        prose = ("reason",) + CLASS_PROSE.get((type(x).__module__, type(x).__qualname__), ())
        return (type(x),) + tuple(
            (f.name, shape(getattr(x, f.name))) for f in dataclasses.fields(x) if f.name not in prose
        )
    if isinstance(x, dict):
        prose = DICT_PROSE + (("reason",) if any(k in x for k in VERDICT_KEYS) else ())
        prose += STATUS_PROSE if "status" in x else ()
        return {k: shape(v) for k, v in x.items() if k not in prose}
    if isinstance(x, (list, tuple)):
        return (type(x), [shape(v) for v in x])
    if isinstance(x, float):
        return (type(x), repr(x))
    if not isinstance(x, type) and type(x).__module__.startswith("dos.") and hasattr(x, "to_dict"):
        d = dict(x.to_dict())
        d.pop("reason", None)
        return (type(x), shape(d))
    return (type(x), x)


def family(exc_type):
    """The first built-in class an exception type derives from."""
    for cls in exc_type.__mro__:
        if cls.__module__ == "builtins" and getattr(builtins, cls.__name__, None) is cls:
            return cls
    return exc_type


def outcome(fn, *args, **kwargs):
    """("ok", shape of the result) or ("raised", exception type). An
    exception that is not an ``Exception`` (a ``PanicException``...) comes
    back as ("leaked", its type), which never agrees with an answer."""
    try:
        return ("ok", shape(fn(*args, **kwargs)))
    except Exception as e:  # noqa: BLE001 - the class is compared
        return ("raised", type(e))
    except BaseException as e:  # noqa: BLE001 - a leak is reported, not swallowed
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return ("leaked", type(e))


def agree(ref, got):
    """The reference's outcome and libdos's agree: the same decision fields,
    or both raised exceptions of one family."""
    if ref == got:
        return True
    return ref[0] == got[0] == "raised" and family(ref[1]) is family(got[1])


def lease_view(leases):
    """Live lease records without the fields that name a moment or a
    process (``acquired_at``, ``heartbeat_at``, ``loop_ts``, ``pid``), which
    twin runs write differently (a heartbeat on each twin lands in whatever
    second the clock is in then)."""
    moments = ("acquired_at", "heartbeat_at", "loop_ts", "pid")
    return [{k: v for k, v in lease.items() if k not in moments} for lease in leases]


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def mask_clock(x):
    """An outcome with every whole-second UTC stamp written as one token."""
    if isinstance(x, str):
        return "<now>" if _STAMP.fullmatch(x) else x
    if isinstance(x, tuple):
        return tuple(mask_clock(v) for v in x)
    if isinstance(x, list):
        return [mask_clock(v) for v in x]
    return x
