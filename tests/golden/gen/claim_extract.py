"""Golden cases for `dos.claim_extract` (`claim_from_frontmatter`,
`extract_claims`): the reference's own table (the marker rung and its
markup, prose mentions, duplicates, the frontmatter rung, the abstaining
heuristic and its never-invent floor), then random assistant text: marker
lines with odd whitespace and line ends, phase-shaped tokens (Unicode
digits, underscores, lowercase), completion verbs in any case, every
`str.splitlines` boundary, control characters.

Claims travel as the reference's `Claim.to_dict()` (plan, phase, rung, raw
and the `confident` property); `Claim.confident` is its own op. The transcript
reader reads files and is tested from Python (python/tests/test_route_shapeA.py)."""
from dos import claim_extract as ce

from . import _regex
from .common import cases, op
from .evidence import _Refused, check_args


def _fields(claims):
    return [c.to_dict() for c in claims]


def _opt_str(v, what):
    if v is not None and type(v) is not str:
        raise _Refused(what)
    return v


@op("claim_extract.claim_from_frontmatter")
def _frontmatter(args, config):
    check_args(args, {"plan": True, "phase": True})
    return _fields(ce.claim_from_frontmatter(_opt_str(args["plan"], "plan"), _opt_str(args["phase"], "phase")))


@op("claim_extract.extract_claims")
def _extract(args, config):
    check_args(args, {"text": True, "allow_heuristic": False})
    if type(args["text"]) is not str:
        raise _Refused("text")
    if "allow_heuristic" in args:
        if type(args["allow_heuristic"]) is not bool:
            raise _Refused("allow_heuristic")
        return _fields(ce.extract_claims(args["text"], allow_heuristic=args["allow_heuristic"]))
    return _fields(ce.extract_claims(args["text"]))


@op("claim_extract.Claim.confident")
def _confident(args, config):
    check_args(args, {"self": True})
    d = args["self"]
    # The native Claim takes its four fields as text (raw may be left out);
    # `confident` may come back with it and is recomputed.
    if type(d) is not dict or not {"plan", "phase", "rung"} <= set(d) <= {"plan", "phase", "rung", "raw", "confident"}:
        raise _Refused("self")
    if any(type(d[k]) is not str for k in ("plan", "phase", "rung", "raw") if k in d):
        raise _Refused("self")
    if "confident" in d and type(d["confident"]) is not bool:
        raise _Refused("self.confident")
    return ce.Claim(**{k: v for k, v in d.items() if k != "confident"}).confident


FRONT = [("AUTH", "AUTH2"), ("AUTH", None), (None, "AUTH2"), ("", ""), (None, None), (" A ", "\tA1\n"), ("A", " "),
         ("\x1c", "x"), ("ß", "İ"), ("\ud800", "x"), ("a b", "c d"), ("\u3000P\u3000", "Q"), ("x\x00", "y")]
