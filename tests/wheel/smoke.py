"""The installed dos-native wheel, in a fresh virtual environment that has
the wheel and dos-kernel 0.22.0 from PyPI and no Rust toolchain: import, a
typed call, hook_binary(), accelerate() (the reference's hook locator
included), and dos-hook pretool on a temporary workspace.

    python smoke.py WORKSPACE   (run by tests/wheel/run.sh)
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

ws = pathlib.Path(sys.argv[1])
checks = 0


def check(cond: bool, what: str) -> None:
    global checks
    if not cond:
        raise SystemExit(f"smoke: FAIL: {what}")
    checks += 1


# Nothing loaded dos_native before this line.
check("dos_native" not in sys.modules, "dos_native imported at start-up without DOS_NATIVE")

import dos_native  # noqa: E402
from dos_native import exec_capability  # noqa: E402

check(dos_native._native.__file__.startswith(sys.prefix), f"dos_native loaded from {dos_native._native.__file__}")
v = exec_capability.classify_command("sudo python3 -c 1")
check(v.capability is exec_capability.Capability.GRANTS_ARBITRARY_EXEC and v.program == "python3", f"typed call: {v!r}")
check(dos_native.dispatch("_tree.lane_trees_disjoint", {"tree_a": ["docs/"], "tree_b": ["src/"]}) is True, "dispatch")

# The hook binary is the wheel's, on PATH.
hb = dos_native.hook_binary()
check(hb is not None and pathlib.Path(hb).parent == pathlib.Path(sys.prefix, "bin").resolve(), f"hook_binary() = {hb}")
check(shutil.which("dos-hook") is not None and pathlib.Path(shutil.which("dos-hook")).resolve() == pathlib.Path(hb),
      f"dos-hook on PATH is {shutil.which('dos-hook')}, hook_binary() is {hb}")

# accelerate() swaps the deciders and the reference's hook locator.
import dos.exec_capability as ref_xc  # noqa: E402
import dos.hook_binary as ref_hb  # noqa: E402

bundled = ref_hb.native_hook_binary()  # the reference's own binary (its wheel bundles one)
swapped = dos_native.accelerate()
check("dos.exec_capability.classify_command" in swapped, f"accelerate(): {swapped}")
check("dos.hook_binary.native_hook_binary" in swapped, f"accelerate() left the hook locator: {swapped}")
check(ref_hb.native_hook_binary() == pathlib.Path(hb), f"native_hook_binary() = {ref_hb.native_hook_binary()}")
os.environ["DOS_HOOK_NATIVE"] = "0"
check(ref_hb.native_hook_binary() is None, "DOS_HOOK_NATIVE=0 must force the Python verb")
del os.environ["DOS_HOOK_NATIVE"]
rv = ref_xc.classify_command("sudo python3 -c 1")
check(type(rv) is ref_xc.ExecCapabilityVerdict and rv.capability is ref_xc.Capability.GRANTS_ARBITRARY_EXEC, f"{rv!r}")
dos_native.restore()
check(ref_hb.native_hook_binary() == bundled, "restore() puts the reference's locator back")

# dos-hook pretool on a temporary workspace that holds the kernel's own code:
# an edit of it is denied, and the call is logged.
(ws / "src" / "dos").mkdir(parents=True, exist_ok=True)
(ws / "src" / "dos" / "arbiter.py").write_text("# the kernel's own code\n")
event = {"hook_event_name": "PreToolUse", "tool_name": "Edit", "session_id": "s1", "cwd": str(ws),
         "tool_input": {"file_path": f"{ws}/src/dos/arbiter.py"}}
p = subprocess.run(["dos-hook", "pretool", "--workspace", str(ws)], input=json.dumps(event).encode(),
                   capture_output=True)
check(p.returncode == 0, f"dos-hook pretool exit {p.returncode}: {p.stderr!r}")
out = json.loads(p.stdout)
check(out["hookSpecificOutput"]["permissionDecision"] == "deny", f"dos-hook pretool: {out}")
check("SELF_MODIFY" in out["hookSpecificOutput"]["permissionDecisionReason"], f"{out}")
check((ws / ".dos" / "metrics" / "observations.jsonl").is_file(), "no observation record")
check(subprocess.run(["dos-hook", "--version"], capture_output=True, text=True).stdout == f"dos-hook {dos_native.__version__}\n",
      "dos-hook --version")

print(f"smoke: {checks} passed, 0 failed")
