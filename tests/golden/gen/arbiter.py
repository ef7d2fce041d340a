"""Golden cases for `dos.arbiter.arbitrate`.

The callables of the Python API cross as data: `pick_oracle`, `rank_key` and
`sibling_tree_lookup` are maps keyed by lane name (a lane missing from a map
reads as None) and `predicates` is a list of built-in predicate names. The
runner turns them back into the callables and objects the reference takes.
"""
from dos import arbiter
from dos.admission import DisjointnessPredicate
from dos.overlap_policy import active_overlap_policy
from dos.self_modify import SelfModifyPredicate

from . import _lanes as L
from .common import cases, op


def predicate_objects(names, cfg):
    out = []
    for n in names:
        if n == "disjointness":
            out.append(DisjointnessPredicate(policy=active_overlap_policy(config=cfg)))
        elif n == "self-modify":
            files = cfg.kernel_runtime_files
            out.append(SelfModifyPredicate(runtime_files=tuple(files)) if files is not None else SelfModifyPredicate())
        else:
            raise ValueError(f"no built-in predicate {n!r}")
    return out


def _lookup(m):
    return lambda *a: m.get(a[0])


@op("arbiter.arbitrate", prose=["reason"], facts=L.facts_of("reason"))
def _arbitrate(args, config):
    cfg = L.ref_config(config)
    kw = dict(args)
    for k in ("pick_oracle", "rank_key", "sibling_tree_lookup"):
        if kw.get(k) is not None:
            kw[k] = _lookup(kw[k])
    if kw.get("predicates") is not None:
        kw["predicates"] = predicate_objects(kw["predicates"], cfg)
    return arbiter.arbitrate(config=cfg, **kw).to_dict()


W = {"lanes": L.WORKSHOP_LANES, "workspace_facts": L.FOREIGN}
WK = {"lanes": L.WORKSHOP_LANES, "workspace_facts": L.KERNEL_REPO}
JOB = {"lanes": L.JOB_LANES, "workspace_facts": L.FOREIGN}
GEN = {"workspace_facts": L.FOREIGN}
FE = L.WORKSHOP_LANES["trees"]["frontend"]
BE = L.WORKSHOP_LANES["trees"]["backend"]
REL = L.WORKSHOP_LANES["trees"]["release"]
LADDER = [["frontend", "cluster", FE], ["backend", "cluster", BE], ["docs", "keyword", ["docs/"]],
          ["release", "release", REL]]


def lease(lane, kind="cluster", tree=None, **kw):
    d = {"lane": lane, "lane_kind": kind, "tree": tree if tree is not None else []}
    d.update(kw)
    return d


def req(lane, kind, tree, leases=(), **kw):
    d = {"requested_lane": lane, "requested_kind": kind, "requested_tree": list(tree), "live_leases": list(leases)}
    d.update(kw)
    return d


