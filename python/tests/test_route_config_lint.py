"""Issue 9, the config linter on the generated route (config_lint): the typed
module rendered from the op table replays the golden corpus and keeps the
reference's names, signatures, fields and defaults; its Finding carries the
reference's ``is_error`` property and ``line()`` method; bad input is a
BadArgsError naming the field; and the accelerate() mappings answer as the
reference does on the reference's own LaneTaxonomy and ReasonRegistry."""
import ast
import dataclasses
import inspect
import json
import random
import re
from types import SimpleNamespace

import pytest

import dos_native
from dos_native import _adapter
from dos_native import config_lint as ncl
from dos_native._mapping import CONFIG_LINT, CONFIG_LINT_SLOWER

cl = pytest.importorskip("dos.config_lint")
from dos import reasons as ref_reasons  # noqa: E402
from dos.config import LaneTaxonomy as RefTaxonomy  # noqa: E402

FUNCTIONS = ["lint", "lint_lanes", "lint_reasons", "has_error"]
ROUTES = CONFIG_LINT + CONFIG_LINT_SLOWER


def _records(golden_dir, op):
    from conftest import read_golden

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


def _plain(v):
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v.to_dict() if hasattr(v, "to_dict") else v


def _take_prose(got, want, prose):
    for path, facts in prose.items():
        i, field = path.split(".")
        text = got[int(i)].pop(field)
        want[int(i)].pop(field)
        for fact in facts:
            assert fact in text, (path, fact, text)


def _typed_call(op):
    """The typed entry point answering `op`, called with the record's args."""
    name = op.split(".", 1)[1]
    if name in ("Finding.is_error", "finding_line"):
        key = "self" if name == "Finding.is_error" else "finding"

        def method(**a):
            if set(a) != {key} or not isinstance(a[key], dict):
                raise TypeError(f"takes one finding as {key!r}")
            this = ncl.Finding(**a[key])
            return this.is_error if key == "self" else this.line()

        return method
    return getattr(ncl, name)


OPS = ["config_lint.lint", "config_lint.lint_lanes", "config_lint.lint_reasons", "config_lint.has_error",
       "config_lint.Finding.is_error", "config_lint.finding_line"]


@pytest.mark.parametrize("op", OPS)
def test_typed_functions_replay_the_golden_corpus(golden_dir, op):
    fn = _typed_call(op)
    ok = refused = 0
    for place, rec in _records(golden_dir, op):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                fn(**args)
            refused += 1
            continue
        got, want = _plain(fn(**args)), rec["expected"]
        if rec["prose"]:
            _take_prose(got, want, rec["prose"])
        assert got == want, place
        ok += 1
    assert ok + refused >= 200 and ok >= 100


def _as_records(t):
    """A taxonomy given as JSON, as the typed module's own LaneTaxonomy."""
    return ncl.LaneTaxonomy(**{k: v for k, v in t.items() if v is not None})


@pytest.mark.parametrize("op", ["config_lint.lint", "config_lint.lint_lanes"])
def test_typed_records_answer_as_the_json_does(golden_dir, op):
    """The module's own LaneTaxonomy and ReasonSpec records (served by the
    native route binder) answer as the same values given as JSON."""
    fn = getattr(ncl, op.split(".")[1])
    n = 0
    for place, rec in _records(golden_dir, op):
        if rec["error"]:
            continue
        args = json.loads(rec["request"])["args"]
        kw = {"taxonomy": _as_records(args["taxonomy"])}
        if args.get("registry") is not None:
            kw["registry"] = [ncl.ReasonSpec(**{k: v for k, v in s.items() if v is not None}) for s in args["registry"]]
        assert _plain(fn(**kw)) == _plain(fn(**args)), place
        n += 1
    assert n >= 100


