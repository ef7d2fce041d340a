"""The arbiter cluster from Python: the typed modules against the golden
corpus, and accelerate() against the reference with real callables."""
import json
import math
import random

import pytest

import dos_native
from dos_native import admission as nadm
from dos_native import arbiter as narb
from dos_native import lane_overlap as nlo
from dos_native import lock_modes as nlm
from dos_native import overlap_policy as nop
from dos_native import self_modify as nsm


def _records(golden, op):
    for place, rec in golden(op):
        yield place, rec, json.loads(rec["request"])


def _map_callable(m):
    return None if m is None else (lambda name, *rest: m.get(name))


def _same(got: dict, want: dict, facts: list, place: str):
    reason = got.pop("reason")
    want.pop("reason")
    for f in facts:
        assert f in reason, f"{place}: reason {reason!r} lacks {f!r}"
    assert got == want or json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), (
        f"{place}\n got  {got}\n want {want}")


def _native_call(args, config):
    kw = dict(args)
    for k in ("pick_oracle", "rank_key", "sibling_tree_lookup"):
        if k in kw:
            kw[k] = _map_callable(kw[k])
    if kw.get("predicates") is not None:
        kw["predicates"] = _native_predicates(kw["predicates"], config)
    return narb.arbitrate(config=config if config is not None else {}, **kw)


class _Cfg:
    """A duck-typed config object (what a reference SubstrateConfig offers)."""

    def __init__(self, d):
        d = d or {}
        lanes = d["lanes"] if "lanes" in d else {"concurrent": ["main"], "exclusive": ["global"], "autopick": ["main"],
                                   "trees": {"main": ["**/*"], "global": ["**/*"]}}

        class L:
            concurrent = tuple(lanes.get("concurrent", ()))
            exclusive = tuple(lanes.get("exclusive", ()))
            autopick = tuple(lanes.get("autopick", ()))
            trees = {k: tuple(v) for k, v in lanes.get("trees", {}).items()}
            aliases = dict(lanes.get("aliases", {}))

        self.lanes = L()
        ov = d.get("overlap") or {}
        self.overlap_ratio_max = ov.get("ratio_max", 1 / 3)
        self.overlap_policy_name = ov.get("policy", "prefix")
        wf = d.get("workspace_facts")
        self.kernel_runtime_files = None if wf is None else tuple(wf.get("kernel_runtime_files", ()))


def _native_predicates(names, config):
    cfg = _Cfg(config)
    out = []
    for n in names:
        if n == "disjointness":
            out.append(nadm.DisjointnessPredicate(policy=nop.active_overlap_policy(config=cfg)))
        else:
            files = cfg.kernel_runtime_files
            out.append(nsm.SelfModifyPredicate(files) if files is not None else nsm.SelfModifyPredicate())
    return out


def test_typed_arbitrate_replays_the_corpus(golden):
    n = 0
    for place, rec, req in _records(golden, "arbiter.arbitrate"):
        args, config = req["args"], req["config"]
        for cfg in (config if config is not None else {}, _Cfg(config)):
            if rec["error"]:
                with pytest.raises((ValueError, TypeError)):
                    kw = dict(args)
                    for k in ("pick_oracle", "rank_key", "sibling_tree_lookup"):
                        if k in kw:
                            kw[k] = _map_callable(kw[k])
                    if kw.get("predicates") is not None:
                        kw["predicates"] = _native_predicates(kw["predicates"], config)
                    narb.arbitrate(config=cfg, **kw)
                continue
            kw = dict(args)
            for k in ("pick_oracle", "rank_key", "sibling_tree_lookup"):
                if k in kw:
                    kw[k] = _map_callable(kw[k])
            if kw.get("predicates") is not None:
                kw["predicates"] = _native_predicates(kw["predicates"], config)
            got = narb.arbitrate(config=cfg, **kw).to_dict()
            _same(got, dict(rec["expected"]), rec["prose"]["reason"], place)
            n += 1
    assert n >= 4000


def test_typed_overlap_and_locks_replay_the_corpus(golden):
    for place, rec, req in _records(golden, "lane_overlap.overlap_verdict"):
        a = req["args"]
        kw = {"ratio_max": a["ratio_max"]} if "ratio_max" in a else {}
        d = nlo.overlap_verdict(a["requested_tree"], a["lease_tree"], **kw)
        want = rec["expected"]
        assert (d.verdict.value, d.shared, d.requested, d.admissible) == (
            want["verdict"], want["shared"], want["requested"], want["admissible"]), place
    for place, rec, req in _records(golden, "lock_modes.region_conflict"):
        a = req["args"]
        if rec["error"]:
            with pytest.raises(ValueError):
                nlm.region_conflict(a["requested_tree"], a["requested_mode"], a["lease_tree"], a["lease_mode"])
        else:
            got = nlm.region_conflict(a["requested_tree"], a["requested_mode"], a["lease_tree"], a["lease_mode"])
            assert got == rec["expected"], place


