"""Golden cases for `dos.claim_ttl` (all five functions).

The args of each op are the reference function's keyword arguments, except
`expires_at_from`, whose `now` (a datetime) arrives as `now_ms`, integer
milliseconds since the Unix epoch (UTC), as every clock does in libdos.
"""
import datetime as dt

from dos import claim_ttl as ct

from .common import NON_ASCII, cases, op, rand_text

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
MS_MIN = -62135596800000  # 0001-01-01T00:00Z
MS_END = 253402300800000  # 10000-01-01T00:00Z


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


@op("claim_ttl.infer_kind")
def _infer_kind(args, config):
    return ct.infer_kind(**args)


@op("claim_ttl.infer_status")
def _infer_status(args, config):
    return ct.infer_status(**args)


@op("claim_ttl.expected_wallclock")
def _expected_wallclock(args, config):
    return ct.expected_wallclock(**args)


@op("claim_ttl.resolve_ttl_minutes")
def _resolve(args, config):
    kw = dict(args)
    if "policy" in kw and isinstance(kw["policy"], dict):
        kw["policy"] = ct.TtlPolicy(**kw["policy"])
    return ct.resolve_ttl_minutes(**kw)


@op("claim_ttl.expires_at_from")
def _expires(args, config):
    kw = dict(args)
    now_ms = kw.pop("now_ms")
    if type(now_ms) is not int:
        raise _Refused("now_ms must be an int")
    try:
        now = EPOCH + dt.timedelta(milliseconds=now_ms)
        return ct.expires_at_from(now, **kw)
    except OverflowError as e:  # datetime's range: a refused request, not a crash
        raise _Refused(str(e)) from e


LONE = ["\ud800", "\udfff", "a\udc00"]
TEXTS = ["", "soft", "hard", "agent_in_session", "Soft", "HARD", "unknown", "x", "working",
         "in_progress", "awaiting_commit", "done", "stale", "awaiting_decision", " soft", "soft "]
ODD = [None, 0, 1, -1, 0.0, 2.5, True, False, [], [1], {}, {"a": 1}, "", "x"]
PREFIXES = ["fanout-", "next-up-", "FANOUT-", "", "f", "İ", "i̇", "ß", "Σ", "ς", "é", "fan", "next"]
KINDS = ["hard", "soft", "agent_in_session", "weird", "", "é"]


def _by(rng):
    return rng.choice([
        "fanout-20260604T010203Z", "next-up-2026-06-04-1", "FANOUT-x", "Next-Up-7", "İx", "ıX", "ẞeta",
        "ΣΑΣ", "manual", "", rand_text(rng, "fanoutxt-NEXUP", 14, 0.2),
    ])


def _entry(rng):
    e = {}
    if rng.random() < 0.4:
        e["claim_kind"] = rng.choice(TEXTS + ["soft", "hard", "agent_in_session"] * 2 + ODD[:4])
    if rng.random() < 0.35:
        e["claim_expires_at"] = rng.choice(["2026-06-04T01:00Z", "", None, 0, 1, "x", [], [0]])
    if rng.random() < 0.6:
        e["dispatched_by"] = rng.choice([_by(rng), _by(rng), None, "", 0, False, []])
    if rng.random() < 0.4:
        e["claim_status"] = rng.choice(TEXTS + ODD[:3])
    if rng.random() < 0.4:
        e["status"] = rng.choice(TEXTS + ODD)
    if rng.random() < 0.2:
        e[rand_text(rng, "abc_", 6, 0.2)] = rng.choice(ODD)
    keys = list(e)
    rng.shuffle(keys)
    return {k: e[k] for k in keys}


def _kinds(rng):
    return [[rng.choice(PREFIXES), rng.choice(KINDS)] for _ in range(rng.choice([0, 1, 2, 2, 3, 5]))]


def _policy(rng):
    p = {}
    for k in ("awaiting_commit_minutes", "agent_in_session_minutes",
              "default_working_wallclock_minutes", "working_ttl_multiplier"):
        if rng.random() < 0.4:
            p[k] = rng.choice([0, 1, 2, 7, 30, 90, 1440, rng.randint(0, 10**6), I64_MAX])
    if rng.random() < 0.04:
        p[rng.choice(list(ct.TtlPolicy.__dataclass_fields__))] = -rng.randint(1, 5)
    return p