def test_names_signatures_fields_and_defaults_are_the_reference_s():
    for name in FUNCTIONS:
        ours, theirs = inspect.signature(getattr(ncl, name)), inspect.signature(getattr(cl, name))
        assert [(p.name, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.kind) for p in theirs.parameters.values()], name
        assert [p.default for p in ours.parameters.values()] == [p.default for p in theirs.parameters.values()], name
        assert name in ncl.__all__
    for cls in ("LintKind", "Severity"):
        assert [(m.name, m.value) for m in getattr(ncl, cls)] == [(m.name, m.value) for m in getattr(cl, cls)]
        assert str(getattr(ncl, cls)(next(iter(getattr(cl, cls))).value)) == str(next(iter(getattr(cl, cls))))
    assert [f.name for f in dataclasses.fields(ncl.Finding)] == [f.name for f in dataclasses.fields(cl.Finding)]
    assert isinstance(inspect.getattr_static(ncl.Finding, "is_error"), property)
    assert inspect.isfunction(inspect.getattr_static(ncl.Finding, "line"))
    # The taxonomy record takes the reference's fields and defaults.
    ref_fields = {f.name: f for f in dataclasses.fields(RefTaxonomy)}
    ours = {f.name: f for f in dataclasses.fields(ncl.LaneTaxonomy)}
    assert list(ours) == list(ref_fields)
    assert ncl.LaneTaxonomy() == ncl.LaneTaxonomy((), (), (), {}, {})
    assert ncl.LaneTaxonomy(concurrent=["a"]).concurrent == ("a",)


def test_the_finding_s_property_and_line_are_the_reference_s():
    rng = random.Random(9)
    texts = ["lane1", "it's", 'say "x"', "é", "", "a+b", "\ud800", "tab\t"]
    for _ in range(200):
        kind, sev = rng.choice(list(cl.LintKind)), rng.choice(list(cl.Severity))
        subject, detail, fix = (rng.choice(texts) for _ in range(3))
        theirs = cl.Finding(kind, sev, subject, detail, fix)
        ours = ncl.Finding(ncl.LintKind(kind.value), ncl.Severity(sev.value), subject, detail, fix)
        assert ours.is_error is theirs.is_error
        assert ours.line() == theirs.line()
        assert ours.to_dict() == theirs.to_dict()
    fs = (ncl.Finding(ncl.LintKind.LANE_WITHOUT_TREE, ncl.Severity.ERROR, "x", "d", "f"),)
    assert ncl.has_error(fs) is True and ncl.has_error(f for f in fs) is True and ncl.has_error(()) is False


def test_the_typed_functions_take_the_reference_s_objects():
    """A reference LaneTaxonomy (a dataclass), a ReasonRegistry (its specs),
    a set of known lanes and a generator of findings are taken as the
    reference takes them."""
    tx = RefTaxonomy(concurrent=("dup", "api", "narrow", "core"), exclusive=("dup",), autopick=("api", "ghost"),
                     trees={"dup": ["d/**"], "api": ["src/api/**"], "core": ["src/**"], "narrow": ["src/**"]},
                     aliases={"x": "nowhere"})
    reg = ref_reasons.ReasonRegistry(specs=(
        ref_reasons.ReasonSpec(token="FOO", category="MISROUTE", see_also=("lane ghost2", "lane dup")),))
    want = [(f.kind.value, f.severity.value, f.subject) for f in cl.lint(tx, reg)]
    got = [(f.kind.value, f.severity.value, f.subject) for f in ncl.lint(tx, reg)]
    assert got == want and len(got) >= 5
    known = {"a", "dup"}
    assert [f.subject for f in ncl.lint_reasons(reg, known_lanes=known)] == [
        f.subject for f in cl.lint_reasons(reg, known_lanes=known)] == ["FOO"]
    duck = SimpleNamespace(specs=[SimpleNamespace(token="T", see_also=("lane q",))])
    assert [f.subject for f in ncl.lint_reasons(duck, known_lanes=())] == ["T"]
    assert ncl.lint_reasons(ref_reasons.BASE_REASONS, known_lanes=["orchestration"]) == tuple(
        ncl.Finding(ncl.LintKind(f.kind.value), ncl.Severity(f.severity.value), f.subject, f.detail, f.fix)
        for f in ncl.lint_reasons(ref_reasons.BASE_REASONS, known_lanes=("orchestration",)))
    assert ncl.has_error(ncl.lint(tx)) is True


