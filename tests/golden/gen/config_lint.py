"""Golden cases for `dos.config_lint`: lint, lint_lanes, lint_reasons, has_error,
and the finding's `is_error` property and `line()` method."""
from __future__ import annotations

import ast
import re
from types import SimpleNamespace

from dos import config_lint as cl
from dos.config import LaneTaxonomy

from .common import NON_ASCII, cases, op, rand_text
from .jsonish import STRINGS, fields, rt

_LIST_KEYS = ("concurrent", "exclusive", "autopick")


def taxonomy(t):
    t = fields(t, _LIST_KEYS + ("trees", "aliases"), "taxonomy")
    for k in _LIST_KEYS:
        v = t.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise TypeError(f"{k} must be a list of strings")
    trees = t.get("trees", {})
    if not isinstance(trees, dict) or not all(isinstance(v, list) and all(isinstance(g, str) for g in v)
                                              for v in trees.values()):
        raise TypeError("trees must map lanes to lists of strings")
    aliases = t.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise TypeError("aliases must map keywords to strings")
    return LaneTaxonomy(concurrent=tuple(t.get("concurrent", [])), exclusive=tuple(t.get("exclusive", [])),
                        autopick=tuple(t.get("autopick", [])), trees={k: tuple(v) for k, v in trees.items()},
                        aliases=dict(aliases))


def registry(specs):
    if not isinstance(specs, list):
        raise TypeError("registry must be a list")
    out = []
    for s in specs:
        s = fields(s, ("token", "category", "refusal", "fix", "see_also", "summary"), "reason")
        if not isinstance(s.get("token"), str):
            raise TypeError("token must be a string")
        for k, ty in (("category", str), ("refusal", bool), ("fix", str), ("summary", str)):
            if k in s and not isinstance(s[k], ty):
                raise TypeError(f"{k} must be a {ty.__name__}")
        see = s.get("see_also", [])
        if not isinstance(see, list) or not all(isinstance(x, str) for x in see):
            raise TypeError("see_also must be a list of strings")
        out.append(SimpleNamespace(token=s["token"], see_also=tuple(see)))
    return SimpleNamespace(specs=tuple(out))