TABLE = [
    # infer_kind: explicit kind, expiry, the host's prefix map, fallbacks
    ("claim_ttl.infer_kind", {"entry": {"claim_kind": "soft"}}),
    ("claim_ttl.infer_kind", {"entry": {"claim_kind": "hard", "claim_expires_at": "x"}}),
    ("claim_ttl.infer_kind", {"entry": {"claim_kind": "agent_in_session"}}),
    ("claim_ttl.infer_kind", {"entry": {"claim_kind": "bogus", "claim_expires_at": "2026-06-04T01:00Z"}}),
    ("claim_ttl.infer_kind", {"entry": {"claim_expires_at": ""}}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "fanout-20260604T010203Z"},
                              "dispatcher_kinds": [["fanout-", "hard"], ["next-up-", "soft"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "next-up-2026-06-04-1"},
                              "dispatcher_kinds": [["fanout-", "hard"], ["next-up-", "soft"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "fanout-20260604T010203Z"}}),
    ("claim_ttl.infer_kind", {"entry": {}}),
    ("claim_ttl.infer_kind", {"entry": {}, "dispatcher_kinds": [["", "first"], ["", "second"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": None}, "dispatcher_kinds": [["", "empty"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "İstanbul"}, "dispatcher_kinds": [["i̇s", "dotted"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "ΟΔΟΣ"}, "dispatcher_kinds": [["οδος", "sigma"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "ΟΔΟΣ"}, "dispatcher_kinds": [["οδοσ", "sigma"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "a\ud800B"}, "dispatcher_kinds": [["A\ud800b", "lone"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "x"}, "dispatcher_kinds": [["X", "\udfff"]]}),
    # the reference refuses these
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": 7}}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": ["fanout-"]}, "dispatcher_kinds": [["f", "k"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "x"}, "dispatcher_kinds": [[1, "k"]]}),
    ("claim_ttl.infer_kind", {"entry": {"dispatched_by": "x"}, "dispatcher_kinds": [["a", "b", "c"]]}),
    ("claim_ttl.infer_kind", {"entry": "fanout-"}),
    ("claim_ttl.infer_kind", {"entry": []}),
    ("claim_ttl.infer_kind", {}),
    ("claim_ttl.infer_kind", {"entry": {}, "extra": 1}),
    # infer_status
    *[("claim_ttl.infer_status", {"entry": {"claim_status": s}}) for s in ct.VALID_CLAIM_STATUSES],
    ("claim_ttl.infer_status", {"entry": {"status": "in_progress"}}),
    ("claim_ttl.infer_status", {"entry": {"status": "in_progress", "claim_status": "stale"}}),
    ("claim_ttl.infer_status", {"entry": {"status": "expired"}}),
    ("claim_ttl.infer_status", {"entry": {"status": None}}),
    ("claim_ttl.infer_status", {"entry": {"status": [1, {"a": None}]}}),
    ("claim_ttl.infer_status", {"entry": {"status": 2**70}}),
    ("claim_ttl.infer_status", {"entry": {"status": "\ud800"}}),
    ("claim_ttl.infer_status", {"entry": {"claim_status": "Working", "status": 3.5}}),
    ("claim_ttl.infer_status", {"entry": {}}),
    ("claim_ttl.infer_status", {"entry": None}),
    ("claim_ttl.infer_status", {}),
    # expected_wallclock
    ("claim_ttl.expected_wallclock", {"claim_kind": "hard", "ttl_minutes": 120}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "soft", "ttl_minutes": None}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "agent_in_session", "ttl_minutes": None}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "hard", "ttl_minutes": None}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "soft", "ttl_minutes": 0}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "soft", "ttl_minutes": -5}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "\ud800", "ttl_minutes": I64_MIN}),
    ("claim_ttl.expected_wallclock", {"claim_kind": "soft"}),
    ("claim_ttl.expected_wallclock", {"ttl_minutes": 3}),
    # resolve_ttl_minutes (the reference's own table, then edges)
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "agent_in_session",
                                       "expected_wallclock_minutes": 30}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "awaiting_commit", "claim_kind": "agent_in_session",
                                       "expected_wallclock_minutes": None}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 30}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 120}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": None}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "awaiting_commit", "claim_kind": "hard",
                                       "expected_wallclock_minutes": None}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "awaiting_decision", "claim_kind": "hard",
                                       "expected_wallclock_minutes": 30}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "stale", "claim_kind": "hard", "expected_wallclock_minutes": 30}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": None,
                                       "policy": {"working_ttl_multiplier": 5, "default_working_wallclock_minutes": 10}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": I64_MAX,
                                       "policy": {"working_ttl_multiplier": I64_MAX}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": I64_MIN,
                                       "policy": {"working_ttl_multiplier": I64_MAX}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 0,
                                       "policy": {}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 5,
                                       "policy": {"awaiting_commit_minutes": -1}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 5,
                                       "policy": {"working_ttl_multiplier": "3"}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 5,
                                       "policy": {"working_ttl_multiplier": None}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 5,
                                       "policy": {"bogus": 1}}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard", "expected_wallclock_minutes": 5,
                                       "policy": None}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "claim_kind": "hard"}),
    ("claim_ttl.resolve_ttl_minutes", {"claim_status": "working", "expected_wallclock_minutes": 1}),
    # expires_at_from
    ("claim_ttl.expires_at_from", {"now_ms": 1780534800000, "ttl_minutes": None}),
    ("claim_ttl.expires_at_from", {"now_ms": 1780534800000, "ttl_minutes": 90}),
    ("claim_ttl.expires_at_from", {"now_ms": 1767225600000, "ttl_minutes": 60}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": 0}),
    ("claim_ttl.expires_at_from", {"now_ms": -1, "ttl_minutes": 0}),
    ("claim_ttl.expires_at_from", {"now_ms": 59999, "ttl_minutes": -1}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_MIN, "ttl_minutes": 0}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_MIN, "ttl_minutes": -1}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_END - 1, "ttl_minutes": 0}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_END - 60000, "ttl_minutes": 1}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_MIN, "ttl_minutes": 5258963519}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_MIN, "ttl_minutes": 5258963520}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": 1439999998560}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": 1440000000000}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": I64_MAX}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": I64_MIN}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_END, "ttl_minutes": None}),
    ("claim_ttl.expires_at_from", {"now_ms": MS_MIN - 1, "ttl_minutes": 5}),
    ("claim_ttl.expires_at_from", {"now_ms": "0", "ttl_minutes": 5}),
    ("claim_ttl.expires_at_from", {"now_ms": 0, "ttl_minutes": "5"}),
    ("claim_ttl.expires_at_from", {"now_ms": 0}),
]


