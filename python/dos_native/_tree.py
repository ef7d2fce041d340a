"""Native ``dos._tree``: the file-tree prefix algebra (same names and arguments)."""
from __future__ import annotations

from typing import Callable, Optional

from ._native import dispatch as _dispatch
from ._native import lane_trees_disjoint as _disjoint
from ._native import norm_tree_prefix as _norm
from ._native import prefixes_collide

__all__ = ["norm_tree_prefix", "prefixes_collide", "lane_trees_disjoint", "tree_disjoint_from_all_live"]


def norm_tree_prefix(p: Optional[str]) -> str:
    """The comparable prefix of one tree entry (leading globs give ``""``)."""
    return _norm(p)


def lane_trees_disjoint(tree_a: list[str], tree_b: list[str]) -> bool:
    """True when the two trees cannot name the same file; an empty tree never is."""
    return _disjoint(list(tree_a), list(tree_b))


def tree_disjoint_from_all_live(
    *,
    requested_tree: list[str],
    live: list[dict],
    sibling_tree_lookup: Callable[[str], Optional[list[str]]],
) -> bool:
    """True when ``requested_tree`` is provably disjoint from every live sibling.

    The lookup callable is evaluated here, once per distinct live lane, and the
    resulting map crosses to the native side as data; a lookup that raises
    counts as an unresolved tree (not disjoint), as in the reference.
    """
    trees: dict[str, list[str]] = {}
    for s in live:
        lane = str(s.get("lane") or "")
        if lane and lane not in trees:
            try:
                trees[lane] = list(sibling_tree_lookup(lane) or [])
            except Exception:
                trees[lane] = []
    return _dispatch(
        "_tree.tree_disjoint_from_all_live",
        {"requested_tree": list(requested_tree), "live": [{"lane": str(s.get("lane") or "")} for s in live],
         "sibling_trees": trees},
    )
