"""Golden cases for `dos.log_source.gather_log` through the built-in `null` source.

The native op takes the built-in source by name (`source: "null"`); any other
name is a plugin, which runs in the host, and is refused (BAD_ARGS). The runner
resolves the name the reference's way and asks `gather_log` for the facts.
"""
from dos import log_source as ls

from .common import NON_ASCII, cases, op, rand_text


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _facts(args, verdict):
    return {"detail": ["null"]}


@op("log_source.gather_log", prose=("detail",), facts=_facts)
def _gather_log(args, config):
    if not isinstance(args, dict) or set(args) - {"source", "subject", "config"}:
        raise _Refused("gather_log takes source, subject and config")
    if "source" not in args or "subject" not in args:
        raise _Refused("source and subject are required")
    if not isinstance(args["source"], str) or not isinstance(args["subject"], str):
        raise _Refused("source and subject must be str")
    if args["source"] != ls.NullLogSource.name:
        raise _Refused("only the built-in source is native")
    src = ls.resolve_log_source(args["source"])
    return ls.gather_log(src, args["subject"], args.get("config")).to_dict()


SUBJECTS = ["", "run-1", "deadbeef", "unit:nginx.service", "a\nb", "\x00\x1f\x7f", "\ud800", "😀 run",
            "\u2028", "x" * 300]
CONFIGS = [None, {}, {"log_sources": ["paste"]}, [1, 2], "cfg", 3, 2.5, True]


@cases
def _cases(rng):
    for s in SUBJECTS:
        yield "log_source.gather_log", {"source": "null", "subject": s}
    for c in CONFIGS:
        yield "log_source.gather_log", {"source": "null", "subject": "s", "config": c}
    for bad in [{}, {"source": "null"}, {"subject": "s"}, {"source": "paste", "subject": "s"},
                {"source": "NULL", "subject": "s"}, {"source": " null", "subject": "s"},
                {"source": None, "subject": "s"}, {"source": "null", "subject": None},
                {"source": "null", "subject": 7}, {"source": ["null"], "subject": "s"},
                {"source": "null", "subject": "s", "extra": 1}]:
        yield "log_source.gather_log", bad
    for _ in range(220):
        args = {"source": rng.choice(["null"] * 8 + ["paste", "journald", "", rand_text(rng)]),
                "subject": rand_text(rng, "abc-_/:.\n\t\x01 ", 24, 0.2)}
        if rng.random() < 0.5:
            args["config"] = rng.choice(CONFIGS + [{"k": rng.choice(NON_ASCII)}])
        yield "log_source.gather_log", args
