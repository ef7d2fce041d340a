#!/usr/bin/env bash
# make test-sdist: the sdist (make sdist) built into a wheel by pip, from
# scratch: a fresh cargo target directory, maturin installed by pip's build
# isolation, dos-hook built by the sdist's own build backend. The result must
# be the wheel `make wheel` builds: the same name (given the same platform
# tag), the same files, the same Python sources byte for byte, a static
# dos-hook that runs, and auditwheel's approval. A cold build: minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-sdist: FAIL: $*" >&2; exit 1; }
pass=0
ok() { pass=$((pass + 1)); }
VPY=$repo/.venv/bin/python
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
sdist=$repo/target/wheels/dos_native-$version.tar.gz
wheel=$(ls "$repo"/target/wheels/dos_native-"$version"-*.whl)
[ -f "$sdist" ] || fail "no $sdist (make sdist)"

# The sdist carries the hook crate and the backend, and no built binary.
tar tzf "$sdist" > "$work/list"
for f in pyproject.toml Cargo.lock bindings/hook/Cargo.toml bindings/hook/src/main.rs \
         build_backend/dos_native_build.py core/io/src/install/mod.rs \
         dos_native.data/platlib/_dos_native_startup.pth dos_native.data/platlib/_dos_native_startup.py; do
  grep -qx "dos_native-$version/$f" "$work/list" || fail "the sdist lacks $f"
done
if grep -q "scripts/dos-hook" "$work/list"; then fail "the sdist carries a built dos-hook"; fi
ok

# pip builds it, as a user's pip would, with the platform tag of make wheel.
tag=$(basename "$wheel"); tag=${tag#dos_native-"$version"-cp311-abi3-}; tag=${tag%.whl}
MATURIN_PEP517_ARGS="--compatibility $tag" CARGO_TARGET_DIR=$work/target \
  "$VPY" -m pip wheel -q --no-deps -w "$work/out" "$sdist" || fail "pip wheel of the sdist"
built=$(ls "$work"/out/*.whl)
[ "$(basename "$built")" = "$(basename "$wheel")" ] || fail "the sdist built $(basename "$built"), make wheel $(basename "$wheel")"
"$VPY" - "$wheel" "$built" <<'PY' || fail "the two wheels differ"
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
na = sorted(n for n in a.namelist() if "/sboms/" not in n)
nb = sorted(n for n in b.namelist() if "/sboms/" not in n)
assert na == nb, (set(na) ^ set(nb))
for n in na:
    if n.endswith((".py", ".pyi", ".pth", ".typed", "METADATA", "WHEEL")):
        assert a.read(n) == b.read(n), n
    if n.endswith("scripts/dos-hook"):
        assert (b.getinfo(n).external_attr >> 16) & 0o111, "not executable"
PY
"$VPY" -m auditwheel show "$built" | tr -s ' \n' '  ' | grep -q "consistent with the following platform tag: \"$tag\"" \
  || fail "auditwheel does not confirm $tag for the sdist's wheel"
(cd "$work" && "$VPY" -m zipfile -e "$built" unpacked)
hook=$work/unpacked/dos_native-$version.data/scripts/dos-hook
chmod +x "$hook"
if readelf -d "$hook" | grep -q NEEDED; then fail "the sdist's dos-hook is not statically linked"; fi
[ "$("$hook" --version)" = "dos-hook $version" ] || fail "the sdist's dos-hook --version"
ok

echo "test-sdist: $pass passed, 0 failed"