def test_lane_decision_mirrors_the_reference_class():
    d = narb.LaneDecision("refuse", reason="r")
    assert d.to_dict() == {"outcome": "refuse", "lane": "", "lane_kind": "", "tree": [], "auto_picked": False,
                           "reason": "r", "free_clusters": [], "pick_count": None}
    d.lane = "x"
    assert d.to_dict()["lane"] == "x"
    tree = ["a/"]
    out = narb.arbitrate(requested_lane="k", requested_kind="keyword", requested_tree=tree, live_leases=[],
                         config={"workspace_facts": {"kernel_runtime_files": []}})
    assert out.outcome == "acquire" and out.tree is tree


# ----------------------------------------------------------------- accelerate()

dos = pytest.importorskip("dos")
import dos.admission as radm  # noqa: E402
import dos.arbiter as rarb  # noqa: E402
import dos.lane_overlap as rlo  # noqa: E402
import dos.lock_modes as rlm  # noqa: E402
from dos.config import LaneTaxonomy, PathLayout, SubstrateConfig, WorkspaceFacts  # noqa: E402

ZONES = ["z0/", "z1/", "z1/deep/", "z2/x.py", "**/*", "docs/UI-*", "docs/ui-a", "", "Z0/**/*", "src/dos/"]
NAMES = ["a", "b", "c", "A", "global", "rel", "Straße", "STRASSE"]


def _tree(rng, n=3):
    return [rng.choice(ZONES) for _ in range(rng.randint(0, n))]


def _config(rng):
    from pathlib import Path

    names = rng.sample(NAMES, 4)
    lanes = LaneTaxonomy(concurrent=tuple(names[:2]), exclusive=tuple(names[2:3]), autopick=tuple(names[:2]),
                         trees={n: tuple(_tree(rng)) for n in names}, aliases={"k": names[0]})
    ws = rng.choice([None, WorkspaceFacts(root=Path("/ws")),
                     WorkspaceFacts(root=Path("/ws"), kernel_runtime_files=("src/dos/arbiter.py",))])
    return SubstrateConfig(lanes=lanes, paths=PathLayout.for_dos_dir(Path("/ws")), workspace=ws,
                           overlap_ratio_max=rng.choice([1 / 3, 0.5, 0.1]))


class _Boom(Exception):
    pass


def _oracle(rng, kind):
    table = {n: rng.choice([None, 0, 1, 2, True, "x", 2.5, "raise", float("nan"), -1.0, 10**400]) for n in NAMES}

    def f(name, *rest):
        v = table.get(name)
        if v == "raise":
            raise _Boom(name)
        if kind == "rank" and v == 10**400:
            return 3
        return v

    return f


def _lookup(rng):
    table = {n: rng.choice([_tree(rng), None, "raise", []]) for n in NAMES}

    def f(lane):
        v = table.get(lane)
        if v == "raise":
            raise _Boom(lane)
        return v

    return f


class _Refuser:
    name = "no-z2"

    def __call__(self, request, lease, config):
        if any(t.startswith("z2") for t in request.tree):
            return radm.AdmissionVerdict.refuse("z2 is frozen", reason_class="FROZEN")
        return radm.AdmissionVerdict.admit()


class _Raiser:
    name = "raiser"

    def __call__(self, request, lease, config):
        if lease.get("lane") == "b":
            raise RuntimeError("boom")
        return radm.AdmissionVerdict.admit()


class _WrongType:
    def __call__(self, request, lease, config):
        return None if request.lane == "c" else radm.AdmissionVerdict.admit()


