"""Issue 9, the file-tree prefix algebra (`_tree`) on the generated route:
the typed functions replay the golden corpus and keep the reference's
parameters, the accelerate() mappings answer as the reference does, and the
callable-taking `tree_disjoint_from_all_live` is the hand-written
companion's, served natively with the lookup called back."""
import inspect
import json
import random

import pytest

import dos_native
from dos_native import _tree, _tree_live
from dos_native._mapping import TREE

ref_tree = pytest.importorskip("dos._tree")

#: op -> the typed function answering it (the companion owns the public
#: `tree_disjoint_from_all_live`, which takes a callable).
FUNCTIONS = {
    "norm_tree_prefix": "norm_tree_prefix",
    "prefixes_collide": "prefixes_collide",
    "lane_trees_disjoint": "lane_trees_disjoint",
    "tree_disjoint_from_all_live": "_tree_disjoint_from_all_live",
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_typed_functions_replay_the_golden_corpus(golden_dir, name):
    from conftest import read_golden

    fn = getattr(_tree, FUNCTIONS[name])
    ok = refused = 0
    for place, rec in read_golden(golden_dir / f"_tree.{name}.jsonl.gz"):
        args = json.loads(rec["request"])["args"]
        if rec["error"]:
            with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                fn(**args)
            refused += 1
            continue
        assert fn(**args) == rec["expected"], place
        ok += 1
    assert ok + refused >= 200 and ok >= 100, (ok, refused)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_typed_functions_keep_the_reference_parameters(name):
    ours = inspect.signature(getattr(_tree, name)).parameters
    theirs = inspect.signature(getattr(ref_tree, name)).parameters
    assert list(ours) == list(theirs)
    assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]


def test_the_companion_owns_the_callable_function():
    assert _tree.tree_disjoint_from_all_live is _tree_live.tree_disjoint_from_all_live
    seen = []

    def lookup(lane):
        seen.append(lane)
        return {"a": ["docs/"], "b": ["src/x"]}.get(lane)

    live = [{"lane": "a"}, {"lane": "b"}, {"lane": "c"}]
    assert _tree.tree_disjoint_from_all_live(requested_tree=["src/"], live=live, sibling_tree_lookup=lookup) is False
    assert seen == ["a", "b"]  # called back in order, only until the answer is known
    trees = {"a": ["docs/"], "b": ["src/x"]}
    assert _tree._tree_disjoint_from_all_live(["src/"], live, trees) is False
    assert _tree._tree_disjoint_from_all_live(["src/"], live[:1], trees) is True


@pytest.fixture
def swapped():
    dos_native.accelerate()
    yield
    dos_native.restore()


def _outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:  # noqa: BLE001 - the same exception type either way
        return ("raised", type(e))


def test_accelerated_functions_agree_with_the_reference(swapped):
    for r in TREE:
        fn = getattr(ref_tree, r.function)
        assert getattr(fn, "__dos_native_op__", None) == r.op
    rng = random.Random(8)
    entries = ["src/", "Src\\Dos*", "**/*", "", "  ", "docs/UI-*", "Stra\u00dfe/", "STRASSE/x", "\u0130x", None, 5, "\ud800"]
    for _ in range(400):
        a, b = rng.choice(entries), rng.choice(entries)
        for name, args in [("norm_tree_prefix", (a,)), ("prefixes_collide", (a, b)),
                           ("lane_trees_disjoint", (rng.sample(entries, 2), rng.sample(entries, rng.randint(0, 3))))]:
            fn = getattr(ref_tree, name)
            assert _outcome(fn, *args) == _outcome(fn.__wrapped__, *args), (name, args)
