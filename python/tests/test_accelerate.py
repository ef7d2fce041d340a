"""accelerate(): the reference's behaviour with and without native deciders."""
import random

import pytest

dos = pytest.importorskip("dos")
import dos._tree as ref_tree  # noqa: E402
import dos.exec_capability as ref_xc  # noqa: E402

import dos_native  # noqa: E402

COMMANDS = ["", "ls", "sudo rm", "env A=1 python3 -c 1", "nice make", "cat eval.txt", "FOO=1", "\u00e9=1 bash"]


def _snapshot():
    out = []
    for c in COMMANDS:
        v = ref_xc.classify_command(c)
        out.append((type(v), v.capability, v.program))
    rng = random.Random(7)
    entries = ["**/*", "src/", "docs/UI-*", "docs/ui-x", "", "Stra\u00dfe/", "strasse/x"]
    for _ in range(200):
        a = [rng.choice(entries) for _ in range(rng.randint(0, 3))]
        b = [rng.choice(entries) for _ in range(rng.randint(0, 3))]
        out.append(ref_tree.lane_trees_disjoint(a, b))
        out.append(ref_tree.norm_tree_prefix(rng.choice(entries)))
    return out


def test_accelerated_matches_reference():
    dos_native.restore()
    plain = _snapshot()
    swapped = dos_native.accelerate()
    try:
        assert "dos.exec_capability.classify_command" in swapped
        assert dos_native.accelerated() == swapped
        assert _snapshot() == plain
        v = ref_xc.classify_command("python -c 1")
        assert isinstance(v, ref_xc.ExecCapabilityVerdict)
        assert v.capability is ref_xc.Capability.GRANTS_ARBITRARY_EXEC
    finally:
        dos_native.restore()
    assert dos_native.accelerated() == []


class _OddPolicy:
    programs = [1, "ls"]  # not all strings: the native side cannot take it


def test_fallback_on_what_native_cannot_take():
    dos_native.restore()
    want = [ref_xc.classify_command("\ud800 ls"), ref_xc.classify_command("ls -l", _OddPolicy())]
    dos_native.accelerate()
    try:
        # A lone surrogate and an odd policy cannot cross to Rust: the original answers.
        got = [ref_xc.classify_command("\ud800 ls"), ref_xc.classify_command("ls -l", _OddPolicy())]
    finally:
        dos_native.restore()
    assert got == want
    assert got[1].capability is ref_xc.Capability.GRANTS_ARBITRARY_EXEC


def test_env_flag_accelerates_on_import(tmp_path):
    import subprocess
    import sys

    code = "import dos_native; print(len(dos_native.accelerated()))"
    out = subprocess.run([sys.executable, "-c", code], env={"DOS_NATIVE": "1", "PATH": ""}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 5
