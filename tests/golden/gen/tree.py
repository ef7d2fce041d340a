"""Golden cases for `dos._tree`."""
from dos import _tree

from .common import cases, op, rand_text

_op = op


@_op("_tree.norm_tree_prefix")
def _norm(args, config):
    return _tree.norm_tree_prefix(args.get("p"))


@_op("_tree.prefixes_collide")
def _collide(args, config):
    return _tree.prefixes_collide(args["a"], args["b"])


@_op("_tree.lane_trees_disjoint")
def _disjoint(args, config):
    return _tree.lane_trees_disjoint(args["tree_a"], args["tree_b"])


@_op("_tree.tree_disjoint_from_all_live")
def _disjoint_all(args, config):
    trees = args.get("sibling_trees") or {}
    return _tree.tree_disjoint_from_all_live(
        requested_tree=args["requested_tree"],
        live=args["live"],
        sibling_tree_lookup=lambda lane: trees.get(lane),
    )


ENTRIES = [
    "**/*", "*.py", "src/", "src/dos/", "src/dos/arbiter.py", "SRC/Dos/", "docs/UI-*", "docs/ui-",
    "docs/svc-*", "docs/", "agents/apply_*.py", "agents\\apply_x.py", " tests/ ", "", "go/internal/ui/",
    "Straße/", "strasse/", "ﬁle/", "file/", "İ/", "i̇/", "benchmark/**", "bench", "job_search/scoring.py",
]


def _entry(rng):
    if rng.random() < 0.7:
        return rng.choice(ENTRIES)
    return rand_text(rng, "abcdAB/_-.*\\ ", 10)


def _tree_(rng, n=3):
    return [_entry(rng) for _ in range(rng.randint(0, n))]


@cases
def _cases(rng):
    for e in ENTRIES:
        yield "_tree.norm_tree_prefix", {"p": e}
    for _ in range(300):
        yield "_tree.norm_tree_prefix", {"p": rand_text(rng, "abcDE/_-.*\\ \t", 14, 0.15)}
    for a in ENTRIES[:12]:
        for b in ENTRIES[:12]:
            yield "_tree.prefixes_collide", {"a": _tree.norm_tree_prefix(a), "b": _tree.norm_tree_prefix(b)}
    for _ in range(400):
        yield "_tree.prefixes_collide", {"a": rand_text(rng, "ab/é", 6, 0.05), "b": rand_text(rng, "ab/é", 6, 0.05)}
    for _ in range(300):
        yield "_tree.lane_trees_disjoint", {"tree_a": _tree_(rng), "tree_b": _tree_(rng)}
    lanes = ["docs", "src", "ui", "", "tests", "Docs"]
    for _ in range(300):
        sib = {ln: _tree_(rng) for ln in lanes if ln and rng.random() < 0.8}
        live = [{"lane": rng.choice(lanes)} for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.1:
            live.append({})
        yield "_tree.tree_disjoint_from_all_live", {
            "requested_tree": _tree_(rng), "live": live, "sibling_trees": sib,
        }
