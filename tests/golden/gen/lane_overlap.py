"""Golden cases for `dos.lane_overlap`, `dos.overlap_policy` and `dos.lock_modes`."""
from dos import lane_overlap, lock_modes, overlap_policy

from . import _lanes as L
from .common import cases, op, rand_text


def _decision(d):
    return {"verdict": d.verdict.value, "shared": d.shared, "requested": d.requested, "reason": d.reason,
            "admissible": d.admissible}


@op("lane_overlap.overlap_verdict", prose=["reason"], facts=L.facts_of("reason"))
def _overlap(args, config):
    kw = {"ratio_max": args["ratio_max"]} if "ratio_max" in args else {}
    return _decision(lane_overlap.overlap_verdict(args["requested_tree"], args["lease_tree"], **kw))


@op("overlap_policy.floor_decision", prose=["reason"], facts=L.facts_of("reason"))
def _floor(args, config):
    return _decision(overlap_policy.floor_decision(args["requested_tree"], args["lease_tree"]))


@op("overlap_policy.admissible_under_floor", prose=["reason"], facts=L.facts_of("reason"))
def _under_floor(args, config):
    policy = overlap_policy.resolve_overlap_policy(args["policy"])
    return _decision(overlap_policy.admissible_under_floor(
        policy, args["requested_tree"], args["lease_tree"], L.ref_config(config)))


@op("lock_modes.modes_compatible")
def _compatible(args, config):
    return lock_modes.modes_compatible(args["a"], args["b"])


@op("lock_modes.region_conflict")
def _conflict(args, config):
    return lock_modes.region_conflict(args["requested_tree"], args["requested_mode"], args["lease_tree"],
                                      args["lease_mode"])


TABLE = [
    (["playbooks/ats/workday.yaml"], ["agents/apply_*.py"]),
    (["agents/apply_*.py"], ["agents/apply_*.py"]),
    (["**/*"], ["**/*"]),
    (["**/*"], ["docs/"]),
    (["docs/"], ["**/*"]),
    (["*.py"], ["src/a.py"]),
    ([], ["a/"]),
    (["a/"], []),
    ([], []),
    ([""], ["a/"]),
    (["a/"], [""]),
    (["  "], ["a/"]),
    (["a/", "a/"], ["a/"]),
    (["a/", "A/", "b/", "c/"], ["a/"]),
    (["a/x", "b/", "c/", "d/", "e/", "f/", "g/", "h/"], ["a/"]),
    (["a/x", "b/", "c/"], ["a/"]),
    (["a/x", "b/x", "c/", "d/", "e/", "f/"], ["a/", "b/"]),
    (["agents/tailor_*.py", "t1/", "t2/", "t3/", "t4/", "t5/", "t6/", "t7/"], ["agents/tailor_*.py", "x/"]),
    (["a/", "b/", "c/", "d/", "e/"], ["a/", "b/", "c/", "d/", "e/"]),
    (["docs/UI-*"], ["docs/SVC-*"]),
    (["docs/UI-*"], ["docs/ui-page.md"]),
    (["Straße/x"], ["strasse/"]),
]

RATIOS = [1 / 3, 0.0, 0.25, 0.5, 1.0, 0.125, 0.3, 0.35, 1e-9, -0.5, 2.0, float("nan"), float("inf"), float("-inf"),
          0.005, 0.0049, 1e300, 0.7]


@cases
def _cases(rng):
    for a, b in TABLE:
        yield "lane_overlap.overlap_verdict", {"requested_tree": a, "lease_tree": b}
        yield "overlap_policy.floor_decision", {"requested_tree": a, "lease_tree": b}
        yield "lock_modes.region_conflict", {"requested_tree": a, "requested_mode": "exclusive", "lease_tree": b,
                                             "lease_mode": "shared"}
    for a, b in TABLE[:8]:
        for r in RATIOS:
            yield "lane_overlap.overlap_verdict", {"requested_tree": a, "lease_tree": b, "ratio_max": r}
    for _ in range(300):
        args = {"requested_tree": L.rand_tree(rng, 8), "lease_tree": L.rand_tree(rng, 6)}
        if rng.random() < 0.6:
            args["ratio_max"] = rng.choice(RATIOS + [rng.random()])
        yield "lane_overlap.overlap_verdict", args
    for _ in range(250):
        yield "overlap_policy.floor_decision", {"requested_tree": L.rand_tree(rng, 8), "lease_tree": L.rand_tree(rng, 6)}
    for _ in range(300):
        cfg = {"overlap": {"ratio_max": rng.choice([0.1, 0.25, 0.3, 0.5, 0.75, 1.0, 1 / 3, 1e-9])}} \
            if rng.random() < 0.7 else None
        pol = "prefix" if rng.random() < 0.93 else rng.choice(["", "import-graph", "Prefix"])
        yield "overlap_policy.admissible_under_floor", {
            "policy": pol, "requested_tree": L.rand_tree(rng, 8), "lease_tree": L.rand_tree(rng, 6)}, cfg
    modes = ["shared", "exclusive", "SHARED", "Exclusive", "read", ""]
    for a in modes:
        for b in modes:
            yield "lock_modes.modes_compatible", {"a": a, "b": b}
    for _ in range(250):
        yield "lock_modes.modes_compatible", {
            "a": rng.choice(modes[:2]) if rng.random() < 0.4 else rand_text(rng, "sharedxclusvSHAE", 10, 0.05),
            "b": rng.choice(modes[:2]) if rng.random() < 0.4 else rand_text(rng, "sharedxclusvSHAE", 10, 0.05)}
    for _ in range(300):
        yield "lock_modes.region_conflict", {
            "requested_tree": L.rand_tree(rng, 4), "requested_mode": rng.choice(modes[:2] * 5 + modes[2:]),
            "lease_tree": L.rand_tree(rng, 4), "lease_mode": rng.choice(modes[:2] * 5 + modes[2:])}
