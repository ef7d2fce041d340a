#!/usr/bin/env bash
# make test-wheel: the wheel `make wheel` built (once; this reuses it), used as
# a pip user gets it, in a fresh virtual environment with no Rust toolchain:
#   1. auditwheel: manylinux-compliant; abi3; it carries dos-hook (executable),
#      the start-up .pth and its module;
#   2. the wheel and dos-kernel 0.22.0 install from the package index; smoke.py
#      (import, a typed call, hook_binary, accelerate, dos-hook pretool);
#   3. the reference's own `dos hook pretool` runs the wheel's dos-hook once
#      accelerated (DOS_NATIVE=1) and Python with DOS_HOOK_NATIVE=0;
#   4. DOS_NATIVE=1 accelerates a plain `import dos` program and the `dos` CLI
#      with no code change; unset, dos_native is never imported;
#   5. dos-hook install --host claude-code wires this binary, and the wired
#      command decides;
#   6. the wheel, dos_native.__version__ and dos-hook --version agree.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-wheel: FAIL: $*" >&2; exit 1; }
pass=0
ok() { pass=$((pass + 1)); }

shopt -s nullglob
wheels=("$repo"/target/wheels/dos_native-*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one wheel in target/wheels (make wheel), found ${#wheels[@]}"
wheel=${wheels[0]}
name=$(basename "$wheel")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
VPY=$repo/.venv/bin/python

# 1. The wheel itself.
case $name in
  dos_native-"$version"-cp311-abi3-manylinux_*.whl) ;;
  *) fail "$name is not an abi3 manylinux wheel of version $version" ;;
