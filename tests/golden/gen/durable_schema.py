"""Golden cases for `dos.durable_schema`."""
import random
from dos import durable_schema as ds

from .common import rand_text, cases, op
from .jsonish import FLOATS, INTS, fields, int64, plain, rand_json, rt

# The longest `supported` list the native side will build (a contract limit).
MAX_SUPPORTED_CEILING = 1 << 16


@op("durable_schema.tag")
def _tag(args, config):
    args = rt(args)
    version = args.get("version")
    if version is None:
        return ds.tag(args["family"])
    return ds.tag(args["family"], version)


def _classify_facts(args, v):
    a = rt(args)
    fam, tag, r = a["family"], v["tag"], v["readability"]
    facts = [r]
    if r == "UNTAGGED":
        facts += [fam] if plain(fam) else []
    elif r == "WRONG_FAMILY":
        facts += [x for x in (tag["family"], fam) if plain(x)]
    else:
        name = fam or tag["family"]
        facts += [name] if plain(name) else []
        facts += [str(tag["version"]), str(v["ceiling"])]
    return {"reason": facts}


@op("durable_schema.classify", prose=["reason"], facts=_classify_facts)
def _classify(args, config):
    args = rt(args)
    family = args["family"]
    if not isinstance(family, str):
        raise TypeError("family must be a string")
    return ds.classify(args["record"], family=family, understands=int64(args["understands"], "understands")).to_dict()


def verdict(v):
    v = fields(v, ("readability", "reason", "family", "ceiling", "tag"), "verdict")
    if not isinstance(v.get("reason"), str) or not isinstance(v.get("family"), str):
        raise TypeError("reason and family must be strings")
    ceiling = int64(v.get("ceiling"), "ceiling")
    if ceiling > MAX_SUPPORTED_CEILING:
        raise ValueError("ceiling too large for a supported list")
    tag = None
    if "tag" in v:
        t = fields(v["tag"], ("family", "version"), "tag")
        if not isinstance(t.get("family"), str):
            raise TypeError("tag.family must be a string")
        ver = t.get("version", 1)
        if isinstance(ver, bool) or not isinstance(ver, int):
            raise TypeError("tag.version must be an integer")
        tag = ds.SchemaTag(family=t["family"], version=ver)
    return ds.ReadabilityVerdict(readability=ds.Readability(v["readability"]), reason=v["reason"],
                                 family=v["family"], ceiling=ceiling, tag=tag)


@op("durable_schema.SchemaTag.from_obj")
def _from_obj(args, config):
    fields(args, ("obj",), "args")
    if "obj" not in args:
        raise TypeError("obj is required")
    t = ds.SchemaTag.from_obj(rt(args["obj"]))
    return None if t is None else t.to_dict()


# A property of a four-member enum: its distinct inputs are the members and a
# few refusals.
@op("durable_schema.Readability.is_soundly_readable", min_cases=10)
def _is_soundly_readable(args, config):
    args = rt(fields(args, ("self",), "args"))
    if not isinstance(args.get("self"), str):
        raise TypeError("self must be a readability token")
    return ds.Readability(args["self"]).is_soundly_readable


@op("durable_schema.unreadable_refusal_payload")
def _payload(args, config):
    args = rt(args)
    return ds.unreadable_refusal_payload(verdict(args["verdict"]))


FAMILIES = ["intent-ledger", "lane-journal", "tool-stream", "run", "", " ", "Run", "é", "x\ud800", "it's", "a\"b'c",
            "tab\t", "\u200b"]
SCHEMA_VALUES = ([None, True, False, 0, 1, 2, 3, -1, 1.0, 2.0, float("nan"), "1", "", [], [1], {}] + INTS +
                 [{"family": f, "version": v} for f in ("tool-stream", "run", "", "x\ud800")
                  for v in (0, 1, 2, 3, -5, 2**70, True, 1.0, "1", None)] +
                 [{"family": "tool-stream"}, {"version": 1}, {"family": 5, "version": 1},
                  {"family": None, "version": 2}, {"family": "tool-stream", "version": 1, "extra": "x"}])