TEXTS = [
    ("I did the work.\nDOS-CLAIM: AUTH AUTH2\ndone", None),
    ("remember to emit a DOS-CLAIM: line like AUTH AUTH2", None),
    ("- DOS-CLAIM: FQ FQ390", None), ("* DOS-CLAIM: FQ FQ390", None), ("> DOS-CLAIM: FQ FQ390", None),
    ("  DOS-CLAIM: FQ FQ390", None),
    ("DOS-CLAIM: A A1\nDOS-CLAIM: A A1\nDOS-CLAIM: B B2", None),
    ("I shipped AUTH2 today", False), ("I shipped AUTH2 today", True),
    ("All done! Everything works.", True), ("I finished the auth endpoint and it's shipped.", True),
    ("Completed the migration successfully.", True), ("Done.", True), ("see AUTH2 for context", True),
    ("DOS-CLAIM: AUTH AUTH2\nyes I shipped AUTH2", True),
    ("early turn\nDOS-CLAIM: OLD OLD1", False), ("DOS-CLAIM: A A1", False),
    ("", None), ("DOS-CLAIM: A", None), ("DOS-CLAIM: A B C", None), ("DOS-CLAIM:A B", None),
    ("DOS-CLAIM: A B \t", None), ("DOS-CLAIM: A B\r\nx", None), ("DOS-CLAIM: A B\r", None),
    ("DOS-CLAIM: A\u00a0B", None), ("DOS-CLAIM: A B\u2028", None), ("x DOS-CLAIM: A B", None),
    ("->*> DOS-CLAIM:\tP\tQ", None), ("- DOS-CLAIM: A A1\nDOS-CLAIM: A A1", None),
    ("merged FQ390 and AUTH_X2 and ab3 and A1 and AB٣ and AB²", True), ("SHIPPED: DLA3, DLA3, DLA4", True),
    ("landed X_2 and XY_2 and X__Y7", True), ("done\x0bAUTH2", True), ("done\x1cAUTH2", True),
    ("done\u2029AUTH2", True), ("done AUTH2\x85more", True), ("DONE AUTH2x AUTH3_ AUTH4é", True),
    ("completedAUTH2", True), ("finished — ÀUTH2 AUTH2", True), ("I’ve merged ABC12 (done)", True),
    ("DOS-CLAIM: AUTH AUTH2\nshipped AUTH2 and AUTH3", True), ("shipped AUTH3\nDOS-CLAIM: AUTH AUTH3", True),
]
VERBS = ["shipped", "Landed", "COMPLETED", "finished", "done", "merged", "ship", "undone", "done_", "ſhipped"]
TOKENS = ["AUTH2", "FQ390", "DLA3", "AB_C12", "A1", "ab2", "AB٣", "AB²", "ΣΑ1", "X_9", "AUTH2x", "_AB1", "ÀB1"]
SEPS = [" ", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", ". ", ", "]


def _text(rng):
    parts = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.15:
            parts.append(rng.choice(["", "- ", "> ", "\t*", " -> "]) + "DOS-CLAIM:" + rng.choice([" ", "\t", "  ", ""]) +
                         rng.choice(TOKENS + ["p"]) + rng.choice([" ", "\t", "\u00a0", ""]) + rng.choice(TOKENS + [""]) +
                         rng.choice(["", " ", "\t", " x"]))
        elif r < 0.4:
            parts.append(rng.choice(VERBS))
        elif r < 0.65:
            parts.append(rng.choice(TOKENS))
        elif r < 0.85:
            parts.append(rng.choice(SEPS))
        else:
            parts.append(_regex.text(rng, 2))
        parts.append(rng.choice(SEPS))
    return "".join(parts)


@cases
def _cases(rng):
    for plan, phase in FRONT:
        yield "claim_extract.claim_from_frontmatter", {"plan": plan, "phase": phase}
    for bad in [{"plan": "A"}, {"phase": "A1"}, {"plan": 1, "phase": "x"}, {"plan": "A", "phase": ["A1"]},
                {"plan": "A", "phase": "A1", "extra": 1}]:
        yield "claim_extract.claim_from_frontmatter", bad
    for _ in range(320):
        pick = lambda: rng.choice([None, "", " ", rng.choice(TOKENS), _regex.text(rng, 2), _regex.text(rng, 4),  # noqa: E731
                                   rng.choice(SEPS) + rng.choice(TOKENS) + rng.choice(SEPS)])
        yield "claim_extract.claim_from_frontmatter", {"plan": pick(), "phase": pick()}
    for text, h in TEXTS:
        yield "claim_extract.extract_claims", ({"text": text} if h is None else {"text": text, "allow_heuristic": h})
    for bad in [{}, {"text": None}, {"text": 3}, {"text": "x", "allow_heuristic": 1}, {"text": "x", "other": True}]:
        yield "claim_extract.extract_claims", bad
    for _ in range(400):
        args = {"text": _text(rng)}
        if rng.random() < 0.3:
            args["allow_heuristic"] = rng.random() < 0.5
        yield "claim_extract.extract_claims", args


@cases
def _confident_cases(rng):
    rungs = ["marker", "frontmatter", "heuristic", "", "Marker", "marker ", "\ud800", "frontmatter\x00"]
    for rung in rungs:
        yield "claim_extract.Claim.confident", {"self": {"plan": "A", "phase": "A1", "rung": rung, "raw": "r"}}
        yield "claim_extract.Claim.confident", {"self": {"plan": "A", "phase": "A1", "rung": rung}}
        yield "claim_extract.Claim.confident", {"self": {"plan": "A", "phase": "A1", "rung": rung, "confident": True}}
    for bad in [{}, {"self": None}, {"self": {"plan": "A", "phase": "A1"}}, {"self": {"plan": 1, "phase": "A1", "rung": "marker"}},
                {"self": {"plan": "A", "phase": "A1", "rung": "marker", "extra": 1}},
                {"self": {"plan": "A", "phase": "A1", "rung": "marker", "confident": "yes"}},
                {"self": {"plan": "A", "phase": "A1", "rung": "marker"}, "other": 1}]:
        yield "claim_extract.Claim.confident", bad
    for _ in range(200):
        rung = rng.choice(rungs + [_regex.text(rng, 2)])
        yield "claim_extract.Claim.confident", {"self": {"plan": _regex.text(rng, 2), "phase": _regex.text(rng, 2),
                                                         "rung": rung, "raw": _regex.text(rng, 3)}}
