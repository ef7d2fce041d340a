"""Hypothesis: random inputs through dos_native and the reference agree."""
import pytest
from hypothesis import given, settings, strategies as st

dos = pytest.importorskip("dos")
import dos._tree as ref_tree  # noqa: E402
import dos.exec_capability as ref_xc  # noqa: E402

from dos_native import _tree, exec_capability as xc  # noqa: E402

TOKENS = st.sampled_from(["python", "sudo", "env", "A=1", "=x", "ls", "/usr/bin/Bash", "nice", "é=2", "npx", "ß"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
COMMAND = st.one_of(TEXT, st.lists(st.one_of(TOKENS, TEXT), max_size=5).map(" ".join))
ENTRY = st.one_of(st.sampled_from(["**/*", "src/", "SRC/x", "docs/UI-*", "", "ﬁle", "İ"]), TEXT)


@settings(max_examples=400, deadline=None)
@given(COMMAND)
def test_classify_command(cmd):
    ours, ref = xc.classify_command(cmd), ref_xc.classify_command(cmd)
    assert (ours.capability.value, ours.program) == (ref.capability.value, ref.program)


@settings(max_examples=400, deadline=None)
@given(st.lists(ENTRY, max_size=4), st.lists(ENTRY, max_size=4))
def test_lane_trees_disjoint(a, b):
    assert _tree.lane_trees_disjoint(a, b) == ref_tree.lane_trees_disjoint(a, b)
    for e in a:
        assert _tree.norm_tree_prefix(e) == ref_tree.norm_tree_prefix(e)