esac
tag=${name#dos_native-"$version"-cp311-abi3-}; tag=${tag%.whl}
audit=$("$VPY" -m auditwheel show "$wheel" | tr -s ' \n' '  ')
echo "$audit" | grep -q "is consistent with the following platform tag: \"$tag\"" \
  || fail "auditwheel does not confirm $tag: $audit"
"$VPY" - "$wheel" "$version" <<'PY' || fail "wheel contents"
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
data = f"dos_native-{version}.data"
info = {i.filename: i for i in z.infolist()}
hook = info.get(f"{data}/scripts/dos-hook")
assert hook is not None, "no dos-hook script"
assert (hook.external_attr >> 16) & 0o111, "dos-hook is not executable in the wheel"
assert z.read(f"{data}/scripts/dos-hook")[:4] == b"\x7fELF"
for f in ("_dos_native_startup.pth", "_dos_native_startup.py"):
    assert f"{data}/platlib/{f}" in info, f"no {f}"
assert "Tag: cp311-abi3-" in z.read(f"dos_native-{version}.dist-info/WHEEL").decode()
stray = [n for n in info if "__pycache__" in n or n.endswith(".pyc")]
assert not stray, f"bytecode in the wheel: {stray}"
PY
ok

# 2. A fresh environment, no Rust toolchain on PATH.
base=$("$VPY" -c 'import sys; print(sys._base_executable)')
"$base" -m venv "$work/venv"
export PATH="$work/venv/bin:/usr/local/bin:/usr/bin:/bin"
unset VIRTUAL_ENV PYTHONPATH DOS_NATIVE DOS_HOOK_NATIVE DISPATCH_WORKSPACE CARGO RUSTC
if command -v cargo >/dev/null || command -v rustc >/dev/null; then fail "a Rust toolchain is on PATH"; fi
py=$work/venv/bin/python
"$py" -m pip install -q "$wheel" "dos-kernel==0.22.0" || fail "pip install"
command -v dos-hook | grep -q "^$work/venv/bin/dos-hook$" || fail "dos-hook is not on PATH from the wheel"
mkdir -p "$work/ws"
"$py" "$repo/tests/wheel/smoke.py" "$work/ws" || fail "smoke test"
ok

# 3. The reference's `dos hook pretool` through the wheel's binary. Its own
# wheel bundles a hook binary of its own: a stand-in that notes each run and
# hands back (exit 3) tells the two apart.
ws=$work/ws3; mkdir -p "$ws/src/dos"; echo "# the kernel's own code" > "$ws/src/dos/arbiter.py"
refbin=$("$py" -c 'import dos, pathlib; print(pathlib.Path(dos.__file__).parent / "_bin" / "dos-hook")')
mkdir -p "$(dirname "$refbin")"
printf '#!/bin/sh\necho ran >> "%s"\nexit 3\n' "$work/ref-ran" > "$refbin"
chmod 755 "$refbin"
event="{\"hook_event_name\": \"PreToolUse\", \"tool_name\": \"Edit\", \"session_id\": \"s1\", \"cwd\": \"$ws\", \"tool_input\": {\"file_path\": \"$ws/src/dos/arbiter.py\"}}"
obs=$ws/.dos/metrics/observations.jsonl
records() { if [ -f "$obs" ]; then wc -l < "$obs"; else echo 0; fi; }
decision() { "$py" -c 'import json, sys; print(json.load(sys.stdin)["hookSpecificOutput"]["permissionDecision"])'; }
n=$(records); out=$(dos hook pretool --workspace "$ws" <<< "$event")
[ -f "$work/ref-ran" ] || fail "without DOS_NATIVE the reference's own binary should be asked first"
[ "$(records)" = "$n" ] || fail "the wheel's dos-hook ran without DOS_NATIVE"
[ "$(decision <<< "$out")" = deny ] || fail "dos hook pretool (Python): $out"
rm -f "$work/ref-ran"
n=$(records); out=$(DOS_NATIVE=1 dos hook pretool --workspace "$ws" <<< "$event")
[ ! -f "$work/ref-ran" ] || fail "DOS_NATIVE=1: the reference's binary still ran"
[ "$(records)" = "$((n + 1))" ] || fail "DOS_NATIVE=1: the wheel's dos-hook did not run"
[ "$(decision <<< "$out")" = deny ] || fail "dos hook pretool (native): $out"
n=$(records); out=$(DOS_NATIVE=1 DOS_HOOK_NATIVE=0 dos hook pretool --workspace "$ws" <<< "$event")
[ ! -f "$work/ref-ran" ] && [ "$(records)" = "$n" ] || fail "DOS_HOOK_NATIVE=0 must keep the verb in Python"
[ "$(decision <<< "$out")" = deny ] || fail "dos hook pretool (forced Python): $out"
ok

# 4. DOS_NATIVE with no code change.
"$py" -c 'import sys, dos
assert "dos_native" not in sys.modules and "_dos_native_startup" not in sys.modules, sorted(sys.modules)' \
  || fail "DOS_NATIVE unset: dos_native (or the start-up module) was imported"
DOS_NATIVE=1 "$py" - <<'PY' || fail "DOS_NATIVE=1 did not accelerate a plain import dos"
import sys
assert "dos_native" not in sys.modules, "dos_native loaded before dos"
import dos
assert "dos_native" in sys.modules, "import dos did not load dos_native"
import dos.exec_capability as xc
import dos_native
assert "dos.exec_capability.classify_command" in dos_native.accelerated(), dos_native.accelerated()
assert type(xc.classify_command).__name__ == "NativeCallable", xc.classify_command  # the native swap, not the reference function
v = xc.classify_command("sudo rm -rf /")
assert type(v) is xc.ExecCapabilityVerdict and v.capability is xc.Capability.GRANTS_ARBITRARY_EXEC
import dos.posttool_sensor  # swapped only once imported: the finder watches it
assert "dos.posttool_sensor.step_from_event" in dos_native.accelerated()
assert not any(type(f).__name__ == "DosNativeFinder" for f in sys.meta_path), sys.meta_path
PY
DOS_NATIVE=0 "$py" -c 'import sys, dos; assert "dos_native" not in sys.modules' || fail "DOS_NATIVE=0 loaded dos_native"
# The CLI: the same decision and exit code, the verdict from the native side
# (its reason is libdos's wording), dos_native imported only with DOS_NATIVE=1.
cli() { # env... -- args: prints "exit|stdout"; the import log goes to $work/imports
  local rc=0 out
  out=$(env "$@" 2>"$work/imports") || rc=$?
  printf '%s|%s' "$rc" "$out"
}
for cmd in "sudo python3 -c 1" "ls -la" ""; do
  plain=$(cli PYTHONPROFILEIMPORTTIME=1 dos exec-capability --command "$cmd" --json)
  grep -q "dos_native" "$work/imports" && fail "dos exec-capability imported dos_native without DOS_NATIVE"
  fast=$(cli PYTHONPROFILEIMPORTTIME=1 DOS_NATIVE=1 dos exec-capability --command "$cmd" --json)
  grep -q "dos_native._native" "$work/imports" || fail "DOS_NATIVE=1 dos exec-capability did not load dos_native"
  "$py" - "$plain" "$fast" "$cmd" <<'PY' || fail "dos exec-capability --command '$cmd': $plain vs $fast"
import json, sys
(prc, pout), (frc, fout) = (a.split("|", 1) for a in sys.argv[1:3])
p, f = json.loads(pout), json.loads(fout)
assert prc == frc, (prc, frc)
assert {k: v for k, v in p.items() if k != "reason"} == {k: v for k, v in f.items() if k != "reason"}, (p, f)
if p["capability"] == "GRANTS_ARBITRARY_EXEC":
    assert p["reason"] != f["reason"], "the reference answered under DOS_NATIVE=1"
PY
done
plain=$(cli dos --help); fast=$(cli DOS_NATIVE=1 dos --help)
[ "$plain" = "$fast" ] || fail "dos --help differs under DOS_NATIVE=1"
ok

# 5. dos-hook install --host claude-code, from the wheel: the entry it wires
# runs this binary, and the wired command line decides as dos-hook does.
ws=$work/ws5; mkdir -p "$ws/src/dos"; echo "# the kernel's own code" > "$ws/src/dos/arbiter.py"
(cd "$ws" && dos-hook install --host claude-code >/dev/null) || fail "dos-hook install --host claude-code"
wired=$("$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["hooks"]["PreToolUse"][0]["hooks"][0]["command"])' "$ws/.claude/settings.json")
[ "$wired" = "$work/venv/bin/dos-hook pretool --workspace . || dos hook pretool --workspace ." ] || fail "wired: $wired"
event="{\"hook_event_name\": \"PreToolUse\", \"tool_name\": \"Edit\", \"session_id\": \"s5\", \"cwd\": \"$ws\", \"tool_input\": {\"file_path\": \"$ws/src/dos/arbiter.py\"}}"
out=$(cd "$ws" && sh -c "$wired" <<< "$event") || fail "the wired command failed"
[ "$(decision <<< "$out")" = deny ] || fail "the wired command: $out"
ok

# 6. One version: the wheel, the package and its binary.
got=$("$py" -c 'import dos_native, importlib.metadata as m; print(dos_native.__version__, m.version("dos-native"))')
[ "$got" = "$version $version" ] || fail "dos_native.__version__ / metadata: $got, Cargo.toml: $version"
[ "$(dos-hook --version)" = "dos-hook $version" ] || fail "dos-hook --version: $(dos-hook --version)"
ok

echo "test-wheel: $pass passed, 0 failed"