@cases
def _cases(rng):
    yield from TABLE
    for _ in range(260):
        args = {"entry": _entry(rng)}
        if rng.random() < 0.7:
            args["dispatcher_kinds"] = _kinds(rng)
        yield "claim_ttl.infer_kind", args
    for _ in range(230):
        yield "claim_ttl.infer_status", {"entry": _entry(rng)}
    for _ in range(300):
        yield "claim_ttl.expected_wallclock", {
            "claim_kind": rng.choice(TEXTS + [rng.choice(NON_ASCII), rand_text(rng, "softhardgn_", 10, 0.1)]),
            "ttl_minutes": rng.choice([None, None, 0, 1, 30, 90, -3, I64_MAX, I64_MIN, rng.randint(0, 10**6),
                                       rng.randint(-(10**9), 10**9), rng.randint(I64_MIN, I64_MAX)]),
        }
    for _ in range(260):
        args = {
            "claim_status": rng.choice(TEXTS + ["working"] * 4 + ["awaiting_commit"] * 2),
            "claim_kind": rng.choice(TEXTS + ["agent_in_session"] * 2),
            "expected_wallclock_minutes": rng.choice([None, None, 0, 1, 30, 120, -7, rng.randint(0, 10**5), 2**62]),
        }
        if rng.random() < 0.5:
            args["policy"] = _policy(rng)
        yield "claim_ttl.resolve_ttl_minutes", args
    for _ in range(300):
        now = rng.choice([0, 1780534800000, rng.randint(0, 4 * 10**12), rng.randint(MS_MIN, MS_END - 1),
                          rng.choice([MS_MIN, MS_END - 1]) + rng.randint(-3, 3) * 60000])
        ttl = rng.choice([None, 0, 1, 60, 90, 1440, -rng.randint(1, 10**4), rng.randint(0, 10**7),
                          rng.randint(-(10**13), 10**13)])
        yield "claim_ttl.expires_at_from", {"now_ms": now, "ttl_minutes": ttl}
