"""The Python surface: envelope errors, typed modules, bad input."""
import json

import pytest

import dos_native
from dos_native import _tree, exec_capability as xc


@pytest.mark.parametrize(
    "req, code",
    [
        ("{", "BAD_JSON"),
        (b"\xff", "BAD_JSON"),
        ("[]", "BAD_REQUEST"),
        ('{"abi": 2, "op": "ops"}', "ABI_MISMATCH"),
        ('{"abi": 1, "op": "nope.nope"}', "UNKNOWN_OP"),
        ('{"abi": 1, "op": "exec_capability.classify_command", "args": {"command": 1}}', "BAD_ARGS"),
        ('{"abi": 1, "op": "exec_capability.classify_command", "args": {"command": "ls", "typo": 1}}', "BAD_ARGS"),
        ('{"abi": 1, "op": "ops", "config": "x"}', "BAD_CONFIG"),
    ],
)
def test_envelope_errors_are_values(req, code):
    resp = json.loads(dos_native.call(req))
    assert resp == {"abi": 1, "ok": False, "error": {"code": code, "message": resp["error"]["message"]}}
    assert resp["error"]["message"]


def test_call_rejects_non_text():
    with pytest.raises(TypeError):
        dos_native.call(42)


def test_dispatch_errors_carry_codes():
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("exec_capability.classify_command", {})
    assert e.value.code == "BAD_ARGS" and "command" in e.value.message
    with pytest.raises(TypeError):
        dos_native.dispatch("exec_capability.classify_command", {"command": object()})


def test_ops_lists_every_op():
    ops = dos_native.ops()
    assert "exec_capability.classify_command" in ops and "ops" in ops
    listing = json.loads(dos_native.call('{"abi":1,"op":"ops"}'))["verdict"]
    assert sorted(o["op"] for o in listing["ops"]) == sorted(o for o in ops if o != "ops")


def test_exec_capability_typed():
    v = xc.classify_command("sudo python3 -c 1")
    assert v.capability is xc.Capability.GRANTS_ARBITRARY_EXEC
    assert v.capability == "GRANTS_ARBITRARY_EXEC"
    assert v.grants_arbitrary_exec and v.program == "python3"
    assert set(v.to_dict()) == {"capability", "program", "reason"}
    assert "sudo" in v.reason
    assert xc.classify_command("") == xc.classify_command("   ")
    assert xc.classify_command("").program is None
    pol = xc.DEFAULT_POLICY.with_extra([" MyInterp "])
    assert xc.classify_command("myinterp -e 1", pol).grants_arbitrary_exec
    assert not xc.classify_command("myinterp -e 1").grants_arbitrary_exec
    # A value libdos does not take: DosError naming the argument (the
    # generated typed module's rule; the hand pyo3 function raised TypeError).
    with pytest.raises(dos_native.DosError, match="command"):
        xc.classify_command(None)
    assert "python" in xc.CROSS_PLATFORM_CODE_EXEC


def test_tree_typed():
    assert _tree.norm_tree_prefix("**/*") == ""
    assert _tree.norm_tree_prefix(None) == ""
    assert _tree.prefixes_collide("src/", "src/dos/")
    assert _tree.lane_trees_disjoint(["docs/UI-*"], ["docs/svc-*"])

    def lookup(lane):
        if lane == "boom":
            raise RuntimeError("lookup failed")
        return {"docs": ["docs/"]}.get(lane)

    assert _tree.tree_disjoint_from_all_live(requested_tree=["src/"], live=[{"lane": "docs"}], sibling_tree_lookup=lookup)
    assert not _tree.tree_disjoint_from_all_live(requested_tree=["src/"], live=[{"lane": "boom"}], sibling_tree_lookup=lookup)