@cases
def _cases(rng):
    # tag
    for f in FAMILIES + [None, 5, [], {}, ["x"], True, 0]:
        yield "durable_schema.tag", {"family": f}
    for v in [1, 2, 0, -1, 2**70, -(2**70), True, False, 1.0, 0.5, 1.5, float("nan"), float("inf"),
              float("-inf"), "2", [], {}, None, -0.0, 1e300]:
        yield "durable_schema.tag", {"family": "tool-stream", "version": v}
    for _ in range(200):
        f = rng.choice(FAMILIES) if rng.random() < 0.5 else (rand_json(rng, 1) if rng.random() < 0.3 else rand_text(rng, "abc-_ ", 10))
        args = {"family": f}
        if rng.random() < 0.8:
            args["version"] = rng.randint(-2, 9) if rng.random() < 0.7 else rng.choice(INTS + FLOATS + [True, "1"])
        yield "durable_schema.tag", args

    # classify
    for s in SCHEMA_VALUES:
        for fam in ("tool-stream", "", "run"):
            for und in (1, 2, 0):
                yield "durable_schema.classify", {"record": {"schema": s, "op": "STEP"}, "family": fam,
                                                  "understands": und}
    yield "durable_schema.classify", {"record": {}, "family": "run", "understands": 1}
    for bad in [None, [], "schema", 5, [{"schema": 1}]]:
        yield "durable_schema.classify", {"record": bad, "family": "run", "understands": 1}
    for fam, und in [(None, 1), (5, 1), ("run", 1.0), ("run", True), ("run", 2**63), ("run", None)]:
        yield "durable_schema.classify", {"record": {"schema": 1}, "family": fam, "understands": und}
    for _ in range(300):
        if rng.random() < 0.6:
            s = rng.choice(SCHEMA_VALUES)
        elif rng.random() < 0.5:
            s = {"family": rng.choice(FAMILIES), "version": rng.randint(-1, 4)}
        else:
            s = rand_json(rng, 2)
        rec = {"schema": s} if rng.random() < 0.9 else {}
        if rng.random() < 0.5:
            extra = rand_json(rng, 1) if rng.random() < 0.1 else {"tool_name": "Read", "result_digest": None}
            rec.update(extra if isinstance(extra, dict) else {"extra": extra})
        yield "durable_schema.classify", {"record": rec, "family": rng.choice(FAMILIES),
                                          "understands": rng.randint(-1, 4) if rng.random() < 0.95 else 2**62}

    # unreadable_refusal_payload: verdicts the reference produced, fed back in
    for _ in range(220):
        s = rng.choice(SCHEMA_VALUES) if rng.random() < 0.7 else {"family": "run", "version": rng.randint(1, 6)}
        v = ds.classify({"schema": s}, family=rng.choice(FAMILIES), understands=rng.randint(-2, 5)).to_dict()
        yield "durable_schema.unreadable_refusal_payload", {"verdict": v}
    base = {"readability": "UNREADABLE_NEWER", "reason": "r", "family": "run", "ceiling": 2,
            "tag": {"family": "run", "version": 3}}
    for change in [{}, {"tag": None}, {"tag": {"family": "run"}}, {"tag": {"family": "", "version": 2**70}},
                   {"ceiling": 0}, {"ceiling": -3}, {"ceiling": MAX_SUPPORTED_CEILING},
                   {"reason": "\ud800 detail"}, {"family": "x\ud800"},
                   # refused
                   {"ceiling": MAX_SUPPORTED_CEILING + 1}, {"ceiling": 2**63}, {"ceiling": 2.0}, {"ceiling": True},
                   {"readability": "NEWER"}, {"readability": 1}, {"reason": 1}, {"family": None},
                   {"tag": {"family": "run", "version": 0}}, {"tag": {"family": "run", "version": True}},
                   {"tag": {"version": 2}}, {"tag": {"family": "run", "version": 2, "x": 1}}, {"tag": "run"},
                   {"extra": 1}]:
        yield "durable_schema.unreadable_refusal_payload", {"verdict": dict(base, **change)}
    yield "durable_schema.unreadable_refusal_payload", {"verdict": None}
    yield "durable_schema.unreadable_refusal_payload", {}

    # SchemaTag.from_obj: every schema value above, random JSON, refusals
    for s in SCHEMA_VALUES:
        yield "durable_schema.SchemaTag.from_obj", {"obj": s}
    for _ in range(150):
        s = {"family": rng.choice(FAMILIES), "version": rng.randint(-2, 5)} if rng.random() < 0.5 else rand_json(rng, 2)
        yield "durable_schema.SchemaTag.from_obj", {"obj": s}
    # more tagged shapes, from a generator of their own (so the stream above,
    # and every case drawn after it, stays as it was)
    more = random.Random(20261207)
    for _ in range(120):
        s = {"family": more.choice(FAMILIES + [rand_text(more)]), "version": more.choice([more.randint(-3, 9), 2**70, True, 1.0, "2", None])}
        if more.random() < 0.3:
            s[rand_text(more)] = rand_json(more, 1)
        yield "durable_schema.SchemaTag.from_obj", {"obj": s}
    yield "durable_schema.SchemaTag.from_obj", {}
    yield "durable_schema.SchemaTag.from_obj", {"obj": 1, "x": 2}

    # Readability.is_soundly_readable: each member, then refusals
    for r in ds.Readability:
        yield "durable_schema.Readability.is_soundly_readable", {"self": r.value}
    for bad in ["readable", "", None, 1, "NEWER", {}]:
        yield "durable_schema.Readability.is_soundly_readable", {"self": bad}
    yield "durable_schema.Readability.is_soundly_readable", {}