_QUOTED = re.compile(r"(?:lane|lanes|and|at) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


def _names(text):
    """The names the reference's prose quotes (repr'd lanes, keywords, refs)."""
    out = []
    for m in _QUOTED.finditer(text):
        try:
            s = ast.literal_eval(m.group(1))
        except Exception:
            continue
        if isinstance(s, str) and s and repr(s) == m.group(1) and m.group(1) not in out:
            out.append(m.group(1))
    return out


def _facts(args, verdict):
    facts = {}
    for i, f in enumerate(verdict):
        facts[f"{i}.detail"] = _names(f["detail"])
        facts[f"{i}.fix"] = []
    return facts


def _findings(fs):
    return [f.to_dict() for f in fs]


def finding(d):
    """A `Finding` given as its `to_dict()` fields."""
    d = fields(d, ("kind", "severity", "subject", "detail", "fix"), "finding")
    for k in ("subject", "detail", "fix"):
        if not isinstance(d.get(k), str):
            raise TypeError(f"{k} must be a string")
    return cl.Finding(kind=cl.LintKind(d.get("kind")), severity=cl.Severity(d.get("severity")), subject=d["subject"],
                      detail=d["detail"], fix=d["fix"])


@op("config_lint.has_error")
def _has_error(args, config):
    args = fields(rt(args), ("findings",), "args")
    fs = args["findings"]
    if not isinstance(fs, list):
        raise TypeError("findings must be a list")
    return cl.has_error([finding(f) for f in fs])


@op("config_lint.Finding.is_error")
def _is_error(args, config):
    args = fields(rt(args), ("self",), "args")
    return finding(args["self"]).is_error


@op("config_lint.finding_line")
def _finding_line(args, config):
    args = fields(rt(args), ("finding",), "args")
    return finding(args["finding"]).line()


@op("config_lint.lint", facts=_facts, dynamic_prose=True)
def _lint(args, config):
    args = fields(rt(args), ("taxonomy", "registry"), "args")
    reg = registry(args["registry"]) if "registry" in args else None
    return _findings(cl.lint(taxonomy(args["taxonomy"]), reg))


@op("config_lint.lint_lanes", facts=_facts, dynamic_prose=True)
def _lint_lanes(args, config):
    args = fields(rt(args), ("taxonomy",), "args")
    return _findings(cl.lint_lanes(taxonomy(args["taxonomy"])))


@op("config_lint.lint_reasons", facts=_facts, dynamic_prose=True)
def _lint_reasons(args, config):
    args = fields(rt(args), ("registry", "known_lanes"), "args")
    known = args["known_lanes"]
    if not isinstance(known, list) or not all(isinstance(x, str) for x in known):
        raise TypeError("known_lanes must be a list of strings")
    return _findings(cl.lint_reasons(registry(args["registry"]), known_lanes=known))


LANES = ["api", "web", "infra", "global", "main", "docs", "Api", "a", "b", "c", "é", "lane-x", ""]
GLOBS = ["**/*", "src/**", "src/api/**", "src/api/v1/*.py", "web/**/*", "docs/UI-*", "docs/", "docs", "",
         "SRC/**", "src/api", "src/apiary/**", "*.md", "lib/**", "src/web/**", "./src/x", "/abs/**"]
REFS = ["lane api", "lane nope", "LANE web", "  lane   x  ", "lane <holder>", "lane", "lane ", "oracle picker",
        "lanes api", "Lane <x", "lane é", "lane global"]

FIXED = [
    {"concurrent": ["main"], "exclusive": ["global"], "autopick": ["main"], "trees": {"main": ["**/*"], "global": ["**/*"]}},
    {"concurrent": ["api", "web"], "exclusive": ["infra"], "autopick": ["api", "web", "ghost"],
     "trees": {"api": ["src/api/**"], "web": ["src/**"]}, "aliases": {"w": "web", "x": "nope", "i": "infra"}},
    {"concurrent": ["a", "b"], "trees": {"a": ["src/**", "lib/**"], "b": ["src/x/**"]}},
    {"concurrent": ["a", "b"], "trees": {"a": ["src/**"], "b": ["src/**"]}},
    {"concurrent": ["a", "b"], "trees": {"a": ["src/**", "web/**"], "b": ["src/**", "lib/**"]}},
    {"concurrent": ["a", "a"], "autopick": ["a", "a"], "trees": {"a": ["x/**"]}},
    {"concurrent": ["a"], "exclusive": ["a"], "trees": {}},
    {"concurrent": ["a", "b"], "trees": {"a": [""], "b": ["**/*"]}},
    {"concurrent": ["frontend", "backend"], "exclusive": ["release", "global"], "autopick": ["frontend", "backend"],
     "trees": {"frontend": ["app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"],
               "backend": ["service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"],
               "release": ["deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"], "global": ["**/*"]},
     "aliases": {"ui": "frontend", "ship": "release"}},
    {},
]


def _rand_taxonomy(rng):
    lanes = rng.sample(LANES, rng.randint(0, 6))
    t = {}
    if rng.random() < 0.9:
        t["concurrent"] = [rng.choice(lanes) for _ in range(rng.randint(0, 4))] if lanes else []
    if rng.random() < 0.8:
        t["exclusive"] = [rng.choice(LANES) for _ in range(rng.randint(0, 2))]
    if rng.random() < 0.6:
        t["autopick"] = [rng.choice(LANES) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.9:
        t["trees"] = {lane: rng.sample(GLOBS, rng.randint(0, 3)) for lane in rng.sample(LANES, rng.randint(0, 5))}
    if rng.random() < 0.5:
        t["aliases"] = {rng.choice(["k", "K", "z", "é", "api"]): rng.choice(LANES) for _ in range(rng.randint(0, 3))}
    return t


def _rand_registry(rng):
    return [{"token": rng.choice(["R1", "R2", "LANE_LEASE_HELD", "ü"]),
             "see_also": rng.sample(REFS, rng.randint(0, 3))} for _ in range(rng.randint(0, 3))]


@cases
def _cases(rng):
    base_reasons = [{"token": s.token, "see_also": list(s.see_also)} for s in __import__("dos").reasons.BASE_REASONS.specs]
    for t in FIXED:
        yield "config_lint.lint_lanes", {"taxonomy": t}
        yield "config_lint.lint", {"taxonomy": t}
        yield "config_lint.lint", {"taxonomy": t, "registry": base_reasons}
        yield "config_lint.lint_reasons", {"registry": base_reasons, "known_lanes": t.get("concurrent", [])}
    for bad in [{"concurrent": "a"}, {"trees": {"a": "x"}}, {"aliases": {"a": 1}}, {"other": []}, [], None]:
        yield "config_lint.lint_lanes", {"taxonomy": bad}
    yield "config_lint.lint", {}
    yield "config_lint.lint_reasons", {"registry": [{"token": 5}], "known_lanes": []}
    yield "config_lint.lint_reasons", {"registry": [{"token": "x", "see_also": "lane a"}], "known_lanes": []}
    yield "config_lint.lint_reasons", {"registry": [], "known_lanes": "a"}
    for _ in range(260):
        t = _rand_taxonomy(rng)
        yield "config_lint.lint_lanes", {"taxonomy": t}
        args = {"taxonomy": t}
        if rng.random() < 0.7:
            args["registry"] = _rand_registry(rng)
        yield "config_lint.lint", args
        yield "config_lint.lint_reasons", {"registry": _rand_registry(rng),
                                           "known_lanes": rng.sample(LANES, rng.randint(0, 5))}


# ---------------------------------------------------------------- the findings themselves

KINDS = [k.value for k in cl.LintKind]
SEVERITIES = [v.value for v in cl.Severity]
# Texts a finding may carry: lane names, repr-hostile quotes, non-ASCII and
# lone surrogates (the reference takes any str).
TEXTS = LANES + ["it's", 'say "x"', "a'b\"c", "tab\tnl\n", "\ud800", "x\udfffy", "😀"] + NON_ASCII + STRINGS


def _rand_text(rng):
    return rng.choice(TEXTS) if rng.random() < 0.6 else rand_text(rng, non_ascii=0.2)


def _rand_finding(rng):
    f = {"kind": rng.choice(KINDS), "severity": rng.choice(SEVERITIES), "subject": _rand_text(rng),
         "detail": _rand_text(rng), "fix": _rand_text(rng)}
    r = rng.random()
    if r < 0.03:
        f["kind"] = rng.choice(["lane_without_tree", "NOPE", "", 3, None])
    elif r < 0.06:
        f["severity"] = rng.choice(["ERROR", "fatal", 0, None])
    elif r < 0.08:
        f[rng.choice(["subject", "detail", "fix"])] = rng.choice([None, 1, ["x"]])
    elif r < 0.09:
        del f[rng.choice(list(f))]
    elif r < 0.10:
        f["is_error"] = True
    return f


_FINDING_TABLE = [
    {"kind": "LANE_WITHOUT_TREE", "severity": "error", "subject": "lane1", "detail": "detail", "fix": "fix"},
    {"kind": "AUTOPICK_LANE_UNDECLARED", "severity": "warn", "subject": "x", "detail": "d", "fix": "f"},
    {"kind": "REASON_SEE_ALSO_DANGLES", "severity": "info", "subject": "", "detail": "", "fix": ""},
    {"kind": "CONCURRENT_LANES_OVERLAP", "severity": "warn", "subject": "a+b", "detail": "it's", "fix": "—"},
]


@cases
def _finding_cases(rng):
    for f in _FINDING_TABLE:
        yield "config_lint.Finding.is_error", {"self": f}
        yield "config_lint.finding_line", {"finding": f}
    yield "config_lint.has_error", {"findings": _FINDING_TABLE[:1]}
    yield "config_lint.has_error", {"findings": _FINDING_TABLE[1:]}
    yield "config_lint.has_error", {"findings": []}
    for bad in [None, {}, "x", [None], [{}], {"findings": []}]:
        yield "config_lint.has_error", {"findings": bad}
        yield "config_lint.Finding.is_error", {"self": bad}
        yield "config_lint.finding_line", {"finding": bad}
    yield "config_lint.has_error", {}
    yield "config_lint.finding_line", {"finding": _FINDING_TABLE[0], "extra": 1}
    for _ in range(300):
        yield "config_lint.Finding.is_error", {"self": _rand_finding(rng)}
        yield "config_lint.finding_line", {"finding": _rand_finding(rng)}
        yield "config_lint.has_error", {"findings": [_rand_finding(rng) for _ in range(rng.randint(0, 4))]}


# A null field counts as absent (the envelope's contract); a falsy value that
# is not the field's type is refused, as the reference's dataclass shape is.
NULLS = [
    {"concurrent": None, "exclusive": ["a"], "trees": None, "aliases": None, "autopick": None},
    {"concurrent": ["a"], "trees": {"a": None}},
    {"concurrent": ["a"], "aliases": {"k": None}},
    {"concurrent": ["a"], "trees": []},
    {"concurrent": ["a"], "aliases": []},
    {"concurrent": ["a"], "trees": False},
    {"concurrent": ["a"], "trees": ""},
    {"exclusive": [None]},
    {"concurrent": ["é", "e\u0301"], "trees": {"é": ["Src/Ü/**"], "e\u0301": ["src/ü/x/**"]}, "autopick": ["ß", "ss"],
     "aliases": {"😀": "é", "İ": "i̇"}},
]


@cases
def _null_cases(rng):
    for t in NULLS:
        yield "config_lint.lint_lanes", {"taxonomy": t}
        yield "config_lint.lint", {"taxonomy": t, "registry": None}
    yield "config_lint.lint", {"taxonomy": None}
    yield "config_lint.lint", {"taxonomy": {}, "registry": [{"token": "R", "see_also": None, "category": None,
                                                           "refusal": None, "fix": None, "summary": None}]}
    yield "config_lint.lint_reasons", {"registry": [{"token": None}], "known_lanes": []}
    yield "config_lint.lint_reasons", {"registry": [{"token": "R", "see_also": ["lane x"]}], "known_lanes": None}
    yield "config_lint.lint_reasons", {"registry": None, "known_lanes": []}
    for k, v in (("category", 5), ("refusal", "yes"), ("fix", 0), ("summary", []), ("other", "x")):
        yield "config_lint.lint_reasons", {"registry": [{"token": "R", "see_also": ["lane x"], k: v}], "known_lanes": []}
    yield "config_lint.lint_reasons", {"registry": [{"token": "R", "see_also": ["lane x"], "category": "MISROUTE",
                                                     "refusal": False, "fix": "f", "summary": "s"}],
                                       "known_lanes": ["y"]}
