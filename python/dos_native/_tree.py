"""Native ``dos._tree``: the file-tree prefix algebra (same names and arguments).

A lane owns a list of repo-relative globs. An entry normalizes to the
case-folded text before its first ``*`` (a leading glob gives ``""``, which
collides with everything); two entries collide when one normalized prefix
starts with the other; an empty tree is an unknown blast radius and is never
disjoint. Trees are lists or tuples of ``str`` (None entries are skipped);
other iterables are accepted and copied first.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from . import _native, _typed

__all__ = ["norm_tree_prefix", "prefixes_collide", "lane_trees_disjoint", "tree_disjoint_from_all_live"]


def _text(p: Any) -> str:
    if p is None:
        return ""
    if not isinstance(p, str):
        raise TypeError(f"a tree entry must be a str, not {type(p).__name__}")
    return str(p)


def _norm_tree_prefix(p: Optional[str]) -> str:
    """The comparable prefix of one tree entry (leading globs give ``""``)."""
    out: str = _typed.serve(norm_tree_prefix, _text(p or None))
    return out


def _prefixes_collide(a: str, b: str) -> bool:
    """True when one normalized prefix starts with the other."""
    out: bool = _typed.serve(prefixes_collide, _text(a), _text(b))
    return out


def _tree(t: Any) -> list[Any]:
    return [None if not p else _text(p) for p in t]


def _lane_trees_disjoint(tree_a: list[str], tree_b: list[str]) -> bool:
    """True when the two trees cannot name the same file; an empty tree never is."""
    out: bool = _typed.serve(lane_trees_disjoint, _tree(tree_a or ()), _tree(tree_b or ()))
    return out


def _lane(v: Any) -> Any:
    return str(v) if isinstance(v, str) else v


def _tree_disjoint_from_all_live(
    *,
    requested_tree: list[str],
    live: list[dict[str, Any]],
    sibling_tree_lookup: Callable[[str], Optional[list[str]]],
) -> bool:
    """True when ``requested_tree`` is provably disjoint from every live sibling.

    A sibling with no lane name, a lookup that finds no tree (or raises an
    ``Exception``), or an overlap makes it False; no live siblings is True.
    The lookup is called from libdos, once per live sibling in order, and
    only until the answer is known.
    """
    out: bool = _typed.serve(
        tree_disjoint_from_all_live,
        requested_tree=_tree(requested_tree),
        live=[{"lane": _lane(s.get("lane"))} for s in live],
        sibling_tree_lookup=sibling_tree_lookup,
    )
    return out


def _pair_disjoint(tree_a: Any, tree_b: Any) -> bool:
    """``lane_trees_disjoint`` for one live lane whose looked-up tree holds
    entries libdos cannot read as text (``tree_disjoint_from_all_live``)."""
    return lane_trees_disjoint(tree_a, tree_b)


def _bind(name: str, slow: _typed.F) -> _typed.F:
    slow.__name__ = slow.__qualname__ = name
    pair = _pair_disjoint if name == "tree_disjoint_from_all_live" else None
    return _typed.native(_native.bind_tree(name, slow, pair), slow)


norm_tree_prefix = _bind("norm_tree_prefix", _norm_tree_prefix)
prefixes_collide = _bind("prefixes_collide", _prefixes_collide)
lane_trees_disjoint = _bind("lane_trees_disjoint", _lane_trees_disjoint)
tree_disjoint_from_all_live = _bind("tree_disjoint_from_all_live", _tree_disjoint_from_all_live)