def _request(rng):
    cfg = _config(rng)
    kw = dict(
        requested_lane=rng.choice(NAMES + ["", "", "zz"]),
        requested_kind=rng.choice(["", "cluster", "keyword", "global", "rel", "priority"]),
        requested_tree=_tree(rng, 4),
        live_leases=[{"lane": rng.choice(NAMES), "lane_kind": rng.choice(["cluster", "keyword", "priority", "rel"]),
                      "tree": _tree(rng)} for _ in range(rng.randint(0, 3))],
        config=cfg,
    )
    if rng.random() < 0.6:
        kw["auto_pick_order"] = [(rng.choice(NAMES), rng.choice(["cluster", "priority", "named", ""]), _tree(rng))
                                 for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.4:
        kw["pick_oracle"] = _oracle(rng, "pick")
    if rng.random() < 0.4:
        kw["rank_key"] = _oracle(rng, "rank")
    if rng.random() < 0.3:
        kw["class_budgets"] = {rng.choice(["cluster", "priority"]): rng.choice([1, 2, 0, True])}
    if rng.random() < 0.3:
        kw["live_siblings"] = [{"lane": rng.choice(NAMES)} for _ in range(rng.randint(1, 2))]
        kw["sibling_tree_lookup"] = _lookup(rng)
    if rng.random() < 0.25:
        kw["predicates"] = radm.built_in_predicates(config=cfg) + rng.sample(
            [_Refuser(), _Raiser(), _WrongType()], rng.randint(1, 3))
    if rng.random() < 0.1:
        kw["force"] = True
    return kw


def _outcome(fn, kw):
    try:
        return fn(**kw)
    except BaseException as e:  # noqa: BLE001 - compare exception types
        return e


def test_accelerated_arbitrate_matches_the_reference():
    dos_native.restore()
    rng = random.Random(11)
    reqs = [_request(rng) for _ in range(1500)]
    want = [_outcome(rarb.arbitrate, kw) for kw in reqs]
    dos_native.accelerate()
    try:
        assert rarb.arbitrate.__self__.native_op == "arbiter.arbitrate"
        got = [_outcome(rarb.arbitrate, kw) for kw in reqs]
    finally:
        dos_native.restore()
    for kw, g, w in zip(reqs, got, want):
        if isinstance(w, BaseException):
            assert type(g) is type(w), (kw, g, w)
            continue
        assert type(g) is rarb.LaneDecision
        gd, wd = g.to_dict(), w.to_dict()
        gd.pop("reason"), wd.pop("reason")
        assert gd == wd, (kw, gd, wd)
        if isinstance(wd["pick_count"], float) or wd["pick_count"] is True:
            assert type(gd["pick_count"]) is type(wd["pick_count"])


def test_accelerated_callables_are_called_as_the_reference_calls_them():
    calls = {"ref": [], "native": []}

    def make(tag):
        def pick(name, kind, tree):
            calls[tag].append(("pick", name, kind, tuple(tree)))
            return {"a": 0, "b": 2}.get(name)

        def rank(name, kind, tree):
            calls[tag].append(("rank", name, kind))
            return {"b": 1.0, "c": 5.0}.get(name)

        def look(lane):
            calls[tag].append(("look", lane))
            return ["z1/"]

        return pick, rank, look

    rng = random.Random(3)
    cfg = _config(rng)
    for tag in ("ref", "native"):
        pick, rank, look = make(tag)
        if tag == "native":
            dos_native.accelerate()
        try:
            rarb.arbitrate(requested_lane="", requested_kind="", requested_tree=[], live_leases=[], config=cfg,
                           auto_pick_order=[("a", "cluster", ["z0/"]), ("b", "", ["z1/"]), ("c", "named", ["z2/"])],
                           pick_oracle=pick, rank_key=rank, live_siblings=[{"lane": "s"}], sibling_tree_lookup=look)
        finally:
            dos_native.restore()
    assert calls["native"] == calls["ref"]


def test_accelerated_base_exceptions_propagate():
    def pick(name, kind, tree):
        raise KeyboardInterrupt

    kw = dict(requested_lane="", requested_kind="", requested_tree=[], live_leases=[],
              config=_config(random.Random(1)), auto_pick_order=[("a", "cluster", ["z0/"])], pick_oracle=pick)
    dos_native.accelerate()
    try:
        with pytest.raises(KeyboardInterrupt):
            rarb.arbitrate(**kw)
    finally:
        dos_native.restore()


def test_accelerated_run_predicates_matches_the_reference():
    dos_native.restore()
    rng = random.Random(5)
    cases = []
    for _ in range(600):
        cfg = _config(rng)
        preds = radm.built_in_predicates(config=cfg)
        if rng.random() < 0.5:
            preds = preds + rng.sample([_Refuser(), _Raiser(), _WrongType()], rng.randint(1, 3))
        req = radm.AdmissionRequest(lane=rng.choice(NAMES), kind="keyword", tree=tuple(_tree(rng, 4)))
        leases = [{"lane": rng.choice(NAMES), "tree": _tree(rng)} for _ in range(rng.randint(0, 3))]
        cases.append((preds, req, leases, cfg))
    want = [radm.run_predicates(*c) for c in cases]
    dos_native.accelerate()
    try:
        got = [radm.run_predicates(*c) for c in cases]
    finally:
        dos_native.restore()
    for c, g, w in zip(cases, got, want):
        assert type(g) is radm.AdmissionVerdict
        assert (g.admitted, g.reason_class) == (w.admitted, w.reason_class), c
        if w.reason_class == "FROZEN":
            assert g.reason == w.reason


def test_accelerated_overlap_and_lock_modes():
    dos_native.restore()
    rng = random.Random(9)
    cases = [(_tree(rng, 5), _tree(rng, 4), rng.choice([1 / 3, 0.5, 0.0, 1.0, math.nan])) for _ in range(400)]
    modes = [rlm.LockMode.SHARED, rlm.LockMode.EXCLUSIVE, "shared", "exclusive"]
    lcases = [(_tree(rng), rng.choice(modes), _tree(rng), rng.choice(modes)) for _ in range(300)]
    want = [rlo.overlap_verdict(a, b, ratio_max=r) for a, b, r in cases]
    lwant = [rlm.region_conflict(*c) for c in lcases]
    dos_native.accelerate()
    try:
        got = [rlo.overlap_verdict(a, b, ratio_max=r) for a, b, r in cases]
        lgot = [rlm.region_conflict(*c) for c in lcases]
        with pytest.raises(KeyError):
            rlm.modes_compatible("read", "shared")
    finally:
        dos_native.restore()
    for g, w in zip(got, want):
        assert type(g) is rlo.OverlapDecision and g.verdict is w.verdict
        assert (g.shared, g.requested, g.admissible) == (w.shared, w.requested, w.admissible)
    assert lgot == lwant


def test_config_cache_sees_a_new_config_object():
    dos_native.restore()
    from pathlib import Path

    mk = lambda excl: SubstrateConfig(  # noqa: E731
        lanes=LaneTaxonomy(concurrent=("a",), exclusive=excl, autopick=("a",), trees={"a": ("z0/",)}),
        paths=PathLayout.for_dos_dir(Path("/ws")), workspace=WorkspaceFacts(root=Path("/ws")))
    kw = dict(requested_lane="a", requested_kind="keyword", requested_tree=["z0/"],
              live_leases=[{"lane": "x", "lane_kind": "a", "tree": ["z9/"]}])
    assert narb.arbitrate(config=mk(()), **kw).outcome == "acquire"
    assert narb.arbitrate(config=mk(("a",)), **kw).outcome == "refuse"


def test_generated_admission_and_guard_keep_the_reference_api():
    """The generated records keep the reference's constructors and names; the
    guard object takes a reference request; the op functions replay."""
    v = nadm.AdmissionVerdict.refuse("r", reason_class="X")
    assert (v.admitted, v.reason, v.reason_class) == (False, "r", "X")
    assert nadm.AdmissionVerdict.admit().admitted and nadm.AdmissionVerdict(admitted=True).to_dict() == {
        "admitted": True, "reason": "", "reason_class": ""}
    req = nadm.AdmissionRequest(lane="k", kind="keyword", tree=["src/dos/"])
    assert req.tree == ("src/dos/",)
    assert nsm.SELF_MODIFY_REASON == "SELF_MODIFY" and "SELF_MODIFY_REASON" in nsm.__all__
    assert "_DISPATCH_RUNTIME_FILES" not in nsm.__all__
    ref_req = radm.AdmissionRequest(lane="k", kind="keyword", tree=("src/dos/",))
    for r in (req, ref_req):
        got = nsm.SelfModifyPredicate()(r, {}, None)
        assert type(got) is nadm.AdmissionVerdict and got.reason_class == "SELF_MODIFY"
    assert nsm.SelfModifyPredicate(())(req, {}, None).admitted
    assert nsm._tree_touches_runtime(["src/"]) == list(nsm._DISPATCH_RUNTIME_FILES)
    # The typed conjunction over predicate objects builds the generated record.
    out = nadm.run_predicates(nadm.built_in_predicates(), req, [{"lane": "x", "tree": ["a/"], "holder": "h"}], None)
    assert type(out) is nadm.AdmissionVerdict and out.reason_class == "SELF_MODIFY"


def test_accelerated_tree_touches_runtime_agrees():
    import dos.self_modify as rsm

    rng = random.Random(9)
    cases = [(["src/dos/"], None), (["**/*"], ()), (["SRC\\DOS\\Tokens.py"], ("src/dos/tokens.py",)), ([""], None),
             (["docs/"], ["src/dos/x.py", "**/VERSION"])]
    cases += [(_tree(rng, 4), None) for _ in range(40)]
    want = [rsm._tree_touches_runtime(t) if f is None else rsm._tree_touches_runtime(t, f) for t, f in cases]
    dos_native.accelerate()
    try:
        assert rsm._tree_touches_runtime is not _ORIGINAL_TOUCHES
        got = [rsm._tree_touches_runtime(t) if f is None else rsm._tree_touches_runtime(t, f) for t, f in cases]
    finally:
        dos_native.restore()
    assert got == want


_ORIGINAL_TOUCHES = __import__("dos.self_modify").self_modify._tree_touches_runtime