@pytest.mark.parametrize("call, field", [
    (lambda: ncl.lint_lanes({"concurrent": "a"}), "args.taxonomy.concurrent"),
    (lambda: ncl.lint_lanes({"trees": {"a": "x"}}), "args.taxonomy.trees.a"),
    (lambda: ncl.lint_lanes({"aliases": {"k": 1}}), "args.taxonomy.aliases.k"),
    (lambda: ncl.lint_lanes({"lanes": []}), "lanes"),
    (lambda: ncl.lint({}, [{"token": 5}]), "args.registry[0].token"),
    (lambda: ncl.lint_reasons([{"token": "x", "see_also": "lane a"}], known_lanes=[]), "args.registry[0].see_also"),
    (lambda: ncl.lint_reasons([], known_lanes="a"), "args.known_lanes"),
    (lambda: ncl.has_error([{"kind": "NOPE", "severity": "error", "subject": "", "detail": "", "fix": ""}]),
     "args.findings[0].kind"),
])
def test_bad_input_is_a_bad_args_error_naming_the_field(call, field):
    with pytest.raises(dos_native.BadArgsError) as e:
        call()
    assert field in str(e.value)


# -- accelerate() --------------------------------------------------------------------


@pytest.fixture
def swapped():
    # Those declared but not swapped by default (_mapping.SLOWER) are registered here.
    _adapter.register(CONFIG_LINT_SLOWER)
    dos_native.accelerate()
    yield
    dos_native.restore()


_QUOTED = re.compile(r"(?:lane|lanes|and|at) ('(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*")')


def _names(text):
    """The names a finding's prose quotes (a lane, keyword or pointer, as
    Python's repr writes it, after "lane", "lanes", "and" or "at")."""
    out = set()
    for m in _QUOTED.finditer(text):
        try:
            v = ast.literal_eval(m.group(1))
        except (ValueError, SyntaxError):
            continue
        if isinstance(v, str) and v and repr(v) == m.group(1):
            out.add(m.group(1))
    return out


def _outcome(f, *args, **kw):
    """A call's outcome: its exception type, or its findings' decision fields
    (exact); and per finding the names its prose quotes, and that prose."""
    try:
        v = f(*args, **kw)
    except Exception as e:  # noqa: BLE001 - the same exception type either way
        return ("raised", type(e)), None
    if isinstance(v, tuple):
        return (("ok", [(type(x), type(x.kind), type(x.severity), x.kind, x.severity, x.subject) for x in v]),
                [(_names(x.detail) | _names(x.fix), x.detail + " " + x.fix) for x in v])
    return ("ok", v), None


def _agree(f, *args, **kw):
    """The accelerated call answers as the reference's own: the same outcome,
    and each finding's prose (ours in our own words) carrying every name the
    reference's quotes."""
    ours, our_names = _outcome(f, *args, **kw)
    theirs, their_names = _outcome(f.__wrapped__, *args, **kw)
    assert ours == theirs, (f.__name__, args, kw)
    for (_, text), (want, _) in zip(our_names or [], their_names or []):
        assert all(name in text for name in want), (f.__name__, args, want, text)


LANES = ["api", "web", "infra", "global", "main", "docs", "Api", "a", "b", "é", "lane-x", ""]
GLOBS = ["**/*", "src/**", "src/api/**", "src/api/v1/*.py", "web/**/*", "docs/UI-*", "docs/", "", "SRC/**",
         "src/apiary/**", "*.md", "lib/**", "./src/x", "/abs/**"]
REFS = ["lane api", "lane nope", "LANE web", "  lane   x  ", "lane <holder>", "lane", "oracle picker", "lane é"]