TABLE = [
    # the workshop: disjoint clusters run together
    (req("frontend", "cluster", FE, [lease("backend", tree=BE)]), W),
    (req("backend", "cluster", BE, [lease("frontend", tree=FE)]), W),
    (req("frontend", "cluster", [], [lease("backend", tree=BE)]), W),
    (req("Frontend", "cluster", [], []), W),
    (req("frontend", "cluster", FE, [lease("frontend", tree=FE)]), W),
    (req("frontend", "cluster", FE, [lease("frontend", tree=FE), lease("backend", tree=BE)]), W),
    (req("frontend", "cluster", ["**/*"], [lease("backend", tree=BE)]), W),
    (req("frontend", "cluster", FE, [lease("backend", tree=BE)]), WK),
    (req("frontend", "keyword", ["docs/UI-*"], [lease("backend", tree=BE)]), W),
    (req("ui", "keyword", [], [lease("frontend", tree=FE)]), W),
    (req("ui", "keyword", [], [lease("frontend", tree=FE)], auto_pick_order=LADDER), W),
    (req("playbooks", "keyword", [], [lease("frontend", tree=FE)]), W),
    (req("playbooks", "keyword", ["playbooks/"], [lease("frontend", tree=FE)]), W),
    (req("playbooks", "keyword", [], [], auto_pick_order=LADDER), {"lanes": {"concurrent": []}, "workspace_facts": L.FOREIGN}),
    # exclusive lanes run alone, and hold everything while live
    (req("release", "release", REL, []), W),
    (req("release", "release", REL, []), WK),
    (req("Release", "keyword", REL, []), W),
    (req("release", "release", REL, [lease("frontend", tree=FE)]), W),
    (req("", "global", [], []), W),
    (req("", "global", ["**/*"], [lease("backend", tree=BE)]), W),
    (req("frontend", "cluster", FE, [lease("release", "release", REL, loop_ts="2026-11-21T10:00Z")]), W),
    (req("frontend", "cluster", FE, [lease("release", "Release", REL)], force=True), W),
    (req("", "", [], [lease("x", "GLOBAL", ["**/*"])]), W),
    (req("Orchestration", "keyword", ["docs/_plans/"], []), JOB),
    (req("orchestration", "keyword", ["docs/"], [lease("a", "keyword", ["src/"])]), JOB),
    (req("x", "keyword", ["src/"], [lease("orchestration", "orchestration", ["docs/"])]), JOB),
    # force
    (req("frontend", "cluster", FE, [lease("frontend", tree=FE)], force=True), W),
    (req("frontend", "", [], [lease("frontend", tree=FE)], force=True), W),
    (req("hotfix", "keyword", ["**/*"], [lease("backend", tree=BE)], force=True), WK),
    (req("", "keyword", [], [lease("backend", tree=BE)], force=True), W),
    # same-lane refuse, cluster rescue
    (req("backend", "keyword", ["api/x.py"], [lease("Backend", tree=BE)]), W),
    (req("backend", "cluster", BE, [lease("BACKEND", tree=BE)]), W),
    (req("backend", "cluster", BE, [lease("BACKEND", tree=BE)], auto_pick_order=LADDER), W),
    # soft overlap and exact-glob floor on keyword lanes
    (req("kw", "keyword", ["docs/UI-*", "a/", "b/", "c/"], [lease("frontend", tree=FE)]), W),
    (req("kw", "keyword", ["app/x.py", "a/", "b/"], [lease("frontend", tree=FE)]), W),
    (req("kw", "keyword", ["app/x.py", "a/"], [lease("frontend", tree=FE)]), W),
    (req("kw", "keyword", ["app/x.py", "a/", "b/", "c/", "d/", "e/", "f/", "g/"], [lease("frontend", tree=FE)]), W),
    (req("kw", "keyword", ["x/", "y/", "z/", "w/"], [lease("l", tree=["x/a", "y/"])]),
     {"lanes": L.WORKSHOP_LANES, "workspace_facts": L.FOREIGN, "overlap": {"ratio_max": 0.5}}),
    (req("kw", "keyword", ["x/", "y/", "z/", "w/"], [lease("l", tree=["x/a"])]),
     {"lanes": L.WORKSHOP_LANES, "workspace_facts": L.FOREIGN, "overlap": {"ratio_max": 0.1}}),
    (req("kw", "keyword", ["a/", "b/", "c/", "d/", "e/", "f/", "g/", "h/"], [lease("l", tree=["a/"])]), W),
    (req("tm", "keyword", ["agents/tailor_*.py", "t1/", "t2/", "t3/", "t4/", "t5/", "t6/", "t7/"],
         [lease("tailor", tree=["agents/tailor_*.py", "x/"])]), W),
    (req("kw", "keyword", ["a/", "b/", "c/", "d/"], [lease("l", tree=["a/", "b/", "c/", "d/"])]), W),
    (req("kw", "keyword", ["src/"], [lease("l", tree=[])]), W),
    (req("kw", "keyword", ["src/"], [lease("l", tree=None), lease("m", tree=["src/x"])]), W),
    # self-modification
    (req("main", "cluster", [], []), {}),
    (req("main", "cluster", [], []), GEN),
    (req("kernel", "keyword", ["src/dos/"], []), GEN),
    (req("kernel", "keyword", ["SRC/Dos/Arbiter.py"], []), {"workspace_facts": L.KERNEL_REPO}),
    (req("kernel", "keyword", ["src/dos/"], [lease("x", tree=["docs/"])]), {"workspace_facts": L.KERNEL_REPO}),
    (req("", "global", ["**/*"], []), {"workspace_facts": L.KERNEL_REPO}),
    # ladders: budgets, picks, ranks, siblings
    (req("", "", [], [lease("a", "cluster", ["x/"])], auto_pick_order=LADDER, class_budgets={"cluster": 1}), W),
    (req("", "", [], [lease("a", "cluster", ["x/"]), lease("b", "keyword", ["y/"])], auto_pick_order=LADDER[:2],
         class_budgets={"cluster": 1, "keyword": 1, "bad": True, "neg": -1, "f": 1.5}), W),
    (req("", "", [], [], auto_pick_order=LADDER, pick_oracle={"frontend": 0, "backend": 0, "docs": 0, "release": 0}), W),
    (req("", "", [], [], auto_pick_order=LADDER, pick_oracle={"frontend": 0, "backend": 2}), W),
    (req("", "", [], [], auto_pick_order=LADDER, pick_oracle={"frontend": True}), W),
    (req("", "", [], [], auto_pick_order=[["n1", "named", ["n/"]], ["d1", "derived", ["d/"]]], pick_oracle={}), W),
    (req("", "", [], [], auto_pick_order=LADDER, rank_key={"backend": 2.0, "docs": 5, "frontend": None}), W),
    (req("", "", [], [lease("docs", "keyword", ["docs/"])], auto_pick_order=LADDER,
         rank_key={"backend": 2.0, "docs": 5}), W),
    (req("", "", [], [], auto_pick_order=LADDER, rank_key={"backend": float("nan"), "docs": 1.0}), W),
    (req("", "", [], [], auto_pick_order=LADDER, rank_key={"frontend": -0.0, "backend": 0.0, "docs": 0}), W),
    (req("", "", [], [], auto_pick_order=LADDER, live_siblings=[{"lane": "frontend"}],
         sibling_tree_lookup={"frontend": FE}), W),
    (req("", "", [], [], auto_pick_order=LADDER, live_siblings=[{"lane": "frontend"}, {"lane": "backend"}],
         sibling_tree_lookup={"frontend": FE, "backend": BE}), W),
    (req("", "", [], [], auto_pick_order=LADDER, live_siblings=[{"lane": ""}], sibling_tree_lookup={}), W),
    (req("", "", [], [], auto_pick_order=LADDER, live_siblings=[{"lane": "frontend"}]), W),
    (req("", "", [], [lease("frontend", tree=FE), lease("backend", tree=BE)], auto_pick_order=LADDER), W),
    (req("", "", [], [lease("frontend", tree=["**/*"])], auto_pick_order=LADDER), W),
    (req("", "", [], [], auto_pick_order=[]), W),
    (req("zz", "keyword", ["q/"], [lease("q", tree=["q/"])], auto_pick_order=LADDER), W),
    (req("frontend", "keyword", [], [lease("frontend", tree=FE)], auto_pick_order=LADDER), W),
    # the legacy walk
    (req("", "", [], []), W),
    (req("", "", [], [lease("frontend", tree=FE), lease("backend", tree=BE)]), W),
    (req("", "", [], [lease("frontend", tree=FE), lease("backend", tree=BE)],
         named_lanes=[["fleet", ["fleet/"]], ["empty", []]], derived_lanes=[["PLAN-1", ["plans/1/"]]]), W),
    (req("", "", [], [lease("frontend", tree=FE), lease("backend", tree=BE), lease("fleet", tree=["x/"])],
         named_lanes=[["fleet", ["fleet/"]]], derived_lanes=[["PLAN-1", ["app/"]], ["PLAN-2", ["p2/"]]]), W),
    (req("zz", "keyword", ["api/"], [lease("backend", tree=BE)]), W),
    (req("backend", "cluster", BE, [lease("backend", tree=BE)]), W),
    (req("nope", "cluster", [], [lease("backend", tree=BE)]), W),
    # predicates given explicitly
    (req("kernel", "keyword", ["src/dos/"], [lease("x", tree=["src/"])], predicates=[]), GEN),
    (req("kernel", "keyword", ["src/dos/"], [lease("x", tree=["src/"])], predicates=["self-modify"]),
     {"workspace_facts": L.KERNEL_REPO}),
    (req("kernel", "keyword", ["src/dos/"], [lease("x", tree=["src/"])], predicates=["self-modify", "disjointness"]),
     {"workspace_facts": L.KERNEL_REPO}),
    # an overlap policy plugin cannot be resolved
    (req("frontend", "cluster", FE, []), {"lanes": L.WORKSHOP_LANES, "overlap": {"policy": "import-graph"}}),
    (req("frontend", "cluster", FE, [], predicates=["self-modify"]),
     {"lanes": L.WORKSHOP_LANES, "overlap": {"policy": "import-graph"}}),
    # case folding: casefold for names, lower() for the cluster tree lookup
    (req("STRASSE", "cluster", [], [lease("Straße", tree=["s/"])]),
     {"lanes": {"concurrent": ["Straße"], "autopick": ["Straße"], "trees": {"straße": ["s/"], "STRASSE": ["t/"]}},
      "workspace_facts": L.FOREIGN}),
    (req("Straße", "cluster", [], []),
     {"lanes": {"concurrent": ["Straße"], "autopick": ["Straße"], "trees": {"straße": ["s/"], "STRASSE": ["t/"]}},
      "workspace_facts": L.FOREIGN}),
    (req("", "", [], [lease("straße", tree=["q/"])]),
     {"lanes": {"concurrent": ["Straße", "STRASSE"], "autopick": ["Straße", "STRASSE"],
                "trees": {"straße": ["s/"], "strasse": ["t/"]}}, "workspace_facts": L.FOREIGN}),
]


