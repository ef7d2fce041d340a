"""The hand-written half of ``dos_native._tree`` (the generated module
re-exports it): ``tree_disjoint_from_all_live`` with the reference's
``sibling_tree_lookup`` callable, which libdos calls back once per live
sibling, in order, and only until the answer is known (the op itself,
``_tree._tree_disjoint_from_all_live``, takes the siblings' trees as data).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from . import _native, _typed
from ._tree import lane_trees_disjoint

__all__ = ["tree_disjoint_from_all_live"]


def _text(p: Any) -> str:
    if p is None:
        return ""
    if not isinstance(p, str):
        raise TypeError(f"a tree entry must be a str, not {type(p).__name__}")
    return str(p)


def _tree(t: Any) -> list[Any]:
    return [None if not p else _text(p) for p in t]


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
    entries libdos cannot read as text."""
    return lane_trees_disjoint(tree_a, tree_b)


_tree_disjoint_from_all_live.__name__ = _tree_disjoint_from_all_live.__qualname__ = "tree_disjoint_from_all_live"
tree_disjoint_from_all_live = _typed.native(
    _native.bind_tree("tree_disjoint_from_all_live", _tree_disjoint_from_all_live, _pair_disjoint), _tree_disjoint_from_all_live
)