def _rand_taxonomy(rng):
    lanes = rng.sample(LANES, rng.randint(0, 6))
    seq = rng.choice([tuple, list])
    return RefTaxonomy(
        concurrent=seq(rng.choice(lanes) for _ in range(rng.randint(0, 4))) if lanes else (),
        exclusive=seq(rng.choice(LANES) for _ in range(rng.randint(0, 2))),
        autopick=seq(rng.choice(LANES) for _ in range(rng.randint(0, 3))),
        trees={lane: seq(rng.sample(GLOBS, rng.randint(0, 3))) for lane in rng.sample(LANES, rng.randint(0, 5))},
        aliases={rng.choice(["k", "K", "é", "api"]): rng.choice(LANES) for _ in range(rng.randint(0, 3))})


def _rand_registry(rng):
    tokens = rng.sample(["R1", "R2", "LANE_LEASE_HELD", "ü"], rng.randint(0, 3))
    return ref_reasons.ReasonRegistry(specs=tuple(
        ref_reasons.ReasonSpec(token=t, category="MISROUTE", see_also=tuple(rng.sample(REFS, rng.randint(0, 3))))
        for t in tokens))


def test_the_mappings_are_swapped(swapped):
    for r in ROUTES:
        fn = getattr(cl, r.function)
        assert getattr(fn, "__dos_native_op__", None) == r.op, r.op


def test_accelerated_functions_agree_with_the_reference(swapped):
    rng = random.Random(227)
    for _ in range(300):
        tx, reg = _rand_taxonomy(rng), _rand_registry(rng)
        known = rng.choice([set, frozenset, list, tuple])(rng.sample(LANES, rng.randint(0, 4)))
        for f, args, kw in ((cl.lint_lanes, (tx,), {}), (cl.lint, (tx,), {}), (cl.lint, (tx, reg), {}),
                            (cl.lint, (tx,), {"registry": None}), (cl.lint_reasons, (reg,), {"known_lanes": known})):
            _agree(f, *args, **kw)
        fs = cl.lint(tx, reg)
        assert cl.has_error(fs) is cl.has_error.__wrapped__(fs)
        assert cl.has_error(list(fs)) is cl.has_error.__wrapped__(list(fs))


def test_accelerated_functions_answer_the_reference_s_own_tests(swapped):
    """The reference's shipped registries lint clean; its ordering holds; an
    object it does not know (a look-alike, a subclass, a generator) is the
    reference's to answer."""
    assert cl.lint_reasons(ref_reasons.BASE_REASONS, known_lanes={"orchestration", "global"}) == ()
    tx = RefTaxonomy(concurrent=("zeta", "zetacore"), autopick=("zeta", "phantomlane"),
                     trees={"zeta": ["q/**"], "zetacore": ["q/core/**"]}, aliases={"kk": "voidlane"})
    fs = cl.lint(tx)
    assert all(type(f) is cl.Finding and type(f.kind) is cl.LintKind for f in fs)
    blob = " ".join(f.line() for f in fs)
    assert "phantomlane" in blob and "voidlane" in blob and "zetacore" in blob
    duck = SimpleNamespace(concurrent=("a",), exclusive=(), autopick=("a",), trees={}, aliases={},
                           tree_for=lambda lane: [])
    _agree(cl.lint_lanes, duck)

    class Sub(RefTaxonomy):
        def tree_for(self, lane):
            return ["x/**"]

    sub = Sub(concurrent=("a", "b"))
    _agree(cl.lint_lanes, sub)
    odd = RefTaxonomy(concurrent=("a", 5), trees={"a": "x/**"})  # shapes the op refuses
    _agree(cl.lint_lanes, odd)
    reg = SimpleNamespace(specs=[SimpleNamespace(token="T", see_also=["lane q"])])
    assert _outcome(cl.lint_reasons, reg, known_lanes=iter(["q"]))[0] == _outcome(
        cl.lint_reasons.__wrapped__, reg, known_lanes=iter(["q"]))[0]
    assert cl.has_error(f for f in fs) is cl.has_error.__wrapped__(list(fs))