def _rand_request(rng):
    config = L.rand_config(rng)
    lanes_cfg = (config or {}).get("lanes") or L.GENERIC_LANES
    names = list(lanes_cfg.get("trees", {}).keys()) + list(lanes_cfg.get("autopick", [])) + \
        list(lanes_cfg.get("aliases", {}).keys())
    r = rng.random()
    if r < 0.2:
        lane = ""
    elif r < 0.75 and names:
        lane = rng.choice(names)
        if rng.random() < 0.2:
            lane = lane.upper() if rng.random() < 0.5 else lane.capitalize()
    elif r < 0.85:
        lane = rng.choice(L.UNKNOWN_NAMES)
    else:
        lane = rng.choice(L.LANE_NAMES)
    kind = rng.choice(["", "cluster", "cluster", "keyword", "keyword", "keyword", "global"] + L.KINDS)
    t = rng.random()
    if t < 0.35:
        tree = []
    elif t < 0.6 and lanes_cfg.get("trees"):
        tree = list(rng.choice(list(lanes_cfg["trees"].values())))
    else:
        tree = L.rand_tree(rng, 5)
    leases = [L.rand_lease(rng, lanes_cfg) for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4]))]
    args = req(lane, kind, tree, leases)
    if rng.random() < 0.55:
        pool = names + L.LANE_NAMES + L.UNKNOWN_NAMES
        order = []
        for _ in range(rng.randint(0, 6)):
            nm = rng.choice(pool) if pool else "x"
            if nm == "" and rng.random() < 0.7:
                nm = "lane-x"
            kd = rng.choice(["cluster", "cluster", "keyword", "named", "derived", "priority", "", None, "apply"])
            tr = rng.random()
            if tr < 0.1:
                cand_tree = None
            elif tr < 0.5 and lanes_cfg.get("trees") and nm in lanes_cfg["trees"]:
                cand_tree = list(lanes_cfg["trees"][nm])
            else:
                cand_tree = L.rand_tree(rng, 3)
            order.append([nm, kd, cand_tree])
        args["auto_pick_order"] = order
    elif rng.random() < 0.3:
        args["named_lanes"] = [[rng.choice(L.LANE_NAMES[:-1]), L.rand_tree(rng, 2)] for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.7:
            args["derived_lanes"] = [[f"PLAN-{i}", L.rand_tree(rng, 2)] for i in range(rng.randint(0, 3))]
    if rng.random() < 0.15:
        args["force"] = rng.random() < 0.9
    cand_names = sorted({c[0] for c in args.get("auto_pick_order", [])} |
                        {n for n, _ in args.get("named_lanes", [])} | set(lanes_cfg.get("autopick", [])))
    if rng.random() < 0.3:
        args["pick_oracle"] = {n: rng.choice([None, 0, 0, 1, 3, -1, True, False, 2.5, "x", 10**20])
                               for n in cand_names if rng.random() < 0.8}
    if rng.random() < (0.45 if "auto_pick_order" in args else 0.1):
        args["rank_key"] = {n: rng.choice([None, 0.0, -0.0, 1.5, 3, 7, -2, float("nan"), float("inf"), True, "x", 2.5])
                            for n in cand_names if rng.random() < 0.8}
    if rng.random() < 0.12:
        args["predicates"] = rng.choice([[], ["disjointness"], ["self-modify"], ["self-modify", "disjointness"],
                                         ["disjointness", "self-modify"], ["disjointness", "disjointness"]])
    if rng.random() < (0.45 if "auto_pick_order" in args else 0.1):
        kinds = ["cluster", "cluster", "keyword", "priority", "apply", "named", "release", "Cluster"]
        args["class_budgets"] = {k: rng.choice([0, 1, 1, 1, 2, 2, 3, -1, True, 1.5, "2", 10**30])
                                 for k in rng.sample(kinds, rng.randint(1, 4))}
    if rng.random() < (0.4 if "auto_pick_order" in args else 0.1):
        sib_names = L.LANE_NAMES + names
        args["live_siblings"] = [{"lane": rng.choice(sib_names)} if rng.random() < 0.9 else {}
                                 for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.75:
            look = {}
            for n in sorted(set(sib_names)):
                if rng.random() < 0.7:
                    look[n] = L.rand_tree(rng, 3) if rng.random() < 0.85 else None
            args["sibling_tree_lookup"] = look
    return args, config


def _rand_ladder(rng):
    """A bare request over a ladder of zone lanes, with the budget, pick, rank
    and sibling inputs aimed at the same kinds and regions."""
    zones = [f"z{i}/" for i in range(6)]
    kinds = rng.sample(["cluster", "priority", "apply", "keyword"], rng.randint(1, 3))
    names = [f"lane{i}" for i in range(rng.randint(2, 6))]
    order = [[n, rng.choice(kinds), rng.sample(zones, rng.randint(1, 2))] for n in names]
    leases = [lease(rng.choice(names + ["other"]), rng.choice(kinds), rng.sample(zones, 1))
              for _ in range(rng.randint(0, 3))]
    lane, kind = ("", "") if rng.random() < 0.8 else (rng.choice(names), "keyword")
    args = req(lane, kind, [], leases, auto_pick_order=order)
    if rng.random() < 0.6:
        args["class_budgets"] = {k: rng.choice([1, 1, 2, 3]) for k in kinds if rng.random() < 0.8}
    if rng.random() < 0.4:
        args["pick_oracle"] = {n: rng.choice([None, 0, 1, 2]) for n in names if rng.random() < 0.8}
    if rng.random() < 0.4:
        args["rank_key"] = {n: rng.choice([None, 1.0, 2.0, 2.0, 5, float("nan"), -1.0]) for n in names
                            if rng.random() < 0.8}
    if rng.random() < 0.5:
        sibs = rng.sample(names + ["s1", "s2"], rng.randint(1, 3))
        args["live_siblings"] = [{"lane": s} for s in sibs]
        if rng.random() < 0.85:
            args["sibling_tree_lookup"] = {s: rng.sample(zones, rng.randint(1, 2)) if rng.random() < 0.9 else None
                                           for s in sibs if rng.random() < 0.9}
    config = {"lanes": {"concurrent": names, "autopick": names[:2],
                        "trees": {n: t for n, _, t in order}}, "workspace_facts": L.FOREIGN}
    return args, config


@cases
def _cases(rng):
    for _ in range(450):
        args, config = _rand_ladder(rng)
        yield "arbiter.arbitrate", args, config
    for args, config in TABLE:
        yield "arbiter.arbitrate", args, config
    for _ in range(2300):
        args, config = _rand_request(rng)
        yield "arbiter.arbitrate", args, config
